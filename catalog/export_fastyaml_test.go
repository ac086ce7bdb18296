package catalog

import (
	"unsafe"

	"gopkg.in/yaml.v3"

	"github.com/callboard/callboard/catalog/internal/fastyaml"
)

// FastParse exposes the YAML accelerator to the differential tests of package catalog_test.
var FastParse = fastyaml.Parse

// ReusedFastParser returns a parse function that reuses one parser's
// storage, as the loader does: each tree is valid until the next call.
func ReusedFastParser() func([]byte) (*yaml.Node, bool) {
	var p fastyaml.Parser
	return p.Parse
}

// PointsInto reports whether s's bytes lie inside b.
func PointsInto(s string, b []byte) bool {
	if s == "" || len(b) == 0 {
		return false
	}
	d := uintptr(unsafe.Pointer(unsafe.StringData(s)))
	lo := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	return d >= lo && d < lo+uintptr(len(b))
}
