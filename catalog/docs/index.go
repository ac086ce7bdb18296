package docs

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"path"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/callboard/callboard/catalog"
)

// Fields of a section, each scored with BM25 on its own and weighted.
const (
	fieldTitle   = iota // the page title
	fieldHeading        // the section's own heading
	fieldPath           // the headings above it
	fieldBody           // prose
	fieldCode           // code blocks
	fieldSite           // site and entity names
	numFields
)

var (
	fieldWeight = [numFields]float64{fieldTitle: 1, fieldHeading: 3, fieldPath: 1, fieldBody: 1, fieldCode: 0.3, fieldSite: 0.6}
	fieldB      = [numFields]float64{fieldTitle: 0.5, fieldHeading: 0.9, fieldPath: 0.5, fieldBody: 0.5, fieldCode: 0.75, fieldSite: 0.2}
)

// bm25K1 is BM25's term-frequency saturation, per field.
const bm25K1 = 4.0

// maxPageBytes bounds the Markdown indexed from one page. Indexing is
// linear in the page, so this bounds its time and memory; a page beyond it
// is indexed up to the last line break before the bound, with a warning
// naming it. (FastAPI's release notes, one of the largest real pages known,
// are 0.7 MB.)
var maxPageBytes = 2 << 20

// BuildOptions say how links are made.
type BuildOptions struct {
	// BaseURL is the techdocs.baseURL pattern for links to rendered pages,
	// e.g. "https://backstage.example.com/docs/{namespace}/{kind}/{name}/{path}".
	// Empty: links go to the Markdown file on GitHub (or its path when
	// nothing says which repository holds it).
	BaseURL string
}

// Stats describe an index, for metrics.
type Stats struct {
	Sites    int `json:"sites"`
	Pages    int `json:"pages"`
	Sections int `json:"sections"`
	Terms    int `json:"terms"`
	// TextBytes is the size of the Markdown read; IndexBytes an estimate of
	// the memory the index holds.
	TextBytes  int64 `json:"text_bytes"`
	IndexBytes int64 `json:"index_bytes"`
	// Built is when the index was finished (the status page shows it).
	Built time.Time `json:"built"`
}

// Index is an immutable search index over the sections of some sites. It is
// safe for concurrent use.
type Index struct {
	sites  []siteInfo
	pages  []pageInfo
	secs   []sec
	terms  map[string]uint32
	vocab  []string // term id -> term
	sorted []uint32 // term ids in term order, for prefix search
	// sortedTerms[i] is vocab[sorted[i]], held in one block in that order.
	sortedTerms []string
	postings    [][]posting // term id -> sections holding it
	avgLen      [numFields]float64
	norms       []secNorm // by section, what BM25 needs of it
	// bodyOnce[d] is bm25 of a term found once in section d's body and
	// nowhere else in it, most postings of common terms: apart from norms,
	// eight sections a cache line.
	bodyOnce []float64
	stats    Stats
	scratch  sync.Pool
}

// secNorm is what scoring a term in a section needs of the section: the
// BM25 length normalisation of each field, and whether it is below the page
// top (its page title counts for titleShare of the title's weight). It sits
// apart from sec so the posting loop reads 56 bytes a section, not the
// section's text.
type secNorm struct {
	norm [numFields]float64
	sub  bool
}

type siteInfo struct {
	name   string
	entity catalog.Ref
}

type pageInfo struct {
	site   int
	path   string // relative to docs_dir
	title  string
	navPos int
	url    string // without anchor
}

type sec struct {
	page    uint32
	anchor  string
	heading string // heading path
	body    string
	code    string
	url     string
	lens    [numFields]uint16
	stream  []uint32 // term ids of heading and body, in order
}

// bodyStream is the term ids of the section's body words, in order: its
// stream after the heading's words.
func (x *sec) bodyStream() []uint32 {
	h := int(x.lens[fieldHeading])
	if h == 65535 || h > len(x.stream) { // saturated: the count is not exact
		return nil
	}
	return x.stream[h:]
}

// posting is a section holding a term, with the term's count in each field
// packed in tf: body and code 8 bits each, the other fields 4 bits each
// (counts saturate), in field order from the lowest bits, so the fields a
// term is in are found from its set bits in the order they are summed.
type posting struct {
	sec uint32
	tf  uint32
}

var fieldShift = [numFields]uint{fieldTitle: 0, fieldHeading: 4, fieldPath: 8, fieldBody: 12, fieldCode: 20, fieldSite: 28}

