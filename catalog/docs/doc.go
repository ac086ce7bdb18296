// Package docs indexes TechDocs sites (mkdocs.yml plus Markdown pages) and
// answers documentation searches with ranked, highlighted, linked sections.
//
// A page is split into sections at its headings; each section keeps its page
// title, heading path, MkDocs anchor, body text, entity and nav position. The
// index is purpose-built: BM25 per field (page title, heading, heading path, body, code, site)
// weighted and summed, with a
// proximity bonus, prefix matching on the last word, typo tolerance on rare
// terms, English (Porter2) stemming and stop words. An Index is immutable;
// build a new one off the request path and swap it into a Holder.
//
// It depends on catalog (entity refs, snapshots, problems) and on nothing of
// the chat platforms, GitHub or Redis.
package docs
