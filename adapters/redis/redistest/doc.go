// Package redistest starts a private redis-server for tests, on a free
// 127.0.0.1 port with its data in t.TempDir(), never the machine's shared
// Redis. It must not be imported by production code.
package redistest
