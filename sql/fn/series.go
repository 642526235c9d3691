package fn

import (
	"math"

	"github.com/basaltdb/basalt/sql/sqlerr"
	"github.com/basaltdb/basalt/types"
)

// MaxSeries bounds the values one generate_series call makes: the series
// is made whole, as an array its Unnest expands.
const MaxSeries = 10_000_000

// GenerateSeries returns PostgreSQL's generate_series(start, stop [, step])
// as an array: integers (step 1 by default), numbers (a float anywhere
// makes floats, start + k·step), or timestamps with an interval step,
// each value the one before plus the step, as PostgreSQL adds it (months on
// the calendar, so a series from January 31 by a month runs February 29,
// March 29, …). A string beside a timestamp is read as a timestamp (start,
// stop) or an interval (step), as PostgreSQL resolves its untyped literals.
// A NULL argument gives no rows; a zero step is 22023.
func GenerateSeries(args []types.Value) (types.Value, error) {
	for _, a := range args {
		if isNull(a) {
			return types.Array(nil), nil
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
			return types.Value{}, errSeriesArgs(args)
		}
	}
	if float {
		return floatSeries(args)
	}
	start, stop, step := args[0].Int(), args[1].Int(), int64(1)
	if len(args) == 3 {
		step = args[2].Int()
	}
	if step == 0 {
		return types.Value{}, errZeroStep()
	}
	var out []types.Value
	for i := start; (step > 0 && i <= stop) || (step < 0 && i >= stop); i += step {
		if len(out) >= MaxSeries {
			return types.Value{}, errSeriesTooLong()
		}
		out = append(out, types.Int(i))
		if (step > 0 && i > math.MaxInt64-step) || (step < 0 && i < math.MinInt64-step) {
			break
		}
	}
	return types.Array(out), nil
}

func floatSeries(args []types.Value) (types.Value, error) {
	start, stop, step := args[0].Float(), args[1].Float(), 1.0
	if len(args) == 3 {
		step = args[2].Float()
	}
	if step == 0 {
		return types.Value{}, errZeroStep()
	}
	if math.IsNaN(start) || math.IsNaN(stop) || math.IsNaN(step) || math.IsInf(step, 0) {
		return types.Value{}, sqlerr.New("22023", "step size cannot be NaN or infinity")
	}
	var out []types.Value
	for k := 0; ; k++ {
		v := start + float64(k)*step
		if (step > 0 && v > stop) || (step < 0 && v < stop) {
			break
		}
		if len(out) >= MaxSeries {
			return types.Value{}, errSeriesTooLong()
		}
		out = append(out, types.Float(v))
	}
	return types.Array(out), nil
}

func timestampSeries(args []types.Value) (types.Value, error) {
	if len(args) != 3 {
		return types.Value{}, errSeriesArgs(args)
	}
	var ts [2]int64
	for i := range 2 {
		v := args[i]
		if v.Kind() == types.KindString {
			c, err := Cast(v, TypeTimestamp)
			if err != nil {
				return types.Value{}, err
			}
			v = c
		}
		if v.Kind() != types.KindTimestamp {
			return types.Value{}, errSeriesArgs(args)
		}
		ts[i] = v.Micros()
	}
	step := args[2]
	if step.Kind() == types.KindString {
		c, err := Cast(step, TypeInterval)
		if err != nil {
			return types.Value{}, err
		}
		step = c
	}
	if step.Kind() != types.KindInterval {
		return types.Value{}, errSeriesArgs(args)
	}
	iv := intervalOf(step)
	// The step's sign as PostgreSQL's interval comparison with zero
	// tells it: a month counts 30 days.
	span := int64(iv.Months)*30*microsPerDay + int64(iv.Days)*microsPerDay + iv.Micros
	if span == 0 {
		return types.Value{}, errZeroStep()
	}
	var out []types.Value
	for cur := ts[0]; (span > 0 && cur <= ts[1]) || (span < 0 && cur >= ts[1]); cur = AddInterval(cur, iv, 1) {
		if len(out) >= MaxSeries {
			return types.Value{}, errSeriesTooLong()
		}
		out = append(out, types.Timestamp(cur))
	}
	return types.Array(out), nil
}

func errZeroStep() error { return sqlerr.New("22023", "step size cannot equal zero") }

func errSeriesTooLong() error {
	return sqlerr.New(sqlerr.ProgramLimit, "generate_series yields more than 10,000,000 rows")
}

func errSeriesArgs(args []types.Value) error { return errNoFunction("generate_series", args) }
