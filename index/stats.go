package index

import (
	"slices"
	"strings"

	"github.com/basaltdb/basalt/types"
)

// BlockRows is the number of rows per block of a column: the unit of zone
// maps, of encoding in sealed segments and of skipping in scans. 8,192 rows
// keeps a block of a typical column within a few tens of KiB.
const BlockRows = 8192

// FieldStats counts the values of one column path by kind. It is what schema
// inference reports, summed over segments.
type FieldStats struct {
	Path   string
	Counts [types.NumKinds]uint64
}

// Total returns the number of rows where the field is present (any kind but
// undefined).
func (f FieldStats) Total() uint64 {
	var n uint64
	for k, c := range f.Counts {
		if types.Kind(k) != types.KindUndefined {
			n += c
		}
	}
	return n
}

// SortFields orders field statistics by path.
func SortFields(fs []FieldStats) {
	slices.SortFunc(fs, func(a, b FieldStats) int { return strings.Compare(a.Path, b.Path) })
}
