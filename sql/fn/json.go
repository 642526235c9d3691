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
	}
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
