package fn

import (
	"strconv"
	"strings"

	"github.com/basaltdb/basalt/sql/sqlerr"
	"github.com/basaltdb/basalt/types"
)

// PostgreSQL's array containment operators (@>, <@, &&) and its json
// builders, inspectors and key tests (?, ?|, ?&), over Basalt's one kind of
// document value (json and jsonb alike).
func pgJSONFuncs() []*Func {
	build := &Func{Name: "json_build_object", MinArgs: 0, MaxArgs: -1, Eval: evalBuildObject}
	buildArray := &Func{Name: "json_build_array", MinArgs: 0, MaxArgs: -1, Eval: func(_ *Ctx, a []types.Value) (types.Value, error) {
		out := make([]types.Value, len(a))
		for i, v := range a {
			out[i] = nullOf(v)
		}
		return types.Array(out), nil
	}}
	arrayLength := &Func{Name: "json_array_length", MinArgs: 1, MaxArgs: 1, NullIn: true, Eval: func(_ *Ctx, a []types.Value) (types.Value, error) {
		if a[0].Kind() != types.KindArray {
			return types.Value{}, sqlerr.New(codeInvalidArgument, "cannot get array length of a non-array")
		}
		return types.Int(int64(a[0].Len())), nil
	}}
	typeOf := &Func{Name: "json_typeof", MinArgs: 1, MaxArgs: 1, NullIn: true, Eval: func(_ *Ctx, a []types.Value) (types.Value, error) {
		switch a[0].Kind() {
		case types.KindObject:
			return types.String("object"), nil
		case types.KindArray:
			return types.String("array"), nil
		case types.KindString, types.KindTimestamp, types.KindInterval:
			return types.String("string"), nil
		case types.KindInt, types.KindFloat:
			return types.String("number"), nil
		case types.KindBool:
			return types.String("boolean"), nil
		}
		return types.String("null"), nil
	}}
	return []*Func{
		{Name: "array_contains_all", MinArgs: 2, MaxArgs: 2, NullIn: true, Eval: func(_ *Ctx, a []types.Value) (types.Value, error) {
			return arrayContainsAll("array_contains_all", a[0], a[1])
		}},
		{Name: "array_contained", MinArgs: 2, MaxArgs: 2, NullIn: true, Eval: func(_ *Ctx, a []types.Value) (types.Value, error) {
			return arrayContainsAll("array_contained", a[1], a[0])
		}},
		{Name: "array_overlap", MinArgs: 2, MaxArgs: 2, NullIn: true, Eval: func(_ *Ctx, a []types.Value) (types.Value, error) {
			if a[0].Kind() != types.KindArray || a[1].Kind() != types.KindArray {
				return types.Value{}, errNoFunction("array_overlap", a)
			}
			for _, e := range a[1].Elems() {
				if !isNull(e) && AnyCompare("=", e, a[0]).Bool() {
					return types.Bool(true), nil
				}
			}
			return types.Bool(false), nil
		}},
		build, alias("jsonb_build_object", build),
		buildArray, alias("jsonb_build_array", buildArray),
		arrayLength, alias("jsonb_array_length", arrayLength),
		typeOf, alias("jsonb_typeof", typeOf),
		{Name: "json_exists", MinArgs: 2, MaxArgs: 2, NullIn: true, Eval: func(_ *Ctx, a []types.Value) (types.Value, error) {
			if a[1].Kind() != types.KindString {
				return types.Value{}, errNoOperator("?", a[0], a[1])
			}
			return types.Bool(jsonHasKey(a[0], a[1].Str())), nil
		}},
		{Name: "json_exists_any", MinArgs: 2, MaxArgs: 2, NullIn: true, Eval: jsonExistsKeys("?|", false)},
		{Name: "json_exists_all", MinArgs: 2, MaxArgs: 2, NullIn: true, Eval: jsonExistsKeys("?&", true)},
	}
}

// arrayContainsAll is a @> b: every element of b equals one of a; a NULL
// element of b equals nothing, as in PostgreSQL.
func arrayContainsAll(name string, a, b types.Value) (types.Value, error) {
	if a.Kind() != types.KindArray || b.Kind() != types.KindArray {
		return types.Value{}, errNoFunction(name, []types.Value{a, b})
	}
	for _, e := range b.Elems() {
		if isNull(e) || !AnyCompare("=", e, a).Bool() {
			return types.Bool(false), nil
		}
	}
	return types.Bool(true), nil
}

// evalBuildObject is json_build_object(k1, v1, …): keys as text (NULL is
// refused), a later duplicate key replacing an earlier one (as jsonb's).
func evalBuildObject(_ *Ctx, a []types.Value) (types.Value, error) {
	if len(a)%2 != 0 {
		return types.Value{}, sqlerr.New(codeInvalidArgument, "argument list must have even number of elements")
	}
	fields := make([]types.Field, 0, len(a)/2)
	index := map[string]int{}
	for i := 0; i < len(a); i += 2 {
		if isNull(a[i]) {
			return types.Value{}, sqlerr.New(codeInvalidArgument, "argument %d: key must not be null", i+1)
		}
		k, err := jsonKey(a[i])
		if err != nil {
			return types.Value{}, err
		}
		if j, ok := index[k]; ok {
			fields[j].Value = nullOf(a[i+1])
			continue
		}
		index[k] = len(fields)
		fields = append(fields, types.Field{Name: k, Value: nullOf(a[i+1])})
	}
	return types.Object(fields), nil
}

// jsonKey is a value's text as an object key: a bool spelled out, a
// timestamp as documents render it (ISO 8601), any other scalar as its
// text; arrays and objects are refused, as in PostgreSQL.
func jsonKey(v types.Value) (string, error) {
	switch v.Kind() {
	case types.KindBool:
		return strconv.FormatBool(v.Bool()), nil
	case types.KindTimestamp:
		return strings.Trim(v.JSON(), `"`), nil
	case types.KindArray, types.KindObject:
		return "", sqlerr.New(codeInvalidArgument, "key value must be scalar, not array, composite, or json")
	}
	return textOut(v), nil
}

// jsonHasKey is jsonb's ?: k is a key of the object v, a string element
// of the array v, or the string v itself.
func jsonHasKey(v types.Value, k string) bool {
	switch v.Kind() {
	case types.KindObject:
		return !v.Get(k).IsUndefined()
	case types.KindArray:
		for _, e := range v.Elems() {
			if e.Kind() == types.KindString && e.Str() == k {
				return true
			}
		}
		return false
	case types.KindString:
		return v.Str() == k
	}
	return false
}

// jsonExistsKeys is ?| (any of the keys) or ?& (all of them); NULL keys
// in the array are skipped.
func jsonExistsKeys(op string, all bool) func(*Ctx, []types.Value) (types.Value, error) {
	return func(_ *Ctx, a []types.Value) (types.Value, error) {
		keys := a[1]
		if keys.Kind() == types.KindString {
			var err error
			if keys, err = ParseArrayText(keys.Str()); err != nil {
				return types.Value{}, err
			}
		}
		if keys.Kind() != types.KindArray {
			return types.Value{}, errNoOperator(op, a[0], a[1])
		}
		for _, k := range keys.Elems() {
			if k.Kind() != types.KindString {
				continue
			}
			if jsonHasKey(a[0], k.Str()) != all {
				return types.Bool(!all), nil
			}
		}
		return types.Bool(all), nil
	}
}
