// Package examples embeds Tallybird, the fictional payments company callboard
// explores when no catalog is configured: its groups and people, services,
// APIs and resources with a real dependency graph, TechDocs sites, and the
// Software Templates used to scaffold new services.
//
// Load Root from FS with catalog.LoadFS. The package holds data only: it must
// not depend on any other callboard package (its test may use catalog).
package examples
