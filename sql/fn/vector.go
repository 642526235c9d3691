package fn

import (
	"math"
	"strings"

	"github.com/basaltdb/basalt/sql/sqlerr"
	"github.com/basaltdb/basalt/types"
)

// vectorFuncs are the vector helpers of Rockset's SQL.
func vectorFuncs() []*Func {
	return []*Func{
		// VECTOR_ENFORCE(v, dim, type) returns v when it is an array of dim
		// numbers of the type ('float' or 'int'), and fails otherwise, so
		// that an ingest transformation rejects a malformed embedding
		// instead of storing it. Floats come back as floats even when the
		// JSON spelled them as integers (1 for 1.0).
		{Name: "vector_enforce", MinArgs: 3, MaxArgs: 3, NullIn: true, Eval: evalVectorEnforce},
	}
}

func evalVectorEnforce(_ *Ctx, a []types.Value) (types.Value, error) {
	if a[1].Kind() != types.KindInt || a[2].Kind() != types.KindString {
		return types.Value{}, errNoFunction("vector_enforce", a)
	}
	dim := a[1].Int()
	if dim <= 0 {
		return types.Value{}, sqlerr.New(codeInvalidArgument, "vector_enforce: dimension must be positive, got %d", dim)
	}
	typ := strings.ToLower(a[2].Str())
	if typ != "float" && typ != "int" {
		return types.Value{}, sqlerr.New(codeInvalidArgument, "vector_enforce: element type must be 'float' or 'int', got %q", a[2].Str())
	}
	v := a[0]
	if v.Kind() != types.KindArray {
		return types.Value{}, sqlerr.New(sqlerr.DataException, "vector_enforce: expected an array of %d %ss, got %s", dim, typ, v.Kind())
	}
	if int64(v.Len()) != dim {
		return types.Value{}, sqlerr.New(sqlerr.DataException, "vector_enforce: expected %d elements, got %d", dim, v.Len())
	}
	elems := v.Elems()
	out := make([]types.Value, len(elems))
	for i, e := range elems {
		switch {
		case e.Kind() == types.KindInt && typ == "int":
			out[i] = e
		case e.Kind() == types.KindInt:
			out[i] = types.Float(float64(e.Int()))
		case e.Kind() == types.KindFloat && typ == "float" && !math.IsNaN(e.Float()) && !math.IsInf(e.Float(), 0):
			out[i] = e
		case e.Kind() == types.KindFloat && typ == "int" && e.Float() == math.Trunc(e.Float()) && math.Abs(e.Float()) < 1<<62:
			out[i] = types.Int(int64(e.Float()))
		default:
			return types.Value{}, sqlerr.New(sqlerr.DataException, "vector_enforce: element %d is %s, not a %s", i+1, e.Kind(), typ)
		}
	}
	return types.Array(out), nil
}
