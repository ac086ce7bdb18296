// Package ingest keeps the live catalog.Store current and shared by the
// replicas:
//
//   - Refresher combines any number of catalog sources (files, GitHub
//     organisations, a Backstage instance, the registrations below) into one
//     Snapshot, retrying sources that have not loaded and refreshing single
//     repositories of a RepoSource for webhooks.
//   - Ingest elects one leader (a chat.Locker) that runs the Refresher and
//     publishes each snapshot with its TechDocs sites on a Bus; the other
//     replicas follow the Bus and hand webhook work to the leader
//     (HandOver). Without them one process leads.
//   - Registry holds the entities scaffold jobs registered, live at once and
//     kept by every rebuild, shared through Registrations.
//
// Each type's Run owns its goroutines and returns once they stopped; a
// catalog swap only signals them. Bus, HandOver and Registrations are
// implemented in adapters/redis; MemoryHandOver and MemoryRegistrations are
// the in-memory twins, and ingesttest the suite both pass.
//
// It may import catalog, catalog/docs, bot/chat (its state interfaces), bot
// (SourceHealth, for the admin command) and the
// standard library; never a chat platform, GitHub, Redis or cmd.
// Adapters implement what it declares (github.OrgSource is a RepoSource).
package ingest
