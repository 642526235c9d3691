package fn

import (
	"math"
	"testing"
)

func TestMathFuncs(t *testing.T) {
	runFnCases(t, []fnCase{
		// Answers checked against PostgreSQL 15 (numeric where a float
		// literal would be numeric there).
		{name: "abs", args: vals(i(-5)), want: i(5)},
		{name: "abs", args: vals(f(-2.5)), want: f(2.5)},
		{name: "abs", args: vals(i(math.MinInt64)), code: "22003"},
		{name: "abs", args: vals(s("x")), code: "42883"},
		{name: "abs", args: vals(null), want: null},
		{name: "abs", args: vals(undef), want: null},
		{name: "ceil", args: vals(f(-1.5)), want: f(-1)},
		{name: "ceiling", args: vals(f(1.2)), want: f(2)},
		{name: "ceil", args: vals(i(3)), want: i(3)},
		{name: "floor", args: vals(f(-1.5)), want: f(-2)},
		{name: "round", args: vals(f(2.5)), want: f(3)},
		{name: "round", args: vals(f(-2.5)), want: f(-3)},
		{name: "round", args: vals(f(-0.5)), want: f(-1)},
		{name: "round", args: vals(i(7)), want: i(7)},
		{name: "round", args: vals(f(2.675), i(2)), want: f(2.68)},
		{name: "round", args: vals(f(1234.5), i(-2)), want: f(1200)},
		{name: "round", args: vals(i(42), i(-1)), want: f(40)},
		{name: "round", args: vals(f(0.5), i(-1)), want: f(0)},
		{name: "round", args: vals(i(5), i(-1)), want: f(10)},
		{name: "round", args: vals(f(9.995), i(2)), want: f(10)},
		{name: "round", args: vals(f(-1.005), i(2)), want: f(-1.01)},
		{name: "round", args: vals(f(1.5), i(0)), want: f(2)},
		{name: "round", args: vals(f(1.25), i(5)), want: f(1.25)},
		{name: "trunc", args: vals(f(2.7)), want: f(2)},
		{name: "trunc", args: vals(f(-2.7)), want: f(-2)},
		{name: "trunc", args: vals(f(1.239), i(2)), want: f(1.23)},
		{name: "trunc", args: vals(f(-1.239), i(2)), want: f(-1.23)},
		{name: "sign", args: vals(i(-3)), want: i(-1)},
		{name: "sign", args: vals(f(2.5)), want: f(1)},
		{name: "sign", args: vals(i(0)), want: i(0)},
		{name: "sqrt", args: vals(i(16)), want: f(4)},
		{name: "sqrt", args: vals(f(-1)), code: "2201F"},
		{name: "cbrt", args: vals(f(-8)), want: f(-2)},
		{name: "power", args: vals(i(2), i(10)), want: f(1024)},
		{name: "pow", args: vals(i(2), i(-1)), want: f(0.5)},
		{name: "power", args: vals(i(0), i(-1)), code: "2201F"},
		{name: "power", args: vals(i(-8), f(1.0/3)), code: "2201F"},
		{name: "power", args: vals(i(-2), i(3)), want: f(-8)},
		{name: "power", args: vals(f(10), f(400)), code: "22003"},
		{name: "exp", args: vals(i(0)), want: f(1)},
		{name: "exp", args: vals(i(1000)), code: "22003"},
		{name: "ln", args: vals(i(1)), want: f(0)},
		{name: "ln", args: vals(i(0)), code: "2201E"},
		{name: "ln", args: vals(i(-1)), code: "2201E"},
		{name: "log", args: vals(i(100)), want: f(2)},
		{name: "log", args: vals(i(2), i(8)), want: f(3)},
		{name: "log", args: vals(i(1), i(8)), code: "22012"},
		{name: "log", args: vals(i(2), i(0)), code: "2201E"},
		{name: "log10", args: vals(i(1000)), want: f(3)},
		{name: "mod", args: vals(i(-7), i(3)), want: i(-1)},
		{name: "mod", args: vals(f(7.5), i(2)), want: f(1.5)},
		{name: "mod", args: vals(i(1), i(0)), code: "22012"},
		{name: "div", args: vals(i(9), i(4)), want: i(2)},
		{name: "div", args: vals(i(-9), i(4)), want: i(-2)},
		{name: "div", args: vals(f(9.5), i(2)), want: f(4)},
		{name: "div", args: vals(i(1), i(0)), code: "22012"},
		{name: "pi", want: f(math.Pi)},
		{name: "degrees", args: vals(f(math.Pi)), want: f(180)},
		{name: "radians", args: vals(i(180)), want: f(math.Pi)},
		{name: "sin", args: vals(i(0)), want: f(0)},
		{name: "cos", args: vals(i(0)), want: f(1)},
		{name: "tan", args: vals(f(math.Inf(1))), code: "22003"},
		{name: "asin", args: vals(i(1)), want: f(math.Pi / 2)},
		{name: "asin", args: vals(i(2)), code: "22003"},
		{name: "acos", args: vals(i(1)), want: f(0)},
		{name: "atan", args: vals(i(0)), want: f(0)},
		{name: "atan2", args: vals(i(1), i(0)), want: f(math.Pi / 2)},
		// GREATEST and LEAST skip NULLs.
		{name: "greatest", args: vals(i(1), null, i(3)), want: i(3)},
		{name: "least", args: vals(null, i(2), f(1.5)), want: f(1.5)},
		{name: "greatest", args: vals(null, undef), want: null},
		{name: "greatest", args: vals(s("a"), s("b")), want: s("b")},
		{name: "greatest", args: vals(f(math.NaN()), i(1)), want: f(math.NaN())},
		// Arity.
		{name: "abs", args: vals(), code: "42883"},
		{name: "abs", args: vals(i(1), i(2)), code: "42883"},
		{name: "pi", args: vals(i(1)), code: "42883"},
	})
}

func TestRandom(t *testing.T) {
	fn, _ := Lookup("random")
	if !fn.Volatile {
		t.Fatal("random must be volatile")
	}
	for range 100 {
		v, err := fn.Call(testCtx, nil)
		if err != nil || v.Float() < 0 || v.Float() >= 1 {
			t.Fatalf("random() = %s, %v", show(v), err)
		}
	}
}
