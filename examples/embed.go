package examples

import "embed"

// FS holds the whole example organisation, dotfiles included (skeletons carry
// .github/ and .gitignore files that must reach the scaffolded repository).
//
//go:embed all:org
var FS embed.FS

// Root is the Location file in FS whose targets reach every entity.
const Root = "org/all.yaml"

// Rota is the example organisation's made-up on-call rota in FS (see
// adapters/rota): example data, shown as such.
const Rota = "org/oncall-rota.yaml"
