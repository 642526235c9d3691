package fn

import (
	"testing"

	"github.com/basaltdb/basalt/types"
)

func TestJSONFuncs(t *testing.T) {
	runFnCases(t, []fnCase{
		{name: "json_format", args: vals(arr(i(1), s("a"), null)), want: s(`[1,"a",null]`)},
		{name: "json_format", args: vals(f(2)), want: s(`2.0`)},
		{name: "json_format", args: vals(s("x")), want: s(`"x"`)},
		{name: "json_format", args: vals(null), want: null},
		{name: "json_parse", args: vals(s(`[1, 2.5, "x"]`)), want: arr(i(1), f(2.5), s("x"))},
		{name: "json_parse", args: vals(s(`null`)), want: null},
		{name: "json_parse", args: vals(s(`{"a":`)), code: "22P02"},
		{name: "json_parse", args: vals(i(1)), code: "42883"},
		{name: "typeof", args: vals(i(1)), want: s("int")},
		{name: "typeof", args: vals(f(1)), want: s("float")},
		{name: "typeof", args: vals(s("")), want: s("string")},
		{name: "typeof", args: vals(b(true)), want: s("bool")},
		{name: "typeof", args: vals(null), want: s("null")},
		{name: "typeof", args: vals(undef), want: s("undefined")},
		{name: "typeof", args: vals(ts("2024-01-01")), want: s("timestamp")},
		{name: "typeof", args: vals(arr()), want: s("array")},
		{name: "typeof", args: vals(types.Object(nil)), want: s("object")},
	})
	v, err := parseJSON(`{"a":{"b":[1]}}`)
	if err != nil || v.Get("a").Get("b").Index(0).Int() != 1 {
		t.Fatalf("json_parse object: %s, %v", show(v), err)
	}
}
