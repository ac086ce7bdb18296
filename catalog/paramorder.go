package catalog

import (
	"gopkg.in/yaml.v3"
)

// A decoded map has no key order, but a Software Template's form shows its
// parameters in the order the template writes them (Backstage's form
// does). ParamOrder keeps that order beside the decoded spec.

// paramOrder lists, for each page of a Template's spec.parameters (a map
// or a list of maps), the names of its properties in the order written:
// the page's own properties, then those of its dependencies and
// oneOf/anyOf/allOf branches, each name once.
func paramOrder(root *yaml.Node) [][]string {
	params := mapValue(mapValue(deref(root), "spec"), "parameters")
	if params == nil {
		return nil
	}
	var pages []*yaml.Node
	switch params.Kind {
	case yaml.MappingNode:
		pages = []*yaml.Node{params}
	case yaml.SequenceNode:
		for _, p := range params.Content {
			pages = append(pages, deref(p))
		}
	}
	var out [][]string
	for _, pg := range pages {
		names := []string{}
		seen := map[string]bool{}
		propertyNames(pg, seen, &names, 0)
		out = append(out, names)
	}
	return out
}

func propertyNames(s *yaml.Node, seen map[string]bool, names *[]string, depth int) {
	if s == nil || s.Kind != yaml.MappingNode || depth > 20 {
		return
	}
	for i := 0; i+1 < len(s.Content); i += 2 {
		k, v := deref(s.Content[i]), deref(s.Content[i+1])
		if k == nil || v == nil {
			continue
		}
		switch k.Value {
		case "properties":
			if v.Kind != yaml.MappingNode {
				continue
			}
			for j := 0; j+1 < len(v.Content); j += 2 {
				if n := deref(v.Content[j]); n != nil && !seen[n.Value] {
					seen[n.Value] = true
					*names = append(*names, n.Value)
				}
			}
		case "dependencies":
			if v.Kind != yaml.MappingNode {
				continue
			}
			for j := 1; j < len(v.Content); j += 2 {
				propertyNames(deref(v.Content[j]), seen, names, depth+1)
			}
		case "oneOf", "anyOf", "allOf":
			if v.Kind != yaml.SequenceNode {
				continue
			}
			for _, b := range v.Content {
				propertyNames(deref(b), seen, names, depth+1)
			}
		}
	}
}

// mapValue is the value of key in mapping n, nil when absent.
func mapValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := deref(n.Content[i]); k != nil && k.Value == key {
			return deref(n.Content[i+1])
		}
	}
	return nil
}

// TemplateParamOrder is ParamOrder read from a Template entity written as
// JSON or YAML (a Backstage instance's catalog API answers JSON, which
// decodes to maps as well); nil when the text cannot be read.
func TemplateParamOrder(raw []byte) [][]string {
	var root yaml.Node
	if err := yaml.Unmarshal(raw, &root); err != nil || len(root.Content) == 0 {
		return nil
	}
	return paramOrder(root.Content[0])
}
