package rota

import (
	"context"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/callboard/callboard/bot"
)

// File is a schedule file.
type File struct {
	// Example marks the whole file as made-up data; answers say so.
	Example bool `yaml:"example"`
	// Source names the file's rotas in answers (default "rota").
	Source string     `yaml:"source"`
	Rotas  []Rotation `yaml:"rotas"`
}

// Rotation is one schedule: People take turns of Shift each, starting at Start.
type Rotation struct {
	Schedule string `yaml:"schedule"`
	// Match is the paging annotations (key: value) this rotation answers for:
	// {pagerduty.com/service-id: PLDG4RM} or {opsgenie.com/team: risk}.
	Match map[string]string `yaml:"match"`
	// Level is the escalation level (default 1).
	Level  int           `yaml:"level"`
	Start  time.Time     `yaml:"start"`
	Shift  time.Duration `yaml:"shift"`
	People []Person      `yaml:"people"`
}

// Person is one member of a rotation.
type Person struct {
	Name  string `yaml:"name"`
	Email string `yaml:"email"`
}

// Rota answers from a File.
type Rota struct {
	f   File
	now func() time.Time
}

// Load reads and checks a schedule file from fsys.
func Load(fsys fs.FS, name string) (*Rota, error) {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, fmt.Errorf("read rota file: %w", err)
	}
	return Parse(b, name)
}

// Parse reads and checks a schedule file's content; name is for errors.
func Parse(b []byte, name string) (*Rota, error) {
	var f File
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("rota file %s: %w", name, err)
	}
	for i, r := range f.Rotas {
		where := fmt.Sprintf("rota file %s: rotas[%d]", name, i)
		switch {
		case len(r.Match) == 0:
			return nil, fmt.Errorf("%s: match is empty: name the paging annotation it answers for", where)
		case r.Shift <= 0:
			return nil, fmt.Errorf("%s: shift must be a positive duration such as 168h", where)
		case len(r.People) == 0:
			return nil, fmt.Errorf("%s: people is empty", where)
		case r.Start.IsZero():
			return nil, fmt.Errorf("%s: start is missing (an RFC 3339 time when the first shift began)", where)
		}
		for j, p := range r.People {
			if p.Email == "" {
				return nil, fmt.Errorf("%s.people[%d]: email is missing", where, j)
			}
		}
		if r.Level <= 0 {
			f.Rotas[i].Level = 1
		}
	}
	if f.Source == "" {
		f.Source = "rota"
	}
	return &Rota{f: f, now: time.Now}, nil
}

// WithClock returns a copy of r that tells the time by now (tests).
func (r *Rota) WithClock(now func() time.Time) *Rota {
	cp := *r
	cp.now = now
	return &cp
}

// OnCallNow implements bot.OnCall.
func (r *Rota) OnCallNow(ctx context.Context, annotations map[string]string) (*bot.Rota, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	now := r.now()
	var out *bot.Rota
	for _, rot := range r.f.Rotas {
		if !matches(rot.Match, annotations) {
			continue
		}
		if out == nil {
			out = &bot.Rota{Source: r.f.Source, Target: targetOf(rot.Match), Example: r.f.Example}
		}
		n := int64(now.Sub(rot.Start) / rot.Shift)
		if now.Before(rot.Start) {
			n = -1 + int64(now.Sub(rot.Start)/rot.Shift)
		}
		idx := func(k int64) Person {
			m := int64(len(rot.People))
			return rot.People[((k%m)+m)%m]
		}
		start := rot.Start.Add(time.Duration(n) * rot.Shift)
		cur, next := idx(n), idx(n+1)
		out.Shifts = append(out.Shifts, bot.Shift{Level: rot.Level, Name: cur.Name, Email: cur.Email, Schedule: rot.Schedule, Start: start, End: start.Add(rot.Shift)})
		if rot.Level == 1 && len(rot.People) > 1 {
			out.Shifts = append(out.Shifts, bot.Shift{Level: rot.Level, Name: next.Name, Email: next.Email, Schedule: rot.Schedule, Start: start.Add(rot.Shift), End: start.Add(2 * rot.Shift), Next: true})
		}
	}
	if out != nil {
		sortShifts(out.Shifts)
	}
	return out, nil
}

// matches reports whether every key of match has its value in annotations.
func matches(match, annotations map[string]string) bool {
	for k, v := range match {
		if !strings.EqualFold(strings.TrimSpace(annotations[k]), strings.TrimSpace(v)) {
			return false
		}
	}
	return true
}

func targetOf(m map[string]string) string {
	for _, k := range bot.PagingAnnotations {
		if v := m[k]; v != "" {
			switch k {
			case "pagerduty.com/service-id":
				return "for PagerDuty service " + v
			case "opsgenie.com/team":
				return "for Opsgenie team " + v
			}
			return "for " + k + " " + v
		}
	}
	return ""
}

// sortShifts orders current shifts by level, then the next shifts.
func sortShifts(s []bot.Shift) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && less(s[j], s[j-1]); j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func less(a, b bot.Shift) bool {
	if a.Next != b.Next {
		return !a.Next
	}
	return a.Level < b.Level
}
