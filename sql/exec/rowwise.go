package exec

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"

	"github.com/basaltdb/basalt/sql/fn"
	"github.com/basaltdb/basalt/sql/plan"
	"github.com/basaltdb/basalt/sql/sqlerr"
	"github.com/basaltdb/basalt/types"
)

// This file is the engine's evaluation exported for callers that run a
// bound SELECT one row at a time outside a Query: ingest transformations
// (ingest/transform), which must fail one document rather than the whole
// batch when an expression fails, and ingest rollups, which keep aggregate
// states in documents and fold new rows into them. Both use the same
// compiled expressions and accumulators as queries, so a transformation
// computes what the same SELECT computes.

// RowFunc is a compiled expression evaluated on one row.
type RowFunc func(Row) (types.Value, error)

// CompileRow compiles exprs over rows laid out as cols. The functions share
// buffers: they are not safe for concurrent use, and the values they return
// may alias the row. Subqueries are not supported (the caller rejects them
// before binding).
func CompileRow(fctx *fn.Ctx, cols []plan.ColID, exprs []plan.Expr) ([]RowFunc, error) {
	q := NewQuery(fctx, Limits{})
	lay := layoutOf(cols)
	out := make([]RowFunc, len(exprs))
	for i, e := range exprs {
		f, err := q.compile(e, lay)
		if err != nil {
			return nil, err
		}
		out[i] = RowFunc(f)
	}
	return out, nil
}

// GroupKey appends the grouping key of vals, as GROUP BY compares them: 1
// and 1.0 are one group, NULL and undefined are one group, objects compare
// whatever their fields' order. The encoding is deterministic across
// processes.
func GroupKey(dst []byte, vals []types.Value) []byte { return rowKey(dst, vals) }

// AggState is the mergeable state of one aggregate call, which can be saved
// into a document and loaded back: the state an ingest rollup keeps per
// group.
type AggState struct {
	acc accumulator
}

// CheckRollupAgg reports whether call can be kept as an AggState, with an
// error that names the aggregate when it cannot.
func CheckRollupAgg(call plan.AggCall) error {
	_, err := NewAggState(call)
	return err
}

// NewAggState returns the empty state of call. Only aggregates whose state
// merges exactly (COUNT, COUNT_IF, SUM, AVG, the variances, MIN, MAX,
// BOOL_AND/OR, APPROX_COUNT_DISTINCT) are supported, without DISTINCT or
// ORDER BY.
func NewAggState(call plan.AggCall) (*AggState, error) {
	if call.Distinct {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "%s(DISTINCT …) cannot be maintained incrementally; use APPROX_COUNT_DISTINCT", call.Name)
	}
	if len(call.OrderBy) > 0 {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "%s with ORDER BY cannot be maintained incrementally", call.Name)
	}
	s := &aggSpec{call: call}
	acc := s.newAcc()
	switch acc.(type) {
	case *countAcc, *countIfAcc, *sumAcc, *statsAcc, *minMaxAcc, *boolAcc, *hll:
		return &AggState{acc: acc}, nil
	}
	return nil, sqlerr.New(sqlerr.FeatureNotSupported, "aggregate %s cannot be maintained incrementally; use COUNT, SUM, AVG, MIN, MAX, STDDEV/VARIANCE, BOOL_AND/OR or APPROX_COUNT_DISTINCT", call.Name)
}

// Add folds one row's arguments into the state (COUNT(*) takes none).
func (s *AggState) Add(args []types.Value) error {
	if c, ok := s.acc.(*countAcc); ok && c.star {
		c.n++
		return nil
	}
	return s.acc.add(args)
}

// Merge folds o, a state of the same aggregate call, into s.
func (s *AggState) Merge(o *AggState) { s.acc.(merger).merge(o.acc) }

// Result returns the aggregate's value, as the query would compute it.
func (s *AggState) Result() (types.Value, error) { return s.acc.result() }

