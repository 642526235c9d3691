package fn

import (
	"math"
	"time"

	"github.com/basaltdb/basalt/sql/sqlerr"
	"github.com/basaltdb/basalt/types"
)

// makeFuncs are PostgreSQL's constructors of intervals and timestamps.
func makeFuncs() []*Func {
	return []*Func{
		{Name: "make_interval", MinArgs: 0, MaxArgs: 7, NullIn: true, Eval: evalMakeInterval},
		{Name: "make_date", MinArgs: 3, MaxArgs: 3, NullIn: true, Eval: func(_ *Ctx, a []types.Value) (types.Value, error) {
			return makeTimestamp("make_date", a, 0, 0, 0)
		}},
		{Name: "make_timestamp", MinArgs: 6, MaxArgs: 6, NullIn: true, Eval: evalMakeTimestamp("make_timestamp")},
		{Name: "make_timestamptz", MinArgs: 6, MaxArgs: 6, NullIn: true, Eval: evalMakeTimestamp("make_timestamptz")},
	}
}

// evalMakeInterval is make_interval(years, months, weeks, days, hours,
// mins, secs): integers but for the seconds, missing ones 0.
func evalMakeInterval(_ *Ctx, a []types.Value) (types.Value, error) {
	var n [7]int64
	secs := 0.0
	for i, v := range a {
		if i == 6 {
			if !v.Kind().IsNumeric() {
				return types.Value{}, errNoFunction("make_interval", a)
			}
			secs = v.Float()
			continue
		}
		if v.Kind() != types.KindInt {
			return types.Value{}, errNoFunction("make_interval", a)
		}
		n[i] = v.Int()
	}
	if math.IsNaN(secs) || math.IsInf(secs, 0) || math.Abs(secs) > 9e12 {
		return types.Value{}, errOutOfRange("interval")
	}
	months, ok1 := mulInt(n[0], 12)
	months, ok2 := addInt(months, n[1])
	days, ok3 := mulInt(n[2], 7)
	days, ok4 := addInt(days, n[3])
	us, ok5 := mulInt(n[4], 3600*microsPerSecond)
	m, ok6 := mulInt(n[5], 60*microsPerSecond)
	us, ok7 := addInt(us, m)
	us, ok8 := addInt(us, int64(math.Round(secs*1e6)))
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7 && ok8) {
		return types.Value{}, errOutOfRange("interval")
	}
	return makeInterval(months, days, us)
}

func evalMakeTimestamp(name string) func(*Ctx, []types.Value) (types.Value, error) {
	return func(_ *Ctx, a []types.Value) (types.Value, error) {
		if a[3].Kind() != types.KindInt || a[4].Kind() != types.KindInt || !a[5].Kind().IsNumeric() {
			return types.Value{}, errNoFunction(name, a)
		}
		return makeTimestamp(name, a[:3], a[3].Int(), a[4].Int(), a[5].Float())
	}
}

// makeTimestamp is the instant of year, month and day (a[:3]) at
// hour:min:sec UTC, each field checked as PostgreSQL checks it.
func makeTimestamp(name string, a []types.Value, hour, min int64, sec float64) (types.Value, error) {
	for _, v := range a {
		if v.Kind() != types.KindInt {
			return types.Value{}, errNoFunction(name, a)
		}
	}
	y, mo, d := a[0].Int(), a[1].Int(), a[2].Int()
	bad := func() (types.Value, error) {
		return types.Value{}, sqlerr.New(codeDatetimeOverflow, "date field value out of range: %d-%02d-%02d", y, mo, d)
	}
	if y < 1 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 {
		return bad()
	}
	t := time.Date(int(y), time.Month(mo), int(d), 0, 0, 0, 0, time.UTC)
	if t.Day() != int(d) {
		return bad()
	}
	if hour < 0 || hour > 24 || min < 0 || min > 59 || !(sec >= 0 && sec <= 60) || hour == 24 && (min > 0 || sec > 0) {
		return types.Value{}, sqlerr.New(codeDatetimeOverflow, "time field value out of range: %d:%02d:%02g", hour, min, sec)
	}
	us := t.UnixMicro() + hour*3600*microsPerSecond + min*60*microsPerSecond + int64(math.Round(sec*1e6))
	return types.Timestamp(us), nil
}