// fieldAt is the field a bit of posting.tf counts.
var fieldAt = func() (at [32]uint8) {
	for f := range numFields {
		for b := range 8 {
			if fieldMax(f)>>b&1 == 1 {
				at[fieldShift[f]+uint(b)] = uint8(f)
			}
		}
	}
	if headMask != 0xf<<fieldShift[fieldHeading] || fieldMax(fieldHeading) != 0xf {
		panic("docs: headMask is not the heading's place in a posting")
	}
	if bodyOnce != 1<<fieldShift[fieldBody] {
		panic("docs: bodyOnce does not match the body's place in a posting")
	}
	return at
}()

func fieldMax(f int) uint8 {
	if f == fieldBody || f == fieldCode {
		return 255
	}
	return 15
}

func newPosting(sec uint32, tf *[numFields]uint8) posting {
	p := posting{sec: sec}
	for f, n := range tf {
		p.tf |= uint32(min(n, fieldMax(f))) << fieldShift[f]
	}
	return p
}

// count is the term's count in field f.
func (p posting) count(f int) uint32 {
	return p.tf >> fieldShift[f] & uint32(fieldMax(f))
}

// Build reads every site and indexes its pages. Problems (unreadable files,
// bad mkdocs.yml) are returned with where they are; the sites and pages that
// could be read are indexed regardless.
func Build(ctx context.Context, sites []Site, opt BuildOptions) (*Index, []catalog.Problem) {
	var probs []catalog.Problem
	type job struct {
		site int
		page sourcePage
		root string // docs root in FS
	}
	type done struct {
		job
		prepared preparedPage
		size     int
		cut      int // bytes indexed of a page past maxPageBytes; 0 when whole
		err      error
	}
	var jobs []job
	docsDirs := make([]string, len(sites))
	for i := range sites {
		s := &sites[i]
		where := catalog.Position{File: path.Join(s.Source, "mkdocs.yml")}
		if s.FS == nil {
			probs = append(probs, catalog.Problem{Pos: where, Entity: s.Entity, Message: "docs site has no file system to read from"})
			continue
		}
		cfg, err := readConfig(s.FS, s.Dir)
		if err != nil {
			probs = append(probs, catalog.Problem{Pos: where, Entity: s.Entity, Message: err.Error()})
			continue
		}
		if s.Name == "" {
			s.Name = cfg.name
		}
		docsDirs[i] = cfg.docsDir
		root := path.Join(s.Dir, cfg.docsDir)
		pages, err := listPages(s.FS, root, cfg.nav)
		if err != nil {
			probs = append(probs, catalog.Problem{Pos: catalog.Position{File: path.Join(s.Source, cfg.docsDir)}, Entity: s.Entity,
				Message: fmt.Sprintf("reading the docs folder %s: %v", cfg.docsDir, err)})
			continue
		}
		for _, p := range pages {
			jobs = append(jobs, job{site: i, page: p, root: root})
		}
	}

	results := make([]done, len(jobs))
	var next atomic.Int64
	var wg sync.WaitGroup
	workers := min(runtime.GOMAXPROCS(0), max(len(jobs), 1))
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := &preparer{stems: map[string]string{}}
			for {
				i := int(next.Add(1) - 1)
				if i >= len(jobs) || ctx.Err() != nil {
					return
				}
				j := jobs[i]
				data, err := fs.ReadFile(sites[j.site].FS, path.Join(j.root, j.page.path))
				r := done{job: j, err: err, size: len(data)}
				if err == nil {
					if len(data) > maxPageBytes {
						data = data[:maxPageBytes]
						if nl := bytes.LastIndexByte(data, '\n'); nl > 0 {
							data = data[:nl+1]
						}
						r.cut = len(data)
					}
					text := string(data)
					if !utf8.ValidString(text) {
						text = strings.ToValidUTF8(text, "\uFFFD")
					}
					r.prepared = p.prepare(&sites[j.site], j.page, parseMarkdown(text))
				}
				results[i] = r
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, append(probs, catalog.Problem{Message: "building the docs index was stopped: " + err.Error()})
	}

	b := newBuilder(sites)
	for i := range results {
		r := &results[i]
		s := &sites[r.site]
		if r.err != nil {
			probs = append(probs, catalog.Problem{Pos: catalog.Position{File: path.Join(s.Source, docsDirs[r.site], r.page.path)},
				Entity: s.Entity, Message: "reading page: " + r.err.Error()})
			continue
		}
		if r.cut > 0 {
			probs = append(probs, catalog.Problem{Pos: catalog.Position{File: path.Join(s.Source, docsDirs[r.site], r.page.path)},
				Entity: s.Entity, Severity: catalog.Warning,
				Message: fmt.Sprintf("page is %s, more than the %s indexed of one page: only its first %s is searchable", sizeText(r.size), sizeText(maxPageBytes), sizeText(r.cut))})
		}
		b.addPage(r.site, r.page, r.prepared, r.size, docsDirs[r.site], opt)
		r.prepared = preparedPage{} // let it go as soon as it is indexed
	}
	return b.finish(), probs
}

