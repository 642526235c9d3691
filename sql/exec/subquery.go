package exec

import (
	"github.com/basaltdb/basalt/sql/fn"
	"github.com/basaltdb/basalt/sql/plan"
	"github.com/basaltdb/basalt/sql/sqlerr"
	"github.com/basaltdb/basalt/types"
)

// subquery compiles a subquery used as a value. Uncorrelated subqueries
// run once; correlated ones run once per distinct binding of their outer
// columns, memoized.
func (c *compiler) subquery(e *plan.SubqueryExpr) (evalFn, error) {
	var x evalFn
	if e.X != nil {
		var err error
		if x, err = c.compile(e.X); err != nil {
			return nil, err
		}
	}
	outer := make([]evalFn, len(e.Outer))
	for i, id := range e.Outer {
		var from plan.Expr = &plan.ColRef{ID: id}
		if e.OuterFrom != nil {
			from = e.OuterFrom[i]
		}
		f, err := c.compile(from)
		if err != nil {
			return nil, err
		}
		outer[i] = f
	}
	cache := map[string][]Row{}
	var kbuf []byte
	q := c.q
	run := func(r Row) ([]Row, error) {
		vals := make([]types.Value, len(outer))
		for i, f := range outer {
			v, err := f(r)
			if err != nil {
				return nil, err
			}
			vals[i] = v
		}
		kbuf = rowKey(kbuf[:0], vals)
		if rows, ok := cache[string(kbuf)]; ok {
			return rows, nil
		}
		// The subquery reads outer columns from the shared environment.
		saved := make([]*types.Value, len(e.Outer))
		for i, id := range e.Outer {
			saved[i] = q.outer[id]
			v := vals[i]
			q.outer[id] = &v
		}
		rows, err := q.runSub(e.Plan)
		for i, id := range e.Outer {
			q.outer[id] = saved[i]
		}
		if err != nil {
			return nil, err
		}
		cache[string(kbuf)] = rows
		return rows, nil
	}
	switch e.Kind {
	case "scalar":
		return func(r Row) (types.Value, error) {
			rows, err := run(r)
			if err != nil {
				return types.Value{}, err
			}
			switch len(rows) {
			case 0:
				return types.Null, nil
			case 1:
				return rows[0][0], nil
			}
			return types.Value{}, sqlerr.New(sqlerr.CardinalityViolation, "more than one row returned by a subquery used as an expression")
		}, nil
	case "exists":
		not := e.Not
		return func(r Row) (types.Value, error) {
			rows, err := run(r)
			if err != nil {
				return types.Value{}, err
			}
			return types.Bool((len(rows) > 0) != not), nil
		}, nil
	case "rows", "array":
		// An array of the first column's values (ARRAY(subquery)), or of
		// every row as an array of its values: a LATERAL subquery's rows,
		// which an Unnest spreads (plan.Binder.lateralSubquery).
		elem := func(row Row) types.Value { return row[0] }
		if e.Kind == "rows" {
			elem = func(row Row) types.Value { return types.Array(append([]types.Value(nil), row...)) }
		}
		return func(r Row) (types.Value, error) {
			rows, err := run(r)
			if err != nil {
				return types.Value{}, err
			}
			out := make([]types.Value, len(rows))
			for i, row := range rows {
				out[i] = elem(row)
			}
			return types.Array(out), nil
		}, nil
	case "in":
		not, row := e.Not, e.Row
		// The subquery's result (one, unless it is correlated) is hashed
		// once it has enough rows. Only the last one's hash is kept, so a
		// correlated subquery holds one besides its memoized results; a
		// binding met again is hashed again, no dearer than the loop over
		// its rows it replaces.
		var (
			setOf *Row // the first row of the result set hashes
			set   *inSet
			held  int64 // what set is charged
		)
		return func(r Row) (types.Value, error) {
			v, err := x(r)
			if err != nil {
				return v, err
			}
			rows, err := run(r)
			if err != nil {
				return types.Value{}, err
			}
			if len(rows) == 0 {
				return types.Bool(not), nil
			}
			xs := []types.Value{v}
			if row {
				xs = v.Elems()
			}
			if len(rows) >= inSetMinRows && len(xs) <= 64 {
				if setOf != &rows[0] {
					q.mem.grow(-held)
					setOf, set, held = &rows[0], newInSet(rows, len(xs)), int64(len(rows))*16
					if err := q.mem.grow(held); err != nil {
						return types.Value{}, err
					}
				}
				res, added := set.in(xs, not)
				if added > 0 {
					held += added
					if err := q.mem.grow(added); err != nil {
						return types.Value{}, err
					}
				}
				return res, nil
			}
			if row {
				return rowIn(v.Elems(), rows, not), nil
			}
			if isNull(v) {
				return types.Null, nil
			}
			sawNull := false
			for _, row := range rows {
				res := fn.Compare("=", v, row[0])
				if res.Kind() != types.KindBool {
					sawNull = true
				} else if res.Bool() {
					return types.Bool(!not), nil
				}
			}
			if sawNull {
				return types.Null, nil
			}
			return types.Bool(not), nil
		}, nil
	}
	return nil, sqlerr.New(sqlerr.Internal, "unknown subquery kind %q", e.Kind)
}

// rowIn is (x1, x2, …) [NOT] IN (rows) for a non-empty subquery: a row
// matches when each element equals its column, in three-valued logic (a
// NULL pair makes it NULL unless another pair differs); IN is true when a
// row matches, else NULL when one may, else false.
func rowIn(x []types.Value, rows []Row, not bool) types.Value {
	sawNull := false
	for _, row := range rows {
		match := types.Bool(true)
		for i, v := range x {
			res := fn.Compare("=", v, row[i])
			if res.Kind() != types.KindBool {
				match = types.Null
			} else if !res.Bool() {
				match = types.Bool(false)
				break
			}
		}
		if match.Kind() != types.KindBool {
			sawNull = true
		} else if match.Bool() {
			return types.Bool(!not)
		}
	}
	if sawNull {
		return types.Null
	}
	return types.Bool(not)
}

// runSub runs a subquery plan to completion.
func (q *Query) runSub(n plan.Node) ([]Row, error) {
	op, err := q.build(n)
	if err != nil {
		return nil, err
	}
	return q.drain(q.ctx, op)
}
