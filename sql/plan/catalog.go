package plan

import (
	"github.com/basaltdb/basalt/index"
	"github.com/basaltdb/basalt/types"
)

// Catalog resolves collection names for the binder.
type Catalog interface {
	// Table returns the collection ws.name; ws is "" for the default
	// workspace. A missing collection is an error with SQLSTATE 42P01.
	Table(ws, name string) (Table, error)
}

// Table is a collection as the binder and optimizer see it.
type Table interface {
	Workspace() string
	Name() string
	// Paths returns the column paths of the collection (flattened leaf
	// paths such as `device.os`), sorted.
	Paths() []string
	// PathChildren reports whether path is a column path of the
	// collection, and returns, sorted, the column paths below it
	// (path + ".…"): Paths narrowed to one path, which a plan depends on
	// alone when it references the path (a plan cache need not list every
	// path to check it).
	PathChildren(path string) (exists bool, below []string)
	// RowCount estimates the number of live documents.
	RowCount() int64
	// PathKinds returns the kinds documents may hold at a leaf path (a
	// superset; null and undefined included when present), none for a path
	// no document has. The binder types string literals by it.
	PathKinds(path string) Kinds
}

// IndexCounter is a Table that can count the rows an equality (or IN)
// index predicate selects, for the optimizer's estimates.
type IndexCounter interface {
	CountIndex(path string, p index.Predicate) (int64, bool)
}

// Kinds is a set of value kinds.
type Kinds uint16

// KindsOf returns the set of ks.
func KindsOf(ks ...types.Kind) Kinds {
	var s Kinds
	for _, k := range ks {
		s |= 1 << k
	}
	return s
}

// Has reports whether k is in the set.
func (s Kinds) Has(k types.Kind) bool { return s&(1<<k) != 0 }

// Only returns the one kind of the set besides null and undefined, and
// whether there is exactly one.
func (s Kinds) Only() (types.Kind, bool) {
	s &^= KindsOf(types.KindNull, types.KindUndefined)
	if s == 0 || s&(s-1) != 0 {
		return 0, false
	}
	for k := types.Kind(0); k < types.NumKinds; k++ {
		if s.Has(k) {
			return k, true
		}
	}
	return 0, false
}
