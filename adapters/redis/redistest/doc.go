// Package redistest starts a private redis-server for tests, on a free
// 127.0.0.1 port with its data in t.TempDir(), never the machine's shared
// Redis; and the managed shapes: a 3-master Cluster (SharedCluster, one per
// test binary, stopped by StopSharedCluster from TestMain; StartCluster and
// StartTLSCluster for a test's own), a Sentinel set-up (StartSentinel) and
// a TLS-only server with certificates made in the test (StartTLS). It must
// not be imported by production code.
package redistest
