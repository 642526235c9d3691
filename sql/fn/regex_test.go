package fn

import "testing"

func TestRegexFuncs(t *testing.T) {
	runFnCases(t, []fnCase{
		// Answers checked against PostgreSQL 15.
		{name: "regexp_replace", args: vals(s("foobarbaz"), s("b.."), s("X")), want: s("fooXbaz")},
		{name: "regexp_replace", args: vals(s("foobarbaz"), s("b(.)(.)"), s(`<\2\1\&>`), s("g")), want: s("foo<rabar><zabaz>")},
		{name: "regexp_replace", args: vals(s("ABC"), s("b"), s("x"), s("i")), want: s("AxC")},
		{name: "regexp_replace", args: vals(s("a.b"), s("."), s(`\\`), s("g")), want: s(`\\\`)},
		{name: "regexp_replace", args: vals(s("a\nb"), s("a.b"), s("x")), want: s("x")},
		{name: "regexp_replace", args: vals(s("a\nb"), s("a.b"), s("x"), s("n")), want: s("a\nb")},
		{name: "regexp_replace", args: vals(s("abc"), s("z"), s("x")), want: s("abc")},
		{name: "regexp_replace", args: vals(s("a"), s("("), s("x")), code: "2201B"},
		{name: "regexp_replace", args: vals(s("a"), s("a"), s("x"), s("z")), code: "22023"},
		{name: "regexp_like", args: vals(s("hello"), s("^h.*o$")), want: b(true)},
		{name: "regexp_like", args: vals(s("HELLO"), s("^h"), s("i")), want: b(true)},
		{name: "regexp_like", args: vals(s("hello"), s("^x")), want: b(false)},
		{name: "regexp_like", args: vals(null, s("x")), want: null},
	})
}
