// Package redis keeps the state several callboard replicas share in Redis,
// through go-redis' UniversalClient (single node, Sentinel or Cluster):
// delivery dedupe, per-user rate limits, the audit stream, the leader lock with
// fencing tokens, scaffold job records and the job queue (a Stream with a
// consumer group), alert groups' cards and locks (AlertStore), the replicas'
// heartbeats, and for catalog/ingest the snapshot bus, the webhook hand-over
// to the ingest leader (HandOver) and the registrations of scaffolded
// entities (Registrations).
//
// NewClient (and Open) is the one place a client is built: the mode (a
// single node, Sentinel, or a Cluster, also detected from one address), TLS,
// the ACL user, timeouts and retries. Messages between replicas go through
// Channel, which is sharded pub/sub on a Cluster so a publisher's receiver
// count is every subscriber.
//
// It implements interfaces declared by bot/chat, bot, scaffold and
// catalog/ingest and
// must not be imported by them; it must not depend on chat platforms or GitHub.
//
// Catalog snapshots are published as the JSON of the entities. An entity's
// Origin.FS is not serialised, so a replica that loaded a snapshot from the bus
// cannot read files beside an entity (TechDocs, $text): documentation search on
// such a replica needs the doc index the leader builds, or re-fetching from
// GitHub. This package only moves entities; it chooses neither.
package redis
