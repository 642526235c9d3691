package exec

import (
	"fmt"
	"testing"

	"github.com/basaltdb/basalt/sql/plan"
	"github.com/basaltdb/basalt/types"
)

// TestAggStateSaveLoad: splitting rows between states, saving and loading
// them and merging gives what one state over all rows gives, for every
// aggregate a rollup can keep.
func TestAggStateSaveLoad(t *testing.T) {
	var vals []types.Value
	for i := range 3000 {
		switch i % 7 {
		case 0:
			vals = append(vals, types.Null)
		case 1:
			vals = append(vals, types.Float(float64(i)/4))
		default:
			vals = append(vals, types.Int(int64(i*i%1013)))
		}
	}
	vals = append(vals, types.Int(1<<62), types.Int(1<<62)) // SUM overflows to float
	for _, c := range []plan.AggCall{
		{Name: "count", Star: true}, {Name: "count"}, {Name: "count_if"}, {Name: "sum"}, {Name: "avg"},
		{Name: "stddev"}, {Name: "var_pop"}, {Name: "min"}, {Name: "max"}, {Name: "bool_or"}, {Name: "approx_count_distinct"},
	} {
		arg := func(v types.Value) []types.Value {
			switch c.Name {
			case "count_if", "bool_or":
				if v.Kind() == types.KindNull {
					return []types.Value{v}
				}
				return []types.Value{types.Bool(v.Kind() == types.KindInt && v.Int()%2 == 0)}
			}
			return []types.Value{v}
		}
		t.Run(c.Name, func(t *testing.T) {
			whole, _ := NewAggState(c)
			for _, v := range vals {
				if err := whole.Add(arg(v)); err != nil {
					t.Fatal(err)
				}
			}
			acc, _ := NewAggState(c)
			for part := 0; part < len(vals); part += 500 {
				p, _ := NewAggState(c)
				for _, v := range vals[part:min(part+500, len(vals))] {
					p.Add(arg(v))
				}
				loaded, _ := NewAggState(c)
				if err := loaded.Load(acc.Save()); err != nil {
					t.Fatal(err)
				}
				loaded.Merge(p)
				acc = loaded
			}
			w, _ := whole.Result()
			g, _ := acc.Result()
			// Float sums differ only in rounding with the order of
			// additions; everything else must be equal.
			if w.JSON() != g.JSON() && !(w.Kind() == types.KindFloat && g.Kind() == types.KindFloat && fmt.Sprintf("%.9g", w.Float()) == fmt.Sprintf("%.9g", g.Float())) {
				t.Fatalf("merged %s, want %s", g.JSON(), w.JSON())
			}
		})
	}
	if _, err := NewAggState(plan.AggCall{Name: "array_agg"}); err == nil {
		t.Fatal("array_agg kept as a rollup state")
	}
	if _, err := NewAggState(plan.AggCall{Name: "count", Distinct: true}); err == nil {
		t.Fatal("count(distinct) kept as a rollup state")
	}
	h, _ := NewAggState(plan.AggCall{Name: "approx_count_distinct"})
	if err := h.Load(types.String("garbage!")); err == nil {
		t.Fatal("corrupt sketch loaded")
	}
}

// TestHLLDense: a sketch with most registers set saves densely and loads
// back to the same estimate.
func TestHLLDense(t *testing.T) {
	s, _ := NewAggState(plan.AggCall{Name: "approx_count_distinct"})
	for i := range 50000 {
		s.Add([]types.Value{types.Int(int64(i))})
	}
	saved := s.Save()
	if len(saved.Str()) < 16384 {
		t.Fatalf("saved sketch is %d bytes; want the dense form", len(saved.Str()))
	}
	l, _ := NewAggState(plan.AggCall{Name: "approx_count_distinct"})
	if err := l.Load(saved); err != nil {
		t.Fatal(err)
	}
	a, _ := s.Result()
	b, _ := l.Result()
	if a.Int() != b.Int() || a.Int() < 49000 || a.Int() > 51000 {
		t.Fatalf("estimates %d and %d for 50000", a.Int(), b.Int())
	}
}
