// Package ingesttest holds the shared test suites of what catalog/ingest
// declares for several replicas (Registrations, HandOver): the in-memory
// twins in ingest and the Redis ones in adapters/redis run the same suite,
// so they behave alike.
//
// It depends on catalog/ingest and the testing package only.
package ingesttest
