package fn

import (
	"github.com/basaltdb/basalt/sql/sqlerr"
	"github.com/basaltdb/basalt/types"
)

func jsonFuncs() []*Func {
	return []*Func{
		{Name: "json_format", MinArgs: 1, MaxArgs: 1, NullIn: true, Eval: func(_ *Ctx, a []types.Value) (types.Value, error) {
			return types.String(a[0].JSON()), nil
		}},
		{Name: "json_parse", MinArgs: 1, MaxArgs: 1, NullIn: true, Eval: func(_ *Ctx, a []types.Value) (types.Value, error) {
			if a[0].Kind() != types.KindString {
				return types.Value{}, errNoFunction("json_parse", a)
			}
			return parseJSON(a[0].Str())
		}},
		{Name: "typeof", MinArgs: 1, MaxArgs: 1, Eval: func(_ *Ctx, a []types.Value) (types.Value, error) {
			return types.String(a[0].Kind().String()), nil
		}},
		{Name: "json_get", MinArgs: 2, MaxArgs: 2, NullIn: true, Eval: func(_ *Ctx, a []types.Value) (types.Value, error) {
			return jsonStep(a[0], a[1])
		}},
		{Name: "json_get_text", MinArgs: 2, MaxArgs: 2, NullIn: true, Eval: func(_ *Ctx, a []types.Value) (types.Value, error) {
			v, err := jsonStep(a[0], a[1])
			return jsonText(v), err
		}},
		{Name: "json_get_path", MinArgs: 2, MaxArgs: 2, NullIn: true, Eval: func(_ *Ctx, a []types.Value) (types.Value, error) {
			return jsonPath(a[0], a[1])
		}},
		{Name: "json_get_path_text", MinArgs: 2, MaxArgs: 2, NullIn: true, Eval: func(_ *Ctx, a []types.Value) (types.Value, error) {
			v, err := jsonPath(a[0], a[1])
			return jsonText(v), err
		}},
	}
}

// jsonStep is PostgreSQL's json -> operator: an object's field by name, an
// array's element by 0-based index (negative counts from the end); NULL
// when there is none. A string is a JSON string, not JSON to read: text
// meant as JSON is cast first ('…'::jsonb), as in PostgreSQL.
func jsonStep(v, key types.Value) (types.Value, error) {
	switch key.Kind() {
	case types.KindString:
		if v.Kind() == types.KindObject {
			if f := v.Get(key.Str()); !f.IsUndefined() {
				return f, nil
			}
		}
		return types.Null, nil
	case types.KindInt:
		if v.Kind() == types.KindArray {
			i := key.Int()
			if i < 0 {
				i += int64(v.Len())
			}
			if i >= 0 && i < int64(v.Len()) {
				return v.Elems()[i], nil
			}
		}
		return types.Null, nil
	}
	return types.Value{}, errNoOperator("->", v, key)
}

// jsonPath is PostgreSQL's #> operator: the steps of a text array path
// ('{a,0,b}'), each a field name, or an element index in an array.
func jsonPath(v, path types.Value) (types.Value, error) {
	steps := path
	if path.Kind() == types.KindString {
		var err error
		if steps, err = ParseArrayText(path.Str()); err != nil {
			return types.Value{}, err
		}
	}
	if steps.Kind() != types.KindArray {
		return types.Value{}, errNoOperator("#>", v, path)
	}
	for _, s := range steps.Elems() {
		if isNull(s) {
			return types.Null, nil
		}
		key := types.String(textOut(s))
		if v.Kind() == types.KindArray {
			i, err := parseInt(key.Str())
			if err != nil {
				return types.Null, nil
			}
			key = types.Int(i)
		}
		var err error
		if v, err = jsonStep(v, key); err != nil || isNull(v) {
			return v, err
		}
	}
	return v, nil
}

// jsonText is the ->> form of a JSON value: a string as it is, JSON null
// as SQL NULL, anything else as its JSON text.
func jsonText(v types.Value) types.Value {
	switch v.Kind() {
	case types.KindString, types.KindNull, types.KindUndefined:
		return v
	}
	return types.String(v.JSON())
}

// parseJSON decodes s under the default document limits. The result owns
// its memory: it aliases a private copy of s, not s itself.
func parseJSON(s string) (types.Value, error) {
	var lim types.Limits
	lim.EnsureDefaults()
	v, err := types.NewDecoder(lim).Decode([]byte(s))
	if err != nil {
		return types.Value{}, sqlerr.New(sqlerr.InvalidText, "invalid input syntax for type json: %v", err)
	}
	return v, nil
}
