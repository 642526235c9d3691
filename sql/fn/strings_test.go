package fn

import (
	"testing"

	"github.com/basaltdb/basalt/types"
)

func TestConcatOperator(t *testing.T) {
	for _, c := range []struct {
		a, b, want types.Value
	}{
		{s("a"), s("b"), s("ab")},
		{s("a"), i(1), s("a1")},
		{s("x"), f(2.5), s("x2.5")},
		{s("a"), b(true), s("atrue")}, // textanycat casts: 'a' || true = 'atrue'
		{s("a"), null, null},
		{undef, s("a"), null},
		{arr(i(1), i(2)), arr(i(3)), arr(i(1), i(2), i(3))},
		{arr(i(1), i(2)), i(3), arr(i(1), i(2), i(3))},
		{i(0), arr(i(1)), arr(i(0), i(1))},
		{s("t:"), ts("2024-01-01"), s("t:2024-01-01T00:00:00Z")},
	} {
		if got := Concat(c.a, c.b); !same(got, c.want) {
			t.Errorf("%s || %s = %s, want %s", show(c.a), show(c.b), show(got), show(c.want))
		}
	}
	merged := Concat(types.Object([]types.Field{{Name: "a", Value: i(1)}, {Name: "b", Value: i(2)}}),
		types.Object([]types.Field{{Name: "b", Value: i(3)}, {Name: "c", Value: i(4)}}))
	if got, want := merged.JSON(), `{"a":1,"b":3,"c":4}`; got != want {
		t.Errorf("object || object = %s, want %s", got, want)
	}
}

func TestStringFuncs(t *testing.T) {
	runFnCases(t, []fnCase{
		// Answers checked against PostgreSQL 15.
		{name: "length", args: vals(s("héllo")), want: i(5)},
		{name: "char_length", args: vals(s("")), want: i(0)},
		{name: "character_length", args: vals(s("ab")), want: i(2)},
		{name: "length", args: vals(arr(i(1), i(2))), want: i(2)},
		{name: "length", args: vals(i(5)), code: "42883"},
		{name: "length", args: vals(null), want: null},
		{name: "octet_length", args: vals(s("héllo")), want: i(6)},
		{name: "lower", args: vals(s("AbC")), want: s("abc")},
		{name: "upper", args: vals(s("héllo")), want: s("HÉLLO")},
		{name: "initcap", args: vals(s("hello wORLD foo-bar 3rd")), want: s("Hello World Foo-Bar 3rd")},
		{name: "btrim", args: vals(s("xxhixx"), s("x")), want: s("hi")},
		{name: "trim", args: vals(s("\t hi ")), want: s("\t hi")},
		{name: "ltrim", args: vals(s("  hi  ")), want: s("hi  ")},
		{name: "rtrim", args: vals(s("  hi  ")), want: s("  hi")},
		{name: "rtrim", args: vals(s("hixyx"), s("xy")), want: s("hi")},
		{name: "lpad", args: vals(s("hi"), i(5), s("xy")), want: s("xyxhi")},
		{name: "lpad", args: vals(s("hi"), i(5)), want: s("   hi")},
		{name: "lpad", args: vals(s("hi"), i(5), s("")), want: s("hi")},
		{name: "rpad", args: vals(s("hello"), i(3)), want: s("hel")},
		{name: "rpad", args: vals(s("hi"), i(4), s("é")), want: s("hiéé")},
		{name: "lpad", args: vals(s("hi"), i(-1)), want: s("")},
		{name: "concat", args: vals(s("a"), i(1), f(2.5), null, b(true)), want: s("a12.5t")},
		{name: "concat", args: vals(null), want: s("")},
		{name: "concat", args: vals(undef, s("x")), want: s("x")},
		{name: "concat_ws", args: vals(s("-"), i(1), null, s("b")), want: s("1-b")},
		{name: "concat_ws", args: vals(null, s("a")), want: null},
		{name: "substr", args: vals(s("hello"), i(0), i(2)), want: s("h")},
		{name: "substr", args: vals(s("hello"), i(-1), i(3)), want: s("h")},
		{name: "substr", args: vals(s("hello"), i(2)), want: s("ello")},
		{name: "substr", args: vals(s("hello"), i(10)), want: s("")},
		{name: "substring", args: vals(s("héllo"), i(2), i(100)), want: s("éllo")},
		{name: "substr", args: vals(s("abc"), i(1), i(-1)), code: "22011"},
		{name: "left", args: vals(s("hello"), i(-2)), want: s("hel")},
		{name: "right", args: vals(s("hello"), i(-2)), want: s("llo")},
		{name: "left", args: vals(s("hello"), i(10)), want: s("hello")},
		{name: "right", args: vals(s("hello"), i(2)), want: s("lo")},
		{name: "replace", args: vals(s("abcabc"), s("b"), s("XY")), want: s("aXYcaXYc")},
		{name: "replace", args: vals(s("abc"), s(""), s("x")), want: s("abc")},
		{name: "translate", args: vals(s("12345"), s("143"), s("ax")), want: s("a2x5")},
		{name: "translate", args: vals(s("héllo"), s("éll"), s("eL")), want: s("heLLo")},
		{name: "reverse", args: vals(s("héllo")), want: s("olléh")},
		{name: "repeat", args: vals(s("ab"), i(3)), want: s("ababab")},
		{name: "repeat", args: vals(s("ab"), i(-1)), want: s("")},
		{name: "repeat", args: vals(s("x"), i(2000000000)), code: "54000"},
		{name: "strpos", args: vals(s("hello"), s("l")), want: i(3)},
		{name: "strpos", args: vals(s("héllo"), s("l")), want: i(3)},
		{name: "strpos", args: vals(s("hello"), s("")), want: i(1)},
		{name: "position", args: vals(s("abc"), s("z")), want: i(0)},
		{name: "split_part", args: vals(s("a,b,c"), s(","), i(2)), want: s("b")},
		{name: "split_part", args: vals(s("a,b,c"), s(","), i(-1)), want: s("c")},
		{name: "split_part", args: vals(s("a,b,c"), s(","), i(4)), want: s("")},
		{name: "split_part", args: vals(s("abc"), s(""), i(1)), want: s("abc")},
		{name: "split_part", args: vals(s(""), s(","), i(1)), want: s("")},
		{name: "split_part", args: vals(s("a,b"), s(","), i(0)), code: "22023"},
		{name: "starts_with", args: vals(s("hello"), s("he")), want: b(true)},
		{name: "ends_with", args: vals(s("hello"), s("he")), want: b(false)},
		{name: "md5", args: vals(s("abc")), want: s("900150983cd24fb0d6963f7d28e17f72")},
		{name: "chr", args: vals(i(233)), want: s("é")},
		{name: "chr", args: vals(i(0)), code: "54000"},
		{name: "ascii", args: vals(s("é")), want: i(233)},
		{name: "ascii", args: vals(s("")), want: i(0)},
		{name: "to_hex", args: vals(i(255)), want: s("ff")},
		{name: "to_hex", args: vals(i(-1)), want: s("ffffffffffffffff")},
	})
}
