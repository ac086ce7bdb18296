// Package catalog is callboard's model of a Backstage software catalog:
// entities read from catalog-info.yaml files with their positions, validated
// as Backstage validates them, related in both directions, and held in an
// immutable, indexed Snapshot that is swapped atomically on refresh.
//
// It depends on gopkg.in/yaml.v3 only: nothing here knows of chat platforms,
// GitHub or Redis (sources that need those live in adapters/).
package catalog
