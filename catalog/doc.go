// Package catalog is callboard's model of a Backstage software catalog:
// entities read from catalog-info.yaml files with their positions, validated
// as Backstage's @backstage/catalog-model validates them, related in both
// directions, and held in an immutable, indexed Snapshot that is swapped
// atomically on refresh.
//
// Reading: LoadFS and LoadPaths walk files, directories and Location
// entities; SplitDocuments parses each YAML/JSON document on its own (so one
// bad document never hides the others) within bounds on size, depth and
// alias expansion (MaxFileSize, MaxDepth, MaxValues, and MaxAliasValues for a
// whole file). yaml.v3 is the parser
// of record; catalog/internal/fastyaml is an accelerator for plain block YAML
// that builds yaml.v3's exact node tree or declines (see SplitDocuments). Every problem is a
// Problem printed "file:line:col: message"; errors make a document invalid,
// warnings (unknown kinds, unresolved placeholders, dangling references)
// never do. Build turns results into a Snapshot: duplicates reported, the
// relations of formats.md computed both ways. A Snapshot answers by ref,
// name, owner, annotation, relation (Incoming, Walk) and fuzzy name.
//
// It depends on gopkg.in/yaml.v3, its internal fastyaml and the standard
// library only: nothing here
// knows of chat platforms, GitHub or Redis (sources that need those live in
// adapters/).
package catalog
