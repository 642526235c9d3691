package fn

import "testing"

func TestVectorEnforce(t *testing.T) {
	runFnCases(t, []fnCase{
		{name: "vector_enforce", args: vals(arr(f(1.5), i(2)), i(2), s("float")), want: arr(f(1.5), f(2))},
		{name: "vector_enforce", args: vals(arr(i(1), f(2)), i(2), s("int")), want: arr(i(1), i(2))},
		{name: "vector_enforce", args: vals(null, i(2), s("float")), want: null},
		{name: "vector_enforce", args: vals(arr(f(1)), i(2), s("float")), code: "22000"},
		{name: "vector_enforce", args: vals(arr(f(1), s("x")), i(2), s("float")), code: "22000"},
		{name: "vector_enforce", args: vals(arr(f(1), null), i(2), s("float")), code: "22000"},
		{name: "vector_enforce", args: vals(arr(f(1.5)), i(1), s("int")), code: "22000"},
		{name: "vector_enforce", args: vals(s("[1]"), i(1), s("float")), code: "22000"},
		{name: "vector_enforce", args: vals(arr(f(1)), i(0), s("float")), code: "22023"},
		{name: "vector_enforce", args: vals(arr(f(1)), i(1), s("bits")), code: "22023"},
	})
}
