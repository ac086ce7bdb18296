// Package catalogtest generates synthetic Backstage catalogs of any size with
// a realistic shape — a group hierarchy with users, domains, systems,
// components with owners, dependencies and APIs, resources, annotations and
// links, about 1 KB of YAML per entity — deterministically from a seed, as
// YAML bytes, as files in a directory or as a built *catalog.Snapshot. It is
// for tests and benchmarks of every package that reads a catalog.
//
// It depends on package catalog and the standard library only.
package catalogtest
