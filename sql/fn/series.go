package fn

import (
	"math"

	"github.com/basaltdb/basalt/sql/sqlerr"
	"github.com/basaltdb/basalt/types"
)

// MaxSeries bounds the values one generate_series call makes as an array
// (GenerateSeries). An Unnest, which is how generate_series runs in FROM
// and in a select list, streams its values from a Series instead, without
// a bound: memory holds one batch.
const MaxSeries = 10_000_000

// Series yields the values of PostgreSQL's generate_series(start, stop [,
// step]) one at a time: integers (step 1 by default), numbers (a float
// anywhere makes floats, start + k·step), or timestamps with an interval
// step, each value the one before plus the step, as PostgreSQL adds it
// (months on the calendar, so a series from January 31 by a month runs
// February 29, March 29, …). A string beside a timestamp is read as a
// timestamp (start, stop) or an interval (step), as PostgreSQL resolves
// its untyped literals.
type Series struct {
	kind types.Kind // KindInt, KindFloat or KindTimestamp
	done bool
	// Integers and timestamps: the next value and the stop.
	cur, stop int64
	step      int64
	// Floats: start + k·step up to fstop.
	fstart, fstop, fstep float64
	k                    int64
	// Timestamps: the step and its sign (a month counts 30 days).
	iv   Interval
	span int64
}

// NewSeries starts generate_series(args…). A NULL argument gives no rows;
// a zero step is 22023.
func NewSeries(args []types.Value) (*Series, error) {
	for _, a := range args {
		if isNull(a) {
			return &Series{done: true}, nil
		}
	}
	timed := false
	for _, a := range args {
		timed = timed || a.Kind() == types.KindTimestamp || a.Kind() == types.KindInterval
	}
	if timed {
		return timestampSeries(args)
	}
	float := false
	for _, a := range args {
		switch a.Kind() {
		case types.KindInt:
		case types.KindFloat:
			float = true
		default:
			return nil, errSeriesArgs(args)
		}
	}
	if float {
		return floatSeries(args)
	}
	s := &Series{kind: types.KindInt, cur: args[0].Int(), stop: args[1].Int(), step: 1}
	if len(args) == 3 {
		s.step = args[2].Int()
	}
	if s.step == 0 {
		return nil, errZeroStep()
	}
	return s, nil
}

// Next returns the next value, false when the series has ended.
func (s *Series) Next() (types.Value, bool) {
	if s.done {
		return types.Value{}, false
	}
	switch s.kind {
	case types.KindInt:
		i, step := s.cur, s.step
		if (step > 0 && i > s.stop) || (step < 0 && i < s.stop) {
			s.done = true
			return types.Value{}, false
		}
		if (step > 0 && i > math.MaxInt64-step) || (step < 0 && i < math.MinInt64-step) {
			s.done = true // the next value would overflow
		}
		s.cur += step
		return types.Int(i), true
	case types.KindFloat:
		v := s.fstart + float64(s.k)*s.fstep
		if (s.fstep > 0 && v > s.fstop) || (s.fstep < 0 && v < s.fstop) {
			s.done = true
			return types.Value{}, false
		}
		s.k++
		return types.Float(v), true
	}
	cur := s.cur
	if (s.span > 0 && cur > s.stop) || (s.span < 0 && cur < s.stop) {
		s.done = true
		return types.Value{}, false
	}
	s.cur = AddInterval(cur, s.iv, 1)
	return types.Timestamp(cur), true
}

// GenerateSeries returns generate_series(args…) as an array, at most
// MaxSeries values (54000 beyond).
func GenerateSeries(args []types.Value) (types.Value, error) {
	s, err := NewSeries(args)
	if err != nil {
		return types.Value{}, err
	}
	var out []types.Value
	for {
		v, ok := s.Next()
		if !ok {
			return types.Array(out), nil
		}
		if len(out) >= MaxSeries {
			return types.Value{}, errSeriesTooLong()
		}
		out = append(out, v)
	}
}

func floatSeries(args []types.Value) (*Series, error) {
	s := &Series{kind: types.KindFloat, fstart: args[0].Float(), fstop: args[1].Float(), fstep: 1}
	if len(args) == 3 {
		s.fstep = args[2].Float()
	}
	if s.fstep == 0 {
		return nil, errZeroStep()
	}
	if math.IsNaN(s.fstart) || math.IsNaN(s.fstop) || math.IsNaN(s.fstep) || math.IsInf(s.fstep, 0) {
		return nil, sqlerr.New("22023", "step size cannot be NaN or infinity")
	}
	return s, nil
}

func timestampSeries(args []types.Value) (*Series, error) {
	if len(args) != 3 {
		return nil, errSeriesArgs(args)
	}
	var ts [2]int64
	for i := range 2 {
		v := args[i]
		if v.Kind() == types.KindString {
			c, err := Cast(v, TypeTimestamp)
			if err != nil {
				return nil, err
			}
			v = c
		}
		if v.Kind() != types.KindTimestamp {
			return nil, errSeriesArgs(args)
		}
		ts[i] = v.Micros()
	}
	step := args[2]
	if step.Kind() == types.KindString {
		c, err := Cast(step, TypeInterval)
		if err != nil {
			return nil, err
		}
		step = c
	}
	if step.Kind() != types.KindInterval {
		return nil, errSeriesArgs(args)
	}
	iv := intervalOf(step)
	// The step's sign as PostgreSQL's interval comparison with zero
	// tells it: a month counts 30 days.
	span := int64(iv.Months)*30*microsPerDay + int64(iv.Days)*microsPerDay + iv.Micros
	if span == 0 {
		return nil, errZeroStep()
	}
	return &Series{kind: types.KindTimestamp, cur: ts[0], stop: ts[1], iv: iv, span: span}, nil
}

func errZeroStep() error { return sqlerr.New("22023", "step size cannot equal zero") }

func errSeriesTooLong() error {
	return sqlerr.New(sqlerr.ProgramLimit, "generate_series yields more than 10,000,000 rows")
}

func errSeriesArgs(args []types.Value) error { return errNoFunction("generate_series", args) }
