package fn

import (
	"math"
	"strings"

	"github.com/basaltdb/basalt/types"
)

// Arrays are 1-based in SQL, as in PostgreSQL. Functions that search an
// array (array_position, array_remove) use IS NOT DISTINCT FROM: NULL finds
// NULL, and undefined elements count as NULL.

func arrayFuncs() []*Func {
	join := &Func{Name: "array_to_string", MinArgs: 2, MaxArgs: 3, Eval: evalArrayJoin}
	return []*Func{
		{Name: "array_slice", MinArgs: 3, MaxArgs: 3, NullIn: true, Eval: evalArraySlice},
		{Name: "array_contains", MinArgs: 2, MaxArgs: 2, NullIn: true, Eval: func(_ *Ctx, a []types.Value) (types.Value, error) {
			if a[0].Kind() != types.KindArray {
				return types.Value{}, errNoFunction("array_contains", a)
			}
			return types.Bool(AnyCompare("=", a[1], a[0]).Bool()), nil
		}},
		{Name: "cardinality", MinArgs: 1, MaxArgs: 1, NullIn: true, Eval: func(_ *Ctx, a []types.Value) (types.Value, error) {
			if a[0].Kind() != types.KindArray {
				return types.Value{}, errNoFunction("cardinality", a)
			}
			return types.Int(int64(a[0].Len())), nil
		}},
		{Name: "array_length", MinArgs: 1, MaxArgs: 2, NullIn: true, Eval: func(_ *Ctx, a []types.Value) (types.Value, error) {
			if a[0].Kind() != types.KindArray || (len(a) == 2 && a[1].Kind() != types.KindInt) {
				return types.Value{}, errNoFunction("array_length", a)
			}
			// Nested arrays are not dimensions: only dimension 1 exists, and
			// an empty array has none, so PostgreSQL answers NULL.
			if a[0].Len() == 0 || (len(a) == 2 && a[1].Int() != 1) {
				return types.Null, nil
			}
			return types.Int(int64(a[0].Len())), nil
		}},
		{Name: "array_position", MinArgs: 2, MaxArgs: 3, Eval: evalArrayPosition},
		{Name: "array_append", MinArgs: 2, MaxArgs: 2, Eval: func(_ *Ctx, a []types.Value) (types.Value, error) {
			if !isNull(a[0]) && a[0].Kind() != types.KindArray {
				return types.Value{}, errNoFunction("array_append", a)
			}
			return types.Array(append(append(make([]types.Value, 0, a[0].Len()+1), a[0].Elems()...), nullOf(a[1]))), nil
		}},
		{Name: "array_prepend", MinArgs: 2, MaxArgs: 2, Eval: func(_ *Ctx, a []types.Value) (types.Value, error) {
			if !isNull(a[1]) && a[1].Kind() != types.KindArray {
				return types.Value{}, errNoFunction("array_prepend", a)
			}
			return types.Array(append(append(make([]types.Value, 0, a[1].Len()+1), nullOf(a[0])), a[1].Elems()...)), nil
		}},
		{Name: "array_cat", MinArgs: 2, MaxArgs: 2, Eval: func(_ *Ctx, a []types.Value) (types.Value, error) {
			for _, v := range a {
				if !isNull(v) && v.Kind() != types.KindArray {
					return types.Value{}, errNoFunction("array_cat", a)
				}
			}
			switch {
			case isNull(a[0]) && isNull(a[1]):
				return types.Null, nil
			case isNull(a[0]):
				return a[1], nil
			case isNull(a[1]):
				return a[0], nil
			}
			return Concat(a[0], a[1]), nil
		}},
		{Name: "array_remove", MinArgs: 2, MaxArgs: 2, Eval: func(_ *Ctx, a []types.Value) (types.Value, error) {
			if isNull(a[0]) {
				return types.Null, nil
			}
			if a[0].Kind() != types.KindArray {
				return types.Value{}, errNoFunction("array_remove", a)
			}
			out := make([]types.Value, 0, a[0].Len())
			for _, e := range a[0].Elems() {
				if !notDistinct(e, a[1]) {
					out = append(out, e)
				}
			}
			return types.Array(out), nil
		}},
		{Name: "array_distinct", MinArgs: 1, MaxArgs: 1, NullIn: true, Eval: evalArrayDistinct},
		join,
		alias("array_join", join),
		{Name: "element_at", MinArgs: 2, MaxArgs: 2, NullIn: true, Eval: func(_ *Ctx, a []types.Value) (types.Value, error) {
			if a[0].Kind() != types.KindArray || a[1].Kind() != types.KindInt {
				return types.Value{}, errNoFunction("element_at", a)
			}
			i, n := a[1].Int(), int64(a[0].Len())
			if i < 0 {
				i += n + 1
			}
			if i < 1 || i > n {
				return types.Null, nil
			}
			return a[0].Elems()[i-1], nil
		}},
	}
}