// sizeText is n bytes for people: "718 KB", "2.0 MB".
func sizeText(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// preparedSection is a section with its words stemmed, ready to index.
type preparedSection struct {
	anchor, heading, body, code string
	words                       [numFields][]string
}

// preparedPage is a page parsed and stemmed (in a worker), ready to index.
type preparedPage struct {
	title    string
	sections []preparedSection
}

// preparer stems words for one worker, caching stems.
type preparer struct{ stems map[string]string }

func (p *preparer) norm(w string) string {
	if s, ok := p.stems[w]; ok {
		return s
	}
	s := normWord(w)
	if len(p.stems) < 1<<18 {
		p.stems[w] = s
	}
	return s
}

func (p *preparer) words(text string) []string {
	var out []string
	tokenize(text, func(t token) {
		if st := p.norm(t.word); st != "" {
			out = append(out, st)
		}
	})
	return out
}

// prepare works out a page's title and each section's heading path and words.
func (p *preparer) prepare(s *Site, sp sourcePage, pg parsedPage) preparedPage {
	title := pg.metaTitle
	if title == "" {
		title = pg.h1
	}
	if title == "" {
		title = sp.title
	}
	if title == "" {
		title = titleFromFile(sp.path)
	}
	siteText := s.Name
	if !s.Entity.IsZero() && !strings.EqualFold(s.Entity.Name, s.Name) {
		siteText += " " + s.Entity.Name
	}
	siteWords := p.words(siteText)
	titleWords := p.words(title)
	out := preparedPage{title: title, sections: make([]preparedSection, 0, len(pg.sections))}
	var stack []string // headings by level
	for i, sc := range pg.sections {
		var parents []string
		top := i == 0 && sc.level <= 1
		if sc.level > 0 {
			for len(stack) < sc.level {
				stack = append(stack, "")
			}
			stack = stack[:sc.level]
			stack[sc.level-1] = sc.heading
			for l, h := range stack[:sc.level-1] {
				if h != "" && !(l == 0 && h == title) {
					parents = append(parents, h)
				}
			}
		}
		display := strings.Join(parents, " > ")
		own := sc.heading
		if top || own == "" {
			own = title
		} else if display != "" {
			display += " > " + sc.heading
		} else {
			display = sc.heading
		}
		x := preparedSection{anchor: sc.anchor, heading: display, body: sc.body, code: sc.code}
		x.words[fieldTitle] = titleWords
		x.words[fieldHeading] = p.words(own)
		x.words[fieldPath] = p.words(strings.Join(parents, " "))
		x.words[fieldBody] = p.words(sc.body)
		x.words[fieldCode] = p.words(sc.code)
		x.words[fieldSite] = siteWords
		out.sections = append(out.sections, x)
	}
	return out
}

// builder accumulates prepared pages into an Index.
type builder struct {
	ix       *Index
	tf       [][numFields]uint8 // by term id, for the section being added
	touched  []uint32
	lenSum   [numFields]float64
	sitesArg []Site
}

func newBuilder(sites []Site) *builder {
	ix := &Index{terms: map[string]uint32{}}
	for _, s := range sites {
		ix.sites = append(ix.sites, siteInfo{name: s.Name, entity: s.Entity})
	}
	ix.stats.Sites = len(sites)
	return &builder{ix: ix, sitesArg: sites}
}

func (b *builder) termID(t string) uint32 {
	if id, ok := b.ix.terms[t]; ok {
		return id
	}
	id := uint32(len(b.ix.vocab))
	b.ix.terms[t] = id
	b.ix.vocab = append(b.ix.vocab, t)
	b.ix.postings = append(b.ix.postings, nil)
	b.tf = append(b.tf, [numFields]uint8{})
	return id
}

func (b *builder) addPage(site int, sp sourcePage, pp preparedPage, size int, docsDir string, opt BuildOptions) {
	ix := b.ix
	s := &b.sitesArg[site]
	pi := uint32(len(ix.pages))
	ix.pages = append(ix.pages, pageInfo{site: site, path: sp.path, title: pp.title, navPos: sp.navPos,
		url: pageURL(s, docsDir, sp.path, "", opt.BaseURL)})
	ix.stats.Pages++
	ix.stats.TextBytes += int64(size)
	for _, ps := range pp.sections {
		id := uint32(len(ix.secs))
		x := sec{page: pi, anchor: ps.anchor, heading: ps.heading, body: ps.body, code: ps.code}
		if ps.anchor != "" {
			x.url = ix.pages[pi].url + "#" + ps.anchor
		}
		x.stream = make([]uint32, 0, len(ps.words[fieldHeading])+len(ps.words[fieldBody]))
		for f := range numFields {
			for _, w := range ps.words[f] {
				tid := b.termID(w)
				c := &b.tf[tid]
				if *c == ([numFields]uint8{}) {
					b.touched = append(b.touched, tid)
				}
				if c[f] < 255 {
					c[f]++
				}
				if f == fieldHeading || f == fieldBody {
					x.stream = append(x.stream, tid)
				}
			}
			x.lens[f] = uint16(min(len(ps.words[f]), 65535))
			b.lenSum[f] += float64(x.lens[f])
		}
		for _, tid := range b.touched {
			ix.postings[tid] = append(ix.postings[tid], newPosting(id, &b.tf[tid]))
			b.tf[tid] = [numFields]uint8{}
		}
		b.touched = b.touched[:0]
		ix.secs = append(ix.secs, x)
	}
}

func (b *builder) finish() *Index {
	ix := b.ix
	n := float64(max(len(ix.secs), 1))
	for f := range numFields {
		ix.avgLen[f] = max(b.lenSum[f]/n, 1)
	}
	ix.norms = make([]secNorm, len(ix.secs))
	ix.bodyOnce = make([]float64, len(ix.secs))
	for i := range ix.secs {
		x := &ix.secs[i]
		nm := &ix.norms[i]
		for f := range numFields {
			nm.norm[f] = 1 - fieldB[f] + fieldB[f]*float64(x.lens[f])/ix.avgLen[f]
		}
		nm.sub = x.anchor != ""
		ix.bodyOnce[i] = fieldBM25(fieldBody, 1, nm)
	}
	// Postings were appended per section, in section order; sort each
	// list's tail capacity away.
	for t, ps := range ix.postings {
		ix.postings[t] = append([]posting(nil), ps...)
	}
	ix.sorted = make([]uint32, len(ix.vocab))
	for i := range ix.sorted {
		ix.sorted[i] = uint32(i)
	}
	sort.Slice(ix.sorted, func(i, j int) bool { return ix.vocab[ix.sorted[i]] < ix.vocab[ix.sorted[j]] })
	// The terms in that order, their bytes side by side: the typo walk and
	// prefix search read them in order.
	size := 0
	for _, t := range ix.vocab {
		size += len(t)
	}
	var all strings.Builder
	all.Grow(size)
	for _, id := range ix.sorted {
		all.WriteString(ix.vocab[id])
	}
	text := all.String()
	ix.sortedTerms = make([]string, len(ix.sorted))
	off := 0
	for i, id := range ix.sorted {
		n := len(ix.vocab[id])
		ix.sortedTerms[i] = text[off : off+n]
		off += n
	}
	ix.stats.Sections = len(ix.secs)
	ix.stats.Terms = len(ix.vocab)
	ix.stats.IndexBytes = ix.estimateBytes()
	ix.stats.Built = time.Now()
	ix.scratch.New = func() any { return newScratch(len(ix.secs), len(ix.vocab)) }
	return ix
}

// estimateBytes adds up what the index holds (strings, postings, streams,
// maps at their usual overhead).
func (ix *Index) estimateBytes() int64 {
	var n int64
	for _, p := range ix.pages {
		n += int64(len(p.path)+len(p.title)+len(p.url)) + 80
	}
	for _, s := range ix.secs {
		n += int64(len(s.anchor)+len(s.heading)+len(s.body)+len(s.code)+len(s.url)) + int64(4*cap(s.stream)) + 120 + 64
	}
	for t, ps := range ix.postings {
		n += int64(len(ix.vocab[t]))*3 + 16 + 24 + 48 + 16 + int64(cap(ps))*8 + 4
	}
	return n
}

// Stats describe the index.
func (ix *Index) Stats() Stats {
	if ix == nil {
		return Stats{}
	}
	return ix.stats
}

// Holder holds the Index in force and swaps it atomically, so searches never
// wait for a rebuild.
type Holder struct {
	cur atomic.Pointer[Index]
}

// NewHolder returns a Holder holding ix (which may be nil).
func NewHolder(ix *Index) *Holder {
	h := &Holder{}
	h.cur.Store(ix)
	return h
}

// Current returns the index in force, or nil before the first build.
func (h *Holder) Current() *Index { return h.cur.Load() }

// Swap installs ix.
func (h *Holder) Swap(ix *Index) { h.cur.Store(ix) }

// Rebuild builds an index of sites and swaps it in unless ctx was cancelled
// (the old index then stays).
func (h *Holder) Rebuild(ctx context.Context, sites []Site, opt BuildOptions) []catalog.Problem {
	ix, probs := Build(ctx, sites, opt)
	if ix != nil {
		h.Swap(ix)
	}
	return probs
}
