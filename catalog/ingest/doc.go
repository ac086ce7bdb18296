// Package ingest keeps a live catalog.Store current: the Refresher combines
// any number of catalog sources (files, GitHub organisations, a Backstage
// instance, the entities scaffold jobs registered) into one Snapshot.
//
// It may import catalog, catalog/docs, bot (for its state interfaces) and
// the standard library; never a chat platform, GitHub, Redis or cmd.
// Adapters implement what it declares (github.OrgSource is a RepoSource).
package ingest