// nullOf maps undefined to NULL, so that arrays built by functions hold no
// undefined elements.
func nullOf(v types.Value) types.Value {
	if v.IsUndefined() {
		return types.Null
	}
	return v
}

// notDistinct is IS NOT DISTINCT FROM: NULLs are equal to each other.
func notDistinct(a, b types.Value) bool {
	if isNull(a) || isNull(b) {
		return isNull(a) && isNull(b)
	}
	return Compare("=", a, b).Bool()
}

// evalArrayPosition is ARRAY_POSITION(arr, v[, start]): the 1-based index
// of the first element not distinct from v at or after start, else NULL.
func evalArrayPosition(_ *Ctx, a []types.Value) (types.Value, error) {
	if isNull(a[0]) || (len(a) == 3 && isNull(a[2])) {
		return types.Null, nil
	}
	if a[0].Kind() != types.KindArray || (len(a) == 3 && a[2].Kind() != types.KindInt) {
		return types.Value{}, errNoFunction("array_position", a)
	}
	start := int64(1)
	if len(a) == 3 {
		start = max(a[2].Int(), 1)
	}
	elems := a[0].Elems()
	for i := start - 1; i < int64(len(elems)); i++ {
		if notDistinct(elems[i], a[1]) {
			return types.Int(i + 1), nil
		}
	}
	return types.Null, nil
}

// evalArrayDistinct removes repeated elements, keeping the first of each
// (Rockset's ARRAY_DISTINCT). Equality is that of =, plus NULL equal to NULL.
func evalArrayDistinct(_ *Ctx, a []types.Value) (types.Value, error) {
	if a[0].Kind() != types.KindArray {
		return types.Value{}, errNoFunction("array_distinct", a)
	}
	elems := a[0].Elems()
	out := make([]types.Value, 0, len(elems))
	seen := make(map[any]bool, len(elems))
	for _, e := range elems {
		e = nullOf(e)
		if key, ok := scalarKey(e); ok {
			if !seen[key] {
				seen[key] = true
				out = append(out, e)
			}
			continue
		}
		dup := false
		for _, o := range out {
			if notDistinct(o, e) {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, e)
		}
	}
	return types.Array(out), nil
}

type kindKey struct {
	k types.Kind
	n uint64
	s string
}

// scalarKey returns a map key under which scalars equal by = collide; ok is
// false for arrays and objects, which are compared pairwise.
func scalarKey(v types.Value) (any, bool) {
	switch v.Kind() {
	case types.KindArray, types.KindObject:
		return nil, false
	case types.KindFloat:
		f := v.Float()
		if f == math.Trunc(f) && f >= -9223372036854775808.0 && f < 9223372036854775808.0 {
			return kindKey{k: types.KindInt, n: uint64(int64(f))}, true
		}
		if math.IsNaN(f) {
			return kindKey{k: types.KindFloat, n: math.Float64bits(math.NaN())}, true
		}
		return kindKey{k: types.KindFloat, n: math.Float64bits(f)}, true
	case types.KindString:
		return kindKey{k: types.KindString, s: v.Str()}, true
	}
	return kindKey{k: v.Kind(), n: v.Bits()}, true
}

// evalArrayJoin is ARRAY_TO_STRING(arr, sep[, null_text]): the text of the
// elements joined by sep, NULL elements skipped unless null_text is given.
func evalArrayJoin(_ *Ctx, a []types.Value) (types.Value, error) {
	if isNull(a[0]) || isNull(a[1]) {
		return types.Null, nil
	}
	if a[0].Kind() != types.KindArray || a[1].Kind() != types.KindString {
		return types.Value{}, errNoFunction("array_to_string", a)
	}
	nullText, useNull := "", len(a) == 3 && !isNull(a[2])
	if useNull {
		nullText = textOut(a[2])
	}
	var b strings.Builder
	first := true
	for _, e := range a[0].Elems() {
		var s string
		if isNull(e) {
			if !useNull {
				continue
			}
			s = nullText
		} else {
			s = textOut(e)
		}
		if !first {
			b.WriteString(a[1].Str())
		}
		first = false
		b.WriteString(s)
	}
	return types.String(b.String()), nil
}

// evalArraySlice is a[lo:hi]: the elements from position lo to hi, 1-based
// and inclusive, clamped to the array (an empty array when none), as
// PostgreSQL slices a one-dimensional array.
func evalArraySlice(_ *Ctx, a []types.Value) (types.Value, error) {
	if a[0].Kind() != types.KindArray || a[1].Kind() != types.KindInt || a[2].Kind() != types.KindInt {
		return types.Value{}, errNoFunction("array_slice", a)
	}
	es := a[0].Elems()
	lo, hi := max(a[1].Int(), 1), min(a[2].Int(), int64(len(es)))
	if lo > hi {
		return types.Array(nil), nil
	}
	return types.Array(es[lo-1 : hi]), nil
}
