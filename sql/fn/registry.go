package fn

import (
	"sort"
	"strings"

	"github.com/basaltdb/basalt/sql/sqlerr"
	"github.com/basaltdb/basalt/types"
)

// Ctx carries the per-query state functions may need.
type Ctx struct {
	// Now is the statement start time in microseconds since the epoch (UTC);
	// NOW() and CURRENT_DATE read it so that a statement sees one instant.
	Now int64
}

// Func is a scalar function.
type Func struct {
	Name             string // lower case
	MinArgs, MaxArgs int    // MaxArgs -1 means variadic
	// NullIn: when true the engine returns NULL without calling Eval if any
	// argument is NULL or undefined (PostgreSQL's STRICT).
	NullIn bool
	// Volatile functions (RANDOM(), NOW()) are never constant-folded as
	// expressions of constants are...
	Volatile bool
	// ...unless they are Stable too: one value for the whole statement
	// (NOW(), CURRENT_DATE read Ctx.Now, PostgreSQL's STABLE). The planner
	// folds those with the statement's Ctx, so `_event_time > NOW() -
	// INTERVAL '1 minute'` prunes blocks by their zone maps.
	Stable bool
	// Unfolded functions are never folded either, as their value can be
	// too large to hold in a plan, outside the memory budget:
	// generate_series, which an Unnest streams from a Series at run time,
	// and regexp_matches, whose array an Unnest charges while it holds it.
	Unfolded bool
	// Eval computes the function. It must not retain args. When NullIn is
	// set Eval may assume no argument is NULL or undefined; it still fails
	// cleanly (with an error, not a panic) if one is.
	Eval func(c *Ctx, args []types.Value) (types.Value, error)
}

// CheckArity returns error 42883 unless n arguments are acceptable.
func (f *Func) CheckArity(n int) error {
	if n < f.MinArgs || (f.MaxArgs >= 0 && n > f.MaxArgs) {
		return sqlerr.New(sqlerr.UndefinedFunction, "function %s with %d arguments does not exist", f.Name, n)
	}
	return nil
}

// Call checks the argument count, applies NullIn and calls Eval: what the
// engine does for one row.
func (f *Func) Call(c *Ctx, args []types.Value) (types.Value, error) {
	if err := f.CheckArity(len(args)); err != nil {
		return types.Value{}, err
	}
	if f.NullIn {
		for _, a := range args {
			if isNull(a) {
				return types.Null, nil
			}
		}
	}
	return f.Eval(c, args)
}

// registry maps every function name (aliases included) to its definition.
// It is built once and never modified, so it is safe for concurrent use.
var registry = buildRegistry()

func buildRegistry() map[string]*Func {
	m := make(map[string]*Func)
	for _, group := range [][]*Func{
		mathFuncs(), stringFuncs(), regexFuncs(), nullFuncs(), timeFuncs(),
		arrayFuncs(), jsonFuncs(), pgJSONFuncs(), pgMoreFuncs(), makeFuncs(), miscFuncs(), vectorFuncs(), pgExtraFuncs(), formatFuncs(),
	} {
		for _, f := range group {
			if _, dup := m[f.Name]; dup {
				panic("fn: duplicate function " + f.Name)
			}
			m[f.Name] = f
		}
	}
	return m
}

// alias returns a copy of f registered under another name.
func alias(name string, f *Func) *Func {
	g := *f
	g.Name = name
	return &g
}

// Lookup returns the function named name, case-insensitively.
func Lookup(name string) (*Func, bool) {
	f, ok := registry[strings.ToLower(name)]
	return f, ok
}

// Names returns the names of all functions, aliases included, sorted.
func Names() []string {
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// nullFuncs are NULLIF and COALESCE. The engine evaluates COALESCE lazily;
// this Eval serves constant folding and tests.
func nullFuncs() []*Func {
	return []*Func{
		{Name: "nullif", MinArgs: 2, MaxArgs: 2, Eval: func(_ *Ctx, a []types.Value) (types.Value, error) {
			if isNull(a[0]) {
				return types.Null, nil
			}
			if Compare("=", a[0], a[1]).Bool() {
				return types.Null, nil
			}
			return a[0], nil
		}},
		{Name: "coalesce", MinArgs: 1, MaxArgs: -1, Eval: func(_ *Ctx, a []types.Value) (types.Value, error) {
			for _, v := range a {
				if !isNull(v) {
					return v, nil
				}
			}
			return types.Null, nil
		}},
	}
}
