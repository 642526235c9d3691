package exec

import (
	"strings"

	"github.com/basaltdb/basalt/coldata"
	"github.com/basaltdb/basalt/types"
)

// maxIDKeys is the most keys groupsByIDs handles.
const maxIDKeys = 4

// idKey is a row's group key of several keys as fixed-size ids: per key
// its kind and an int64, the value of an int, bool or timestamp, or a
// string's number in the worker's strIDs (null and undefined alike, as
// appendKey has them).
type idKey struct {
	kinds [maxIDKeys]types.Kind
	ids   [maxIDKeys]int64
}

// groupsByIDs is groupsOf for 2 to 4 keys of strings, ints, bools,
// timestamps or nulls (`GROUP BY date_trunc('hour', ts), country`): a
// row's keys become an idKey, whose group a map of fixed-size keys finds,
// where groupsOf encoded every row's key values and looked the bytes up
// (300 ns a row). A dictionary-coded column's strings are numbered once
// per entry. A row whose key is of another kind (a float: 1.0 and 1 are
// one group) goes the encoded way. False when the batch's columns do not
// suit.
func (w *aggWorker) groupsByIDs(b *coldata.Batch, rows []int) ([]*group, bool, error) {
	keys := w.direct.keyVecs
	if len(keys) < 2 || len(keys) > maxIDKeys {
		return nil, false, nil
	}
	var kinds [maxIDKeys]types.Kind
	for j, vi := range keys {
		if vi < 0 {
			continue
		}
		kind, uniform := b.Vecs[vi].Uniform()
		if !uniform || !idKind(kind) {
			return nil, false, nil
		}
		kinds[j] = kind
	}
	if w.idGroups == nil {
		w.idGroups, w.strIDs = map[idKey]*group{}, map[string]int64{}
	}
	// A dictionary's entries are numbered once for the batch.
	for j, vi := range keys {
		w.codeIDs[j] = w.codeIDs[j][:0]
		if vi < 0 || kinds[j] != types.KindString || b.Vecs[vi].Dict == nil {
			continue
		}
		for _, s := range b.Vecs[vi].Dict {
			id, err := w.strID(s)
			if err != nil {
				return nil, true, err
			}
			w.codeIDs[j] = append(w.codeIDs[j], id)
		}
	}
	// A date_trunc (or the like) of a column is worked out from its
	// vector, when it holds timestamps; the row is filled only for other
	// expression keys, or for a group's first row.
	d := w.direct
	fill := false
	var truncs [maxIDKeys]func(int64) (int64, error)
	for j, vi := range keys {
		if vi >= 0 {
			continue
		}
		if tv := d.keyTruncVecs[j]; tv >= 0 && vecKind(&b.Vecs[tv]) == types.KindTimestamp {
			truncs[j] = d.keyTruncs[j]
			continue
		}
		fill = true
	}
	gs := w.gs[:0]
rowsLoop:
	for _, i := range rows {
		if fill {
			w.scan.fill(b, i, w.row)
		}
		var k idKey
		for j, vi := range keys {
			if truncs[j] != nil {
				start, err := truncs[j](b.Vecs[d.keyTruncVecs[j]].I64[i])
				if err != nil {
					return nil, true, err
				}
				k.kinds[j], k.ids[j] = types.KindTimestamp, start
				continue
			}
			if vi >= 0 {
				vec := &b.Vecs[vi]
				k.kinds[j] = idOf(kinds[j])
				switch {
				case kinds[j] == types.KindString && vec.Dict != nil:
					k.ids[j] = w.codeIDs[j][vec.Codes[i]]
				case kinds[j] == types.KindString:
					id, err := w.strID(vec.Str[i])
					if err != nil {
						return nil, true, err
					}
					k.ids[j] = id
				case kinds[j] != types.KindNull && kinds[j] != types.KindUndefined:
					k.ids[j] = vec.I64[i]
				}
				continue
			}
			v, err := w.table.keys[j](w.row)
			if err != nil {
				return nil, true, err
			}
			kind := v.Kind()
			if !idKind(kind) {
				// Another kind: the encoded key, uncached.
				if !fill && d.keyExprs {
					w.scan.fill(b, i, w.row)
				}
				g, err := w.lookup(b, i)
				if err != nil {
					return nil, true, err
				}
				gs = append(gs, g)
				continue rowsLoop
			}
			k.kinds[j] = idOf(kind)
			switch kind {
			case types.KindString:
				id, err := w.strID(v.Str())
				if err != nil {
					return nil, true, err
				}
				k.ids[j] = id
			case types.KindInt, types.KindBool, types.KindTimestamp:
				k.ids[j] = int64(v.Bits())
			}
		}
		g := w.idGroups[k]
		if g == nil {
			if !fill && d.keyExprs {
				w.scan.fill(b, i, w.row)
			}
			var err error
			if g, err = w.lookup(b, i); err != nil {
				return nil, true, err
			}
			w.idGroups[k] = g
			if err := w.table.mem.grow(idKeyBytes); err != nil {
				return nil, true, err
			}
		}
		gs = append(gs, g)
	}
	w.gs = gs
	return gs, true, nil
}

// idKind reports whether groupsByIDs keys values of kind by id.
func idKind(k types.Kind) bool {
	switch k {
	case types.KindString, types.KindInt, types.KindBool, types.KindTimestamp, types.KindNull, types.KindUndefined:
		return true
	}
	return false
}

// idOf is the kind an idKey records: undefined is null, as in appendKey.
func idOf(k types.Kind) types.Kind {
	if k == types.KindUndefined {
		return types.KindNull
	}
	return k
}

// idKeyBytes is what an entry of idGroups or strIDs is charged, besides a
// string's bytes.
const idKeyBytes = 64

// strID numbers s in the worker's strings, charging the memory budget for
// a new one.
func (w *aggWorker) strID(s string) (int64, error) {
	if id, ok := w.strIDs[s]; ok {
		return id, nil
	}
	id := int64(len(w.strIDs))
	w.strIDs[strings.Clone(s)] = id
	return id, w.table.mem.grow(int64(len(s)) + idKeyBytes)
}
