package fn

import (
	"math"
	"testing"

	"github.com/basaltdb/basalt/types"
)

func TestNormalizeType(t *testing.T) {
	for in, want := range map[string]string{
		"int8": "int", "pg_catalog.int4": "int", "INTEGER": "int", "bigint": "int", "smallint": "int",
		"double precision": "float", "double  precision": "float", "numeric(10,2)": "float", "real": "float",
		"decimal": "float", "float8": "float",
		"boolean":           "bool",
		"character varying": "string", "varchar(10)": "string", "text": "string", "char": "string",
		"timestamp with time zone": "timestamp", "timestamptz": "timestamp", "timestamp(3) without time zone": "timestamp",
		"datetime": "timestamp", "date": "date", "jsonb": "json", "json": "json",
		"int[]": "array", "array": "array",
	} {
		got, err := NormalizeType(in)
		if err != nil || got != want {
			t.Errorf("NormalizeType(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := NormalizeType("footype"); errCode(err) != "42704" {
		t.Errorf("NormalizeType(footype): error %v, want 42704", err)
	}
}

func TestCast(t *testing.T) {
	for _, c := range []struct {
		v    types.Value
		typ  string
		want types.Value
		code string
	}{
		// To int.
		{v: s("12"), typ: "int", want: i(12)},
		{v: s(" 12 "), typ: "int8", want: i(12)},
		{v: s("+5"), typ: "int", want: i(5)},
		{v: s("-9223372036854775808"), typ: "bigint", want: i(math.MinInt64)},
		{v: s("1.5"), typ: "int", code: "22P02"},
		{v: s(""), typ: "int", code: "22P02"},
		{v: s("abc"), typ: "int", code: "22P02"},
		{v: s("99999999999999999999"), typ: "int8", code: "22003"},
		{v: f(1.5), typ: "int", want: i(2)},
		{v: f(2.5), typ: "int", want: i(3)},   // numeric rounds half away from zero
		{v: f(-2.5), typ: "int", want: i(-3)}, // ditto
		{v: f(9223372036854775807.5), typ: "int8", code: "22003"},
		{v: f(math.NaN()), typ: "int8", code: "22003"},
		{v: b(true), typ: "int", want: i(1)},
		{v: ts("2024-01-01"), typ: "int", code: "42846"},
		// To float.
		{v: i(3), typ: "float8", want: f(3)},
		{v: s("1e3"), typ: "float", want: f(1000)},
		{v: s(" -Infinity "), typ: "float", want: f(math.Inf(-1))},
		{v: s("nan"), typ: "double precision", want: f(math.NaN())},
		{v: s("abc"), typ: "float", code: "22P02"},
		{v: s("0x10"), typ: "float", code: "22P02"},
		{v: s("1e400"), typ: "float", code: "22003"},
		// To bool.
		{v: s("yes"), typ: "bool", want: b(true)},
		{v: s("of"), typ: "bool", want: b(false)},
		{v: s(" TRUE "), typ: "boolean", want: b(true)},
		{v: s("t"), typ: "bool", want: b(true)},
		{v: s("0"), typ: "bool", want: b(false)},
		{v: s("o"), typ: "bool", code: "22P02"},
		{v: s("x"), typ: "bool", code: "22P02"},
		{v: i(2), typ: "bool", want: b(true)},
		{v: i(0), typ: "bool", want: b(false)},
		// To string.
		{v: f(1.5), typ: "text", want: s("1.5")},
		{v: f(1e100), typ: "text", want: s("1e+100")},
		{v: f(123456789012), typ: "text", want: s("123456789012")},
		{v: f(1e15), typ: "text", want: s("1e+15")},
		{v: f(123456789012345), typ: "text", want: s("123456789012345")},
		{v: f(0.0001), typ: "text", want: s("0.0001")},
		{v: f(0.00001), typ: "text", want: s("1e-05")},
		{v: f(math.Copysign(0, -1)), typ: "text", want: s("-0")},
		{v: f(math.NaN()), typ: "text", want: s("NaN")},
		{v: f(math.Inf(-1)), typ: "text", want: s("-Infinity")},
		{v: b(true), typ: "text", want: s("true")},
		{v: i(-7), typ: "varchar", want: s("-7")},
		{v: ts("2024-01-01T00:00:00.5Z"), typ: "text", want: s("2024-01-01T00:00:00.5Z")},
		{v: arr(i(1), s("a")), typ: "text", want: s(`[1,"a"]`)},
		// To timestamp and date.
		{v: s("2024-01-01T10:00:00+02:00"), typ: "timestamptz", want: ts("2024-01-01T08:00:00Z")},
		{v: s("2024-01-01 10:30:00"), typ: "timestamp", want: ts("2024-01-01T10:30:00Z")},
		{v: s("2024-01-01 10:30:00"), typ: "date", want: ts("2024-01-01")},
		{v: ts("1969-12-31T23:00:00Z"), typ: "date", want: ts("1969-12-31")},
		{v: s("foo"), typ: "timestamp", code: "22007"},
		{v: s("2024-02-30"), typ: "timestamp", code: "22008"},
		{v: i(0), typ: "timestamp", code: "42846"},
		// JSON and arrays.
		{v: i(1), typ: "jsonb", want: i(1)},
		{v: s(`[1, "a"]`), typ: "json", want: arr(i(1), s("a"))},
		{v: s(`"a"`), typ: "jsonb", want: s("a")},
		{v: s("not json"), typ: "json", code: "22P02"},
		{v: s("[1,2]"), typ: "array", want: arr(i(1), i(2))},
		{v: s("{1,2}"), typ: "int[]", want: arr(i(1), i(2))},
		{v: s(` { 1 , NULL } `), typ: "int[]", want: arr(i(1), null)},
		{v: s(`{"a,b",c,"d\"e"}`), typ: "text[]", want: arr(s("a,b"), s("c"), s(`d"e`))},
		{v: s("{}"), typ: "int[]", want: arr()},
		{v: s("[1,2]"), typ: "text[]", want: arr(s("1"), s("2"))},
		{v: s("{1,x}"), typ: "int[]", code: "22P02"},
		{v: s("{1,,2}"), typ: "int[]", code: "22P02"},
		{v: s("{{1},{2}}"), typ: "int[]", code: "22P02"},
		{v: s(`{"a}`), typ: "text[]", code: "22P02"},
		{v: s("1,2"), typ: "int[]", code: "22P02"},
		// NULL and undefined.
		{v: null, typ: "int", want: null},
		{v: undef, typ: "text", want: null},
		{v: i(1), typ: "footype", code: "42704"},
	} {
		got, err := Cast(c.v, c.typ)
		if code := errCode(err); code != c.code {
			t.Errorf("%s::%s: error %q (%v), want %q", show(c.v), c.typ, code, err, c.code)
			continue
		}
		if c.code == "" && !same(got, c.want) {
			t.Errorf("%s::%s = %s, want %s", show(c.v), c.typ, show(got), show(c.want))
		}
		if try := TryCast(c.v, c.typ); c.code != "" && !try.IsNull() {
			t.Errorf("TryCast(%s, %s) = %s, want null", show(c.v), c.typ, show(try))
		}
	}
}
