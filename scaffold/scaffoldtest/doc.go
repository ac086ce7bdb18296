// Package scaffoldtest holds test helpers for scaffold and its implementers:
// an in-memory Publisher faithful to the interface (markers, ErrRepoExists)
// and the shared suite every JobStore and Queue implementation runs.
//
// It depends on scaffold and the standard library only (testing included).
package scaffoldtest
