package fn

import (
	"math"
	"testing"

	"github.com/basaltdb/basalt/sql/sqlerr"
	"github.com/basaltdb/basalt/types"
)

// Shorthands for building values in tables.
var (
	null  = types.Null
	undef = types.Undefined
)

func i(n int64) types.Value            { return types.Int(n) }
func f(x float64) types.Value          { return types.Float(x) }
func s(x string) types.Value           { return types.String(x) }
func b(x bool) types.Value             { return types.Bool(x) }
func arr(v ...types.Value) types.Value { return types.Array(v) }

// ts parses an ISO-8601 timestamp or panics.
func ts(x string) types.Value {
	us, err := ParseTimestamp(x)
	if err != nil {
		panic(err)
	}
	return types.Timestamp(us)
}

// same reports whether two values are identical: same kind and same
// payload, so that Int(2) and Float(2) differ and NaN equals NaN.
func same(a, b types.Value) bool {
	if a.Kind() != b.Kind() {
		return false
	}
	if a.Kind() == types.KindFloat {
		x, y := a.Float(), b.Float()
		return x == y && math.Signbit(x) == math.Signbit(y) || math.IsNaN(x) && math.IsNaN(y)
	}
	if a.Kind() == types.KindArray {
		ae, be := a.Elems(), b.Elems()
		if len(ae) != len(be) {
			return false
		}
		for k := range ae {
			if !same(ae[k], be[k]) {
				return false
			}
		}
		return true
	}
	return types.Equal(a, b)
}

// show renders a value with its kind, for failure messages.
func show(v types.Value) string { return v.Kind().String() + " " + v.String() }

// fnCase is one call of a registered function: want is the result, or code
// the SQLSTATE of the expected error.
type fnCase struct {
	name string
	args []types.Value
	want types.Value
	code string
}

// testCtx is a fixed statement time: 2024-05-06T07:08:09.123456Z.
var testCtx = &Ctx{Now: ts("2024-05-06T07:08:09.123456Z").Micros()}

func runFnCases(t *testing.T, cases []fnCase) {
	t.Helper()
	for _, c := range cases {
		fn, ok := Lookup(c.name)
		if !ok {
			t.Errorf("%s: not registered", c.name)
			continue
		}
		got, err := fn.Call(testCtx, c.args)
		if c.code != "" {
			if err == nil {
				t.Errorf("%s%v = %s, want error %s", c.name, c.args, show(got), c.code)
			} else if code := sqlerr.CodeOf(err); code != c.code {
				t.Errorf("%s%v: error %s (%v), want %s", c.name, c.args, code, err, c.code)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s%v: unexpected error %v", c.name, c.args, err)
			continue
		}
		if !same(got, c.want) {
			t.Errorf("%s%v = %s, want %s", c.name, c.args, show(got), show(c.want))
		}
	}
}

func vals(v ...types.Value) []types.Value { return v }

// errCode returns the SQLSTATE of err, "" for nil.
func errCode(err error) string {
	if err == nil {
		return ""
	}
	return sqlerr.CodeOf(err)
}
