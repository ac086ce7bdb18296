package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"

	"github.com/callboard/callboard/catalog"
)

func init() {
	register(command{name: "validate", summary: "check catalog descriptor files as Backstage would", run: runValidate})
}

// runValidate is `callboard validate [--json] PATH...`: problems as
// file:line:col: message lines (or one JSON object per document with
// --json); exit 1 when anything is invalid, 0 otherwise, 2 on usage errors.
// Warnings (dangling references, unknown kinds) change the exit code only
// with --strict, which makes them fail the run too (for CI).
func runValidate(ctx context.Context, env *Env, args []string) int {
	fl := flag.NewFlagSet("validate", flag.ContinueOnError)
	fl.SetOutput(env.Stderr)
	asJSON := fl.Bool("json", false, "print one JSON object per document: {file, doc, kind, namespace, name, valid, errors}")
	quiet := fl.Bool("q", false, "print errors only (no warnings, notes or progress)")
	strict := fl.Bool("strict", false, "warnings fail too (exit 1): an unknown kind such as a typo'd kind: Componnet, a dangling reference")
	var opts AppOptions
	fl.StringVar(&opts.CacheDir, "cache", "", "keep GitHub answers with their ETags in `DIR` (default: the user cache folder's callboard); safe to delete")
	fl.BoolVar(&opts.NoCache, "no-cache", false, "keep no GitHub answers on disk")
	fl.Usage = func() {
		fmt.Fprintln(env.Stderr, "usage: callboard validate [--json] [-q] [--strict] [--cache DIR | --no-cache] PATH...")
		fmt.Fprintln(env.Stderr, "\nPATH is a descriptor file, a directory (walked for *.yaml, *.yml, *.json), a Location file,")
		fmt.Fprintln(env.Stderr, "github:ORG or github:ORG/REPO (with GITHUB_TOKEN or a GitHub App), or backstage:URL (a Backstage")
		fmt.Fprintln(env.Stderr, "instance's catalog, with BACKSTAGE_TOKEN).")
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if fl.NArg() == 0 {
		fmt.Fprintln(env.Stderr, "callboard validate: name at least one file or directory to check")
		fl.Usage()
		return 2
	}
	opts.Catalogs, opts.Quiet, opts.stderr = fl.Args(), *quiet, env.Stderr
	if err := splitCLISources(&opts, env.Getenv); err != nil {
		fmt.Fprintln(env.Stderr, "callboard validate:", err)
		return 2
	}
	res := &catalog.Result{}
	if len(opts.Catalogs) > 0 {
		res = catalog.LoadPaths(ctx, opts.Catalogs)
	}
	if len(opts.Sources) > 0 {
		remote, err := loadSources(ctx, opts.Sources)
		if err != nil {
			fmt.Fprintln(env.Stderr, "callboard validate:", err)
			return 1
		}
		res.Merge(remote)
	}
	// Building the snapshot reports duplicates, dangling and kindless references.
	snap := catalog.Build(res)
	if !*quiet {
		for _, n := range res.Skipped {
			fmt.Fprintln(env.Stderr, "note: "+n)
		}
	}
	problems := snap.Problems()
	if *asJSON {
		enc := json.NewEncoder(env.Stdout)
		for _, d := range res.Documents {
			if d.Errors == nil {
				d.Errors = []string{}
			}
			if err := enc.Encode(d); err != nil {
				fmt.Fprintln(env.Stderr, "callboard validate:", err)
				return 1
			}
		}
		for _, p := range problems {
			if !*quiet || p.Severity == catalog.Error || *strict {
				fmt.Fprintln(env.Stderr, p.String())
			}
		}
	} else {
		for _, p := range problems {
			if !*quiet || p.Severity == catalog.Error || *strict {
				fmt.Fprintln(env.Stdout, p.String())
			}
		}
	}
	valid, invalid := 0, 0
	for _, d := range res.Documents {
		if d.Valid {
			valid++
		} else {
			invalid++
		}
	}
	errs, warns := 0, 0
	for _, p := range problems {
		if p.Severity == catalog.Error {
			errs++
		} else if p.Severity == catalog.Warning {
			warns++
		}
	}
	if !*asJSON {
		// Errors of no one document (a missing Location target, a duplicate
		// entity, a file that cannot be read) also fail the run: say so, so
		// the summary never reads "0 invalid" above exit status 1.
		inDocs := 0
		for _, d := range res.Documents {
			if !d.Valid {
				inDocs += len(d.Errors)
			}
		}
		other := ""
		if n := errs - inDocs; n > 0 {
			other = fmt.Sprintf("; %d other %s (missing Location targets, duplicate entities, unreadable files)", n, plural(n, "error", "errors"))
		}
		if *strict && warns > 0 {
			other += fmt.Sprintf("; %d %s, which fail the run with --strict", warns, plural(warns, "warning", "warnings"))
		}
		fmt.Fprintf(env.Stderr, "%d entity documents valid, %d invalid%s\n", valid, invalid, other)
	}
	if invalid > 0 || errs > 0 || (*strict && warns > 0) {
		return 1
	}
	return 0
}
