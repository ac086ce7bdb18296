package catalogtest

import (
	"bytes"
	"sort"
	"strconv"

	"github.com/callboard/callboard/catalog"
)

// writeEntity renders e as one YAML document, keys in a stable order.
func writeEntity(b *bytes.Buffer, e *catalog.Entity) {
	b.WriteString("apiVersion: " + e.APIVersion + "\nkind: " + e.Kind + "\nmetadata:\n")
	m := e.Metadata
	b.WriteString("  name: " + m.Name + "\n")
	if m.Namespace != "" && m.Namespace != catalog.DefaultNamespace {
		b.WriteString("  namespace: " + m.Namespace + "\n")
	}
	if m.Title != "" {
		b.WriteString("  title: " + strconv.Quote(m.Title) + "\n")
	}
	if m.Description != "" {
		b.WriteString("  description: " + strconv.Quote(m.Description) + "\n")
	}
	writeStringMap(b, "labels", m.Labels)
	writeStringMap(b, "annotations", m.Annotations)
	if len(m.Tags) > 0 {
		b.WriteString("  tags:\n")
		for _, t := range m.Tags {
			b.WriteString("    - " + t + "\n")
		}
	}
	if len(m.Links) > 0 {
		b.WriteString("  links:\n")
		for _, l := range m.Links {
			b.WriteString("    - url: " + l.URL + "\n")
			if l.Title != "" {
				b.WriteString("      title: " + strconv.Quote(l.Title) + "\n")
			}
			if l.Icon != "" {
				b.WriteString("      icon: " + l.Icon + "\n")
			}
			if l.Type != "" {
				b.WriteString("      type: " + l.Type + "\n")
			}
		}
	}
	if e.Spec != nil {
		b.WriteString("spec:\n")
		writeMap(b, e.Spec, "  ")
	}
}

func writeStringMap(b *bytes.Buffer, key string, m map[string]string) {
	if len(m) == 0 {
		return
	}
	b.WriteString("  " + key + ":\n")
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		b.WriteString("    " + k + ": " + strconv.Quote(m[k]) + "\n")
	}
}

func writeMap(b *bytes.Buffer, m map[string]any, indent string) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		b.WriteString(indent + k + ":")
		writeValue(b, m[k], indent)
	}
}

func writeValue(b *bytes.Buffer, v any, indent string) {
	switch v := v.(type) {
	case string:
		b.WriteString(" " + strconv.Quote(v) + "\n")
	case []any:
		if len(v) == 0 {
			b.WriteString(" []\n")
			return
		}
		b.WriteString("\n")
		for _, x := range v {
			b.WriteString(indent + "  -")
			writeValue(b, x, indent+"    ")
		}
	case map[string]any:
		b.WriteString("\n")
		writeMap(b, v, indent+"  ")
	default:
		b.WriteString(" null\n")
	}
}
