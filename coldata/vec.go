package coldata

import (
	"math"

	"github.com/basaltdb/basalt/types"
)

// BatchSize is the number of rows a scan returns at a time.
const BatchSize = 1024

// Vec is a column of values of dynamic type. Payloads are stored by row in
// parallel slices: I64 for ints, bools (0/1) and timestamps (microseconds),
// F64 for floats, Str for strings, Any for arrays, objects and intervals. Only the slice
// of a row's kind is meaningful for that row.
//
// Ownership: strings and arrays may alias buffers of the segment that filled
// the Vec; they are valid until the Vec is refilled or reset.
type Vec struct {
	n     int
	kind  types.Kind   // the kind of every row when kinds is nil
	kinds []types.Kind // per-row kinds when mixed

	I64 []int64
	F64 []float64
	Str []string
	Any []types.Value
	// Dict and Codes, when set, say that the Vec holds only strings taken
	// from a dictionary: Str[i] == Dict[Codes[i]] for every row. Operators
	// may then work once per entry instead of once per row. Decoders set
	// them; anything that changes Str must clear them (Reset does).
	Dict  []string
	Codes []uint32

	spare []types.Kind // the kinds buffer kept across Reset
}

// Len returns the number of rows.
func (v *Vec) Len() int { return v.n }

// Uniform reports whether every row has the same kind, and which.
func (v *Vec) Uniform() (types.Kind, bool) {
	if v.kinds == nil {
		return v.kind, true
	}
	return 0, false
}

// Kind returns the kind of row i.
func (v *Vec) Kind(i int) types.Kind {
	if v.kinds == nil {
		return v.kind
	}
	return v.kinds[i]
}

// Kinds returns the per-row kinds, materializing them for a uniform Vec.
func (v *Vec) Kinds() []types.Kind {
	if v.kinds == nil {
		ks := make([]types.Kind, v.n)
		for i := range ks {
			ks[i] = v.kind
		}
		return ks
	}
	return v.kinds[:v.n]
}

// Value returns row i as a Value.
func (v *Vec) Value(i int) types.Value {
	switch v.Kind(i) {
	case types.KindNull:
		return types.Null
	case types.KindBool:
		return types.Bool(v.I64[i] != 0)
	case types.KindInt:
		return types.Int(v.I64[i])
	case types.KindFloat:
		return types.Float(v.F64[i])
	case types.KindString:
		return types.String(v.Str[i])
	case types.KindTimestamp:
		return types.Timestamp(v.I64[i])
	case types.KindArray, types.KindObject, types.KindInterval:
		return v.Any[i]
	}
	return types.Undefined
}

// Reset empties the Vec, keeping its memory.
func (v *Vec) Reset() {
	v.n = 0
	v.kind = types.KindUndefined
	if v.kinds != nil {
		v.spare = v.kinds[:0]
	}
	v.kinds = nil
	v.I64 = v.I64[:0]
	v.F64 = v.F64[:0]
	v.Str = v.Str[:0]
	v.Any = v.Any[:0]
	v.Dict, v.Codes = nil, nil
}

// ResetUniform makes the Vec n rows of one kind with payload slices sized
// for it, for decoders that fill the payload directly.
func (v *Vec) ResetUniform(kind types.Kind, n int) {
	v.Reset()
	v.n = n
	v.kind = kind
	v.grow(kind, n)
}

// ResetMixed makes the Vec n rows whose kinds are copied from kinds, with
// every payload slice a row's kind needs sized to n.
func (v *Vec) ResetMixed(kinds []types.Kind) {
	v.Reset()
	n := len(kinds)
	v.n = n
	var seen [types.NumKinds]bool
	for _, k := range kinds {
		seen[k] = true
	}
	v.kinds = append(v.kindsBuf(n), kinds...)
	for k, ok := range seen {
		if ok {
			v.grow(types.Kind(k), n)
		}
	}
}

func (v *Vec) kindsBuf(n int) []types.Kind {
	if cap(v.spare) >= n {
		return v.spare[:0]
	}
	return make([]types.Kind, 0, n)
}

func (v *Vec) grow(kind types.Kind, n int) {
	switch kind {
	case types.KindBool, types.KindInt, types.KindTimestamp:
		v.I64 = resize(v.I64, n)
	case types.KindFloat:
		v.F64 = resize(v.F64, n)
	case types.KindString:
		v.Str = resize(v.Str, n)
	case types.KindArray, types.KindObject, types.KindInterval:
		v.Any = resize(v.Any, n)
	}
}

// resize returns s with length n, keeping its contents when it must grow.
func resize[T any](s []T, n int) []T {
	if cap(s) >= n {
		return s[:n]
	}
	out := make([]T, n, max(n, 2*cap(s)))
	copy(out, s)
	return out
}

// Append adds a row holding val, switching to a mixed representation when its
// kind differs from the rows before it.
func (v *Vec) Append(val types.Value) {
	v.Dict, v.Codes = nil, nil
	k := val.Kind()
	i := v.n
	if v.kinds == nil && i > 0 && k != v.kind {
		v.kinds = make([]types.Kind, i, max(2*i, 16))
		for j := range v.kinds {
			v.kinds[j] = v.kind
		}
	}
	if i == 0 {
		v.kind = k
	}
	if v.kinds != nil {
		v.kinds = append(v.kinds, k)
	}
	v.n++
	switch k {
	case types.KindBool:
		v.I64 = resize(v.I64, v.n)
		v.I64[i] = 0
		if val.Bool() {
			v.I64[i] = 1
		}
	case types.KindInt, types.KindTimestamp:
		v.I64 = resize(v.I64, v.n)
		v.I64[i] = val.Int()
	case types.KindFloat:
		v.F64 = resize(v.F64, v.n)
		v.F64[i] = math.Float64frombits(val.Bits())
	case types.KindString:
		v.Str = resize(v.Str, v.n)
		v.Str[i] = val.Str()
	case types.KindArray, types.KindObject, types.KindInterval:
		v.Any = resize(v.Any, v.n)
		v.Any[i] = val
	}
}

// AppendUndefined adds n undefined rows. Undefined rows carry no payload, so
// this only extends the kinds (or the length of an all-undefined Vec).
func (v *Vec) AppendUndefined(n int) {
	if n <= 0 {
		return
	}
	if v.n == 0 {
		v.kind = types.KindUndefined
	}
	if v.kinds == nil {
		if v.kind == types.KindUndefined {
			v.n += n
			return
		}
		v.kinds = make([]types.Kind, v.n, max(2*(v.n+n), 16))
		for j := range v.kinds {
			v.kinds[j] = v.kind
		}
	}
	for range n {
		v.kinds = append(v.kinds, types.KindUndefined)
	}
	v.n += n
}
