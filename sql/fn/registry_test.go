package fn

import (
	"slices"
	"testing"

	"github.com/basaltdb/basalt/types"
)

func TestLookup(t *testing.T) {
	fn, ok := Lookup("LoWeR")
	if !ok || fn.Name != "lower" {
		t.Fatalf("Lookup(LoWeR) = %v, %v", fn, ok)
	}
	if _, ok := Lookup("no_such_function"); ok {
		t.Fatal("Lookup found a function that does not exist")
	}
	if fn, _ := Lookup("ceiling"); fn.Name != "ceiling" {
		t.Errorf("alias keeps the name it was looked up by, got %q", fn.Name)
	}
}

func TestNames(t *testing.T) {
	names := Names()
	if !slices.IsSorted(names) {
		t.Error("Names is not sorted")
	}
	for _, want := range []string{"abs", "concat", "date_trunc", "array_contains", "json_parse", "version", "now"} {
		if _, found := slices.BinarySearch(names, want); !found {
			t.Errorf("Names lacks %q", want)
		}
	}
	for _, n := range names {
		fn, _ := Lookup(n)
		if fn.Name != n || fn.Eval == nil || fn.MinArgs < 0 || (fn.MaxArgs >= 0 && fn.MaxArgs < fn.MinArgs) {
			t.Errorf("%s: malformed definition %+v", n, fn)
		}
	}
}

// TestEvalTolerantOfNulls calls every Eval directly (bypassing NullIn) with
// NULL, undefined and wrongly typed arguments: it may return an error but
// must not panic.
func TestEvalTolerantOfNulls(t *testing.T) {
	for _, n := range Names() {
		fn, _ := Lookup(n)
		for _, filler := range vals(null, undef, s("x"), i(1), arr(), b(true)) {
			for argc := fn.MinArgs; argc <= max(fn.MaxArgs, fn.MinArgs+2) && argc <= 4; argc++ {
				if fn.MaxArgs >= 0 && argc > fn.MaxArgs {
					break
				}
				args := make([]types.Value, argc)
				for k := range args {
					args[k] = filler
				}
				func() {
					defer func() {
						if r := recover(); r != nil {
							t.Errorf("%s%v panicked: %v", n, args, r)
						}
					}()
					_, _ = fn.Eval(testCtx, args)
				}()
			}
		}
	}
}

func TestNullIn(t *testing.T) {
	fn, _ := Lookup("upper")
	for _, v := range vals(null, undef) {
		if got, err := fn.Call(testCtx, vals(v)); err != nil || !got.IsNull() {
			t.Errorf("upper(%s) = %s, %v; want null", show(v), show(got), err)
		}
	}
}
