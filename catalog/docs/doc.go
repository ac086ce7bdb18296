// Package docs indexes TechDocs sites (mkdocs.yml plus Markdown pages) and
// answers documentation searches with ranked, highlighted, linked sections.
//
// A page is split into sections at its headings; each section keeps its page
// title, heading path, MkDocs anchor, body text, entity and nav position. The
// index is purpose-built: BM25 per field (page title, heading, heading path, body, code, site)
// weighted and summed, with a
// proximity bonus, prefix matching on the last word, typo tolerance on rare
// terms (a walk of the sorted vocabulary that skips prefixes out of reach),
// English (Porter2) stemming and stop words. An Index is immutable;
// build a new one off the request path and swap it into a Holder.
//
// design.md names bleve for doc search unless a purpose-built index beats
// it on quality and speed side by side: bleve_compare_test.go is that
// comparison (MRR on the quality sets as a test, build and query benchmarks
// at 5,000 pages). "url:" TechDocs sites are read through a SiteReader
// (adapters/github has one).
//
// It depends on catalog (entity refs, snapshots, problems) and on nothing of
// the chat platforms, GitHub or Redis.
package docs