// Save returns the state as a value that Load reads back.
func (s *AggState) Save() types.Value {
	switch a := s.acc.(type) {
	case *countAcc:
		return types.Int(a.n)
	case *countIfAcc:
		return types.Int(a.n)
	case *sumAcc:
		if v, err := a.result(); err == nil {
			return v
		}
	case *statsAcc:
		st := []types.Value{types.Float(a.n), types.Float(a.sum), types.Float(a.mean), types.Float(a.m2)}
		if a.ivn > 0 {
			st = append(st, types.Float(a.ivn), a.ivs)
		}
		return types.Array(st)
	case *minMaxAcc:
		if a.has {
			return a.v
		}
		return types.Null
	case *boolAcc:
		if a.has {
			return types.Bool(a.v)
		}
		return types.Null
	case *hll:
		return types.String(a.save())
	}
	return types.Null
}

// Load replaces the state with a saved one.
func (s *AggState) Load(v types.Value) error {
	bad := func() error {
		return fmt.Errorf("corrupt saved aggregate state %s", v.JSON())
	}
	switch a := s.acc.(type) {
	case *countAcc:
		if v.Kind() != types.KindInt {
			return bad()
		}
		a.n = v.Int()
	case *countIfAcc:
		if v.Kind() != types.KindInt {
			return bad()
		}
		a.n = v.Int()
	case *sumAcc:
		*a = sumAcc{}
		switch v.Kind() {
		case types.KindInt:
			a.any, a.i = true, v.Int()
		case types.KindFloat:
			a.any, a.isFloat, a.f = true, true, v.Float()
		case types.KindInterval:
			a.ivs = v
		case types.KindNull:
		default:
			return bad()
		}
	case *statsAcc:
		if v.Kind() != types.KindArray || (v.Len() != 4 && v.Len() != 6) {
			return bad()
		}
		e := v.Elems()
		for _, x := range e[:min(len(e), 5)] {
			if x.Kind() != types.KindFloat {
				return bad()
			}
		}
		a.n, a.sum, a.mean, a.m2 = e[0].Float(), e[1].Float(), e[2].Float(), e[3].Float()
		a.ivn, a.ivs = 0, types.Value{}
		if len(e) == 6 {
			if e[5].Kind() != types.KindInterval {
				return bad()
			}
			a.ivn, a.ivs = e[4].Float(), e[5]
		}
	case *minMaxAcc:
		a.has, a.v = !isNull(v), v
	case *boolAcc:
		a.has = !isNull(v)
		if a.has {
			if v.Kind() != types.KindBool {
				return bad()
			}
			a.v = v.Bool()
		}
	case *hll:
		if v.Kind() != types.KindString || a.load(v.Str()) != nil {
			return bad()
		}
	}
	return nil
}

// save encodes the registers: sparse (index, rank pairs) while few are set,
// dense otherwise. A rollup keeps one sketch per group, and most groups
// (a device's minute) see few distinct values, so the sparse form keeps
// the document small.
func (h *hll) save() string {
	n := 0
	for _, r := range h.reg {
		if r != 0 {
			n++
		}
	}
	var buf []byte
	if 3*n < len(h.reg) {
		buf = make([]byte, 1, 1+3*n)
		buf[0] = 's'
		for i, r := range h.reg {
			if r != 0 {
				buf = binary.BigEndian.AppendUint16(buf, uint16(i))
				buf = append(buf, r)
			}
		}
	} else {
		buf = append([]byte{'d'}, h.reg...)
	}
	return base64.RawStdEncoding.EncodeToString(buf)
}

func (h *hll) load(s string) error {
	buf, err := base64.RawStdEncoding.DecodeString(s)
	if err != nil || len(buf) == 0 {
		return fmt.Errorf("bad sketch")
	}
	clear(h.reg)
	switch buf[0] {
	case 's':
		b := buf[1:]
		if len(b)%3 != 0 {
			return fmt.Errorf("bad sketch")
		}
		for ; len(b) > 0; b = b[3:] {
			i := int(binary.BigEndian.Uint16(b))
			if i >= len(h.reg) {
				return fmt.Errorf("bad sketch")
			}
			h.reg[i] = b[2]
		}
	case 'd':
		if len(buf)-1 != len(h.reg) {
			return fmt.Errorf("bad sketch")
		}
		copy(h.reg, buf[1:])
	default:
		return fmt.Errorf("bad sketch")
	}
	return nil
}
