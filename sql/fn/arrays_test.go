package fn

import (
	"testing"

	"github.com/basaltdb/basalt/types"
)

func TestArrayFuncs(t *testing.T) {
	a123 := arr(i(1), i(2), i(3))
	runFnCases(t, []fnCase{
		{name: "array_contains", args: vals(a123, i(2)), want: b(true)},
		{name: "array_contains", args: vals(a123, f(2.0)), want: b(true)},
		{name: "array_contains", args: vals(a123, s("2")), want: b(false)},
		{name: "array_contains", args: vals(arr(i(1), null), i(2)), want: b(false)},
		{name: "array_contains", args: vals(null, i(2)), want: null},
		{name: "array_contains", args: vals(s("x"), i(2)), code: "42883"},
		// Checked against PostgreSQL 15.
		{name: "cardinality", args: vals(arr()), want: i(0)},
		{name: "cardinality", args: vals(a123), want: i(3)},
		{name: "array_length", args: vals(arr(), i(1)), want: null},
		{name: "array_length", args: vals(a123, i(1)), want: i(3)},
		{name: "array_length", args: vals(a123), want: i(3)},
		{name: "array_length", args: vals(a123, i(2)), want: null},
		{name: "array_position", args: vals(arr(i(1), null, i(3)), null), want: i(2)},
		{name: "array_position", args: vals(arr(i(1), i(2), i(1)), i(1), i(2)), want: i(3)},
		{name: "array_position", args: vals(a123, i(9)), want: null},
		{name: "array_position", args: vals(null, i(1)), want: null},
		{name: "array_append", args: vals(null, i(1)), want: arr(i(1))},
		{name: "array_append", args: vals(arr(i(1)), undef), want: arr(i(1), null)},
		{name: "array_prepend", args: vals(i(0), arr(i(1))), want: arr(i(0), i(1))},
		{name: "array_cat", args: vals(null, arr(i(1))), want: arr(i(1))},
		{name: "array_cat", args: vals(arr(i(1)), arr(i(2))), want: arr(i(1), i(2))},
		{name: "array_cat", args: vals(null, null), want: null},
		{name: "array_remove", args: vals(arr(i(1), null, i(1), i(2)), i(1)), want: arr(null, i(2))},
		{name: "array_remove", args: vals(arr(i(1), null), null), want: arr(i(1))},
		{name: "array_remove", args: vals(null, i(1)), want: null},
		{name: "array_distinct", args: vals(arr(i(1), f(1), s("1"), null, i(2), null, i(1))), want: arr(i(1), s("1"), null, i(2))},
		{name: "array_distinct", args: vals(arr(arr(i(1)), arr(i(1)), arr(i(2)))), want: arr(arr(i(1)), arr(i(2)))},
		{name: "array_to_string", args: vals(arr(i(1), null, i(3)), s(","), s("*")), want: s("1,*,3")},
		{name: "array_to_string", args: vals(arr(i(1), null, i(3)), s(",")), want: s("1,3")},
		{name: "array_join", args: vals(arr(s("a"), b(true), f(1.5)), s("-")), want: s("a-t-1.5")},
		{name: "array_to_string", args: vals(null, s(",")), want: null},
		{name: "element_at", args: vals(a123, i(1)), want: i(1)},
		{name: "element_at", args: vals(a123, i(-1)), want: i(3)},
		{name: "element_at", args: vals(a123, i(0)), want: null},
		{name: "element_at", args: vals(a123, i(4)), want: null},
		{name: "element_at", args: vals(a123, i(-4)), want: null},
	})
}

func TestArrayFuncsDoNotModifyInput(t *testing.T) {
	backing := []types.Value{i(1), i(2), i(3), i(4)}
	in := types.Array(backing[:2]) // spare capacity that an append could clobber
	fn, _ := Lookup("array_append")
	if _, err := fn.Call(testCtx, vals(in, i(9))); err != nil {
		t.Fatal(err)
	}
	if backing[2].Int() != 3 {
		t.Fatalf("array_append wrote into its input's backing array")
	}
}
