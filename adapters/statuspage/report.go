package statuspage

import (
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Report is everything the status page shows. Every field is optional: a
// part the server does not have (no GitHub, no Redis) is left empty and the
// page says so.
type Report struct {
	// Generated is when the report was built; Replica the replica that built it.
	Generated time.Time `json:"generated"`
	Replica   string    `json:"replica,omitempty"`
	// Entities is the number of entities in the catalog this replica serves.
	Entities int `json:"entities"`
	// Sources are the catalog sources with their last refresh.
	Sources []Source `json:"sources"`
	// Problems are the catalog's load problems grouped by file (see
	// GroupProblems); ProblemCount counts them all.
	Problems     []FileProblems `json:"problems"`
	ProblemCount int            `json:"problem_count"`
	// Leader is the replica holding the ingest lock ("" when unknown) and
	// Replicas what each replica serves.
	Leader   string    `json:"leader,omitempty"`
	Replicas []Replica `json:"replicas"`
	// LeaderNote says why there is no leader, when there is none to have
	// (every replica reads its own local files).
	LeaderNote string `json:"leader_note,omitempty"`
	// Docs is the documentation index.
	Docs Docs `json:"docs"`
	// Jobs are the scaffold jobs by state, with the failed ones' errors.
	Jobs Jobs `json:"jobs"`
	// GitHub is the rate limit last seen (nil: GitHub is not used).
	GitHub *RateLimit `json:"github,omitempty"`
	// Redis is "ok", "unreachable: REASON" or "" (not configured).
	Redis string `json:"redis"`
}

// Source is one catalog source.
type Source struct {
	Name string `json:"name"`
	// LastRefresh is when it was last read; Duration how long that took
	// (0 when unknown).
	LastRefresh time.Time     `json:"last_refresh"`
	Duration    time.Duration `json:"duration_ns"`
	// OK is the outcome; Error says why it failed.
	OK       bool   `json:"ok"`
	Error    string `json:"error,omitempty"`
	Entities int    `json:"entities"`
	Problems int    `json:"problems"`
}

// FileProblems are the problems of one file.
type FileProblems struct {
	File string `json:"file"`
	// URL is the file on GitHub, when known.
	URL      string    `json:"url,omitempty"`
	Problems []Problem `json:"problems"`
}

// Problem is one load problem.
type Problem struct {
	Line     int    `json:"line,omitempty"`
	Col      int    `json:"col,omitempty"`
	Severity string `json:"severity"`
	Message  string `json:"message"`
	// URL is the line on GitHub, when known.
	URL string `json:"url,omitempty"`
}

// Where is "file:line" (or "file:line:col", or the file).
func (p Problem) Where(file string) string {
	switch {
	case p.Line > 0 && p.Col > 0:
		return file + ":" + strconv.Itoa(p.Line) + ":" + strconv.Itoa(p.Col)
	case p.Line > 0:
		return file + ":" + strconv.Itoa(p.Line)
	}
	return file
}

// Replica is what one replica last said about itself.
type Replica struct {
	ID string `json:"id"`
	// Version is the catalog snapshot version it serves.
	Version uint64 `json:"version"`
	// Entities in that snapshot.
	Entities int       `json:"entities"`
	Leader   bool      `json:"leader"`
	Seen     time.Time `json:"seen"`
	// Self marks the replica that answered this request.
	Self bool `json:"self"`
}

// Docs is the documentation index.
type Docs struct {
	Sites int       `json:"sites"`
	Pages int       `json:"pages"`
	Built time.Time `json:"built"`
}

// Jobs are scaffold jobs by state.
type Jobs struct {
	// ByState counts the jobs listed, by state.
	ByState map[string]int `json:"by_state"`
	// Failed are the failed jobs, newest first.
	Failed []FailedJob `json:"failed"`
	// Listed is how many recent jobs were counted; Error why they could not be.
	Listed int    `json:"listed"`
	Error  string `json:"error,omitempty"`
}

// FailedJob is a failed scaffold job.
type FailedJob struct {
	ID       string    `json:"id"`
	Template string    `json:"template"`
	Created  time.Time `json:"created"`
	Error    string    `json:"error"`
}

// RateLimit is GitHub's rate limit as last seen.
type RateLimit struct {
	Resource  string    `json:"resource"`
	Remaining int       `json:"remaining"`
	Limit     int       `json:"limit"`
	Reset     time.Time `json:"reset"`
}

// RawProblem is a problem as a catalog reports it, for GroupProblems.
type RawProblem struct {
	File     string
	Line     int
	Col      int
	Severity string
	Message  string
}

// GroupProblems groups problems by file, files in name order and problems
// in line order, linking each to GitHub where the file is known to be there:
// a file named "github.com/ORG/REPO/PATH" (or another GitHub host's, when
// listed in hosts) links to that path on the repository's default branch.
func GroupProblems(probs []RawProblem, hosts ...string) []FileProblems {
	by := map[string]*FileProblems{}
	var order []string
	for _, p := range probs {
		fp := by[p.File]
		if fp == nil {
			fp = &FileProblems{File: p.File, URL: gitHubURL(p.File, hosts)}
			by[p.File] = fp
			order = append(order, p.File)
		}
		pr := Problem{Line: p.Line, Col: p.Col, Severity: p.Severity, Message: p.Message}
		if fp.URL != "" && p.Line > 0 && strings.Contains(fp.URL, "/blob/") {
			pr.URL = fp.URL + "#L" + strconv.Itoa(p.Line)
		}
		fp.Problems = append(fp.Problems, pr)
	}
	sort.Strings(order)
	out := make([]FileProblems, 0, len(order))
	for _, f := range order {
		fp := by[f]
		sort.SliceStable(fp.Problems, func(i, j int) bool { return fp.Problems[i].Line < fp.Problems[j].Line })
		out = append(out, *fp)
	}
	return out
}

// gitHubURL is the web address of a file named "HOST/ORG/REPO/PATH" on a
// GitHub host, or "".
func gitHubURL(file string, hosts []string) string {
	parts := strings.SplitN(file, "/", 4)
	if len(parts) < 3 || parts[1] == "" || parts[2] == "" {
		return ""
	}
	known := parts[0] == "github.com"
	for _, h := range hosts {
		known = known || strings.EqualFold(parts[0], h)
	}
	if !known {
		return ""
	}
	base := "https://" + parts[0] + "/" + url.PathEscape(parts[1]) + "/" + url.PathEscape(parts[2])
	if len(parts) < 4 || parts[3] == "" {
		return base
	}
	segs := strings.Split(parts[3], "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return base + "/blob/HEAD/" + strings.Join(segs, "/")
}

// redacted returns a copy of r with every free text passed through f.
func (r Report) redacted(f func(string) string) Report {
	if f == nil {
		return r
	}
	out := r
	out.Replica, out.Leader, out.Redis, out.LeaderNote = f(r.Replica), f(r.Leader), f(r.Redis), f(r.LeaderNote)
	out.Sources = make([]Source, len(r.Sources))
	for i, s := range r.Sources {
		s.Name, s.Error = f(s.Name), f(s.Error)
		out.Sources[i] = s
	}
	out.Problems = make([]FileProblems, len(r.Problems))
	for i, fp := range r.Problems {
		c := FileProblems{File: f(fp.File), URL: f(fp.URL)}
		for _, p := range fp.Problems {
			p.Message, p.URL = f(p.Message), f(p.URL)
			c.Problems = append(c.Problems, p)
		}
		out.Problems[i] = c
	}
	out.Replicas = make([]Replica, len(r.Replicas))
	for i, rp := range r.Replicas {
		rp.ID = f(rp.ID)
		out.Replicas[i] = rp
	}
	out.Jobs.Error = f(r.Jobs.Error)
	out.Jobs.Failed = make([]FailedJob, len(r.Jobs.Failed))
	for i, j := range r.Jobs.Failed {
		j.Template, j.Error = f(j.Template), f(j.Error)
		out.Jobs.Failed[i] = j
	}
	return out
}
