package fn

import (
	"math"
	"strings"
	"time"

	"github.com/basaltdb/basalt/sql/sqlerr"
	"github.com/basaltdb/basalt/types"
)

// timeFuncs are the date and time functions. They work on timestamps
// (microseconds UTC); there is no session time zone.
func timeFuncs() []*Func {
	now := &Func{Name: "now", Volatile: true, Stable: true, Eval: func(c *Ctx, _ []types.Value) (types.Value, error) {
		return types.Timestamp(c.Now), nil
	}}
	extract := &Func{Name: "extract", MinArgs: 2, MaxArgs: 2, NullIn: true, Eval: evalExtract}
	return []*Func{
		now,
		alias("current_timestamp", now),
		{Name: "current_date", Volatile: true, Stable: true, Eval: func(c *Ctx, _ []types.Value) (types.Value, error) {
			return types.Timestamp(floorDiv(c.Now, microsPerDay) * microsPerDay), nil
		}},
		{Name: "date_trunc", MinArgs: 2, MaxArgs: 2, NullIn: true, Eval: evalDateTrunc},
		extract,
		alias("date_part", extract),
		{Name: "to_timestamp", MinArgs: 1, MaxArgs: 2, NullIn: true, Eval: func(c *Ctx, a []types.Value) (types.Value, error) {
			if len(a) == 2 {
				return evalToTimestampText("to_timestamp", false)(c, a)
			}
			return evalToTimestamp(c, a)
		}},
		{Name: "to_date", MinArgs: 2, MaxArgs: 2, NullIn: true, Eval: evalToTimestampText("to_date", true)},
		{Name: "timestamp_seconds", MinArgs: 1, MaxArgs: 1, NullIn: true, Eval: fromUnix(microsPerSecond)},
		{Name: "timestamp_millis", MinArgs: 1, MaxArgs: 1, NullIn: true, Eval: fromUnix(1000)},
		{Name: "timestamp_micros", MinArgs: 1, MaxArgs: 1, NullIn: true, Eval: fromUnix(1)},
		{Name: "unix_seconds", MinArgs: 1, MaxArgs: 1, NullIn: true, Eval: toUnix(microsPerSecond)},
		{Name: "unix_millis", MinArgs: 1, MaxArgs: 1, NullIn: true, Eval: toUnix(1000)},
		{Name: "unix_micros", MinArgs: 1, MaxArgs: 1, NullIn: true, Eval: toUnix(1)},
		{Name: "parse_timestamp_iso8601", MinArgs: 1, MaxArgs: 1, NullIn: true, Eval: func(_ *Ctx, a []types.Value) (types.Value, error) {
			if a[0].Kind() != types.KindString {
				return types.Value{}, errNoFunction("parse_timestamp_iso8601", a)
			}
			us, err := ParseTimestamp(a[0].Str())
			if err != nil {
				return types.Value{}, err
			}
			return types.Timestamp(us), nil
		}},
		{Name: "format_iso8601", MinArgs: 1, MaxArgs: 1, NullIn: true, Eval: func(_ *Ctx, a []types.Value) (types.Value, error) {
			if a[0].Kind() != types.KindTimestamp {
				return types.Value{}, errNoFunction("format_iso8601", a)
			}
			return types.String(FormatTimestamp(a[0].Micros())), nil
		}},
		{Name: "time_bucket", MinArgs: 2, MaxArgs: 3, NullIn: true, Eval: evalTimeBucket},
		{Name: "date_bin", MinArgs: 3, MaxArgs: 3, NullIn: true, Eval: evalDateBin},
	}
}

func errUnit(unit string) error {
	return sqlerr.New(codeInvalidArgument, "unit %q not recognized for type timestamp", unit)
}

// TruncTimestamp truncates ts to the start of unit (any spelling of
// microseconds through millennium that PostgreSQL accepts); weeks start on
// Monday, as ISO-8601 has them; centuries and millennia start at years
// ending in 01, as in PostgreSQL.
func TruncTimestamp(unit string, ts int64) (int64, error) {
	u, ok := units[unit] // the usual spelling, without a copy
	if !ok {
		if u, ok = units[strings.ToLower(strings.TrimSpace(unit))]; !ok {
			return 0, errUnit(unit)
		}
	}
	day := floorDiv(ts, microsPerDay)
	switch u {
	case "microsecond":
		return ts, nil
	case "millisecond":
		return floorDiv(ts, 1000) * 1000, nil
	case "second":
		return floorDiv(ts, microsPerSecond) * microsPerSecond, nil
	case "minute":
		return floorDiv(ts, microsPerMinute) * microsPerMinute, nil
	case "hour":
		return floorDiv(ts, microsPerHour) * microsPerHour, nil
	case "day":
		return day * microsPerDay, nil
	case "week":
		// Day 0, 1970-01-01, was a Thursday: Monday is day -3.
		return (floorDiv(day+3, 7)*7 - 3) * microsPerDay, nil
	}
	y, m, _ := civil(day)
	switch u {
	case "month":
	case "quarter":
		m = (m-1)/3*3 + 1
	case "year":
		m = 1
	case "decade":
		y, m = int(floorDiv(int64(y), 10)*10), 1
	case "century":
		y, m = int(floorDiv(int64(y+99), 100)-1)*100+1, 1
	case "millennium":
		y, m = int(floorDiv(int64(y+999), 1000)-1)*1000+1, 1
	}
	return daysFromCivil(y, m, 1) * microsPerDay, nil
}

// TruncWidth returns the fixed width in microseconds of a date_trunc unit
// whose buckets are multiples of it since the epoch (microsecond to day);
// false for week and the calendar units.
func TruncWidth(unit string) (int64, bool) {
	u, ok := units[unit]
	if !ok {
		if u, ok = units[strings.ToLower(strings.TrimSpace(unit))]; !ok {
			return 0, false
		}
	}
	switch u {
	case "microsecond":
		return 1, true
	case "millisecond":
		return 1000, true
	case "second":
		return microsPerSecond, true
	case "minute":
		return microsPerMinute, true
	case "hour":
		return microsPerHour, true
	case "day":
		return microsPerDay, true
	}
	return 0, false
}

func evalDateTrunc(_ *Ctx, a []types.Value) (types.Value, error) {
	if a[0].Kind() != types.KindString || a[1].Kind() != types.KindTimestamp {
		return types.Value{}, errNoFunction("date_trunc", a)
	}
	ts, err := TruncTimestamp(a[0].Str(), a[1].Micros())
	if err != nil {
		return types.Value{}, err
	}
	return types.Timestamp(ts), nil
}

// Extract returns field of ts as EXTRACT does in PostgreSQL 14 and later:
// an int when the answer is integral, else a float; second and epoch are
// always floats (they carry fractions).
func Extract(field string, ts int64) (types.Value, error) {
	f := strings.ToLower(strings.TrimSpace(field))
	if u, ok := units[f]; ok {
		f = u
	}
	t := time.UnixMicro(ts).UTC()
	usInMinute := ts - floorDiv(ts, microsPerMinute)*microsPerMinute
	y := int64(t.Year())
	var n int64
	switch f {
	case "microsecond":
		n = usInMinute
	case "millisecond":
		if usInMinute%1000 != 0 {
			return types.Float(float64(usInMinute) / 1000), nil
		}
		n = usInMinute / 1000
	case "second":
		return types.Float(float64(usInMinute) / 1e6), nil
	case "epoch":
		return types.Float(float64(ts) / 1e6), nil
	case "minute":
		n = int64(t.Minute())
	case "hour":
		n = int64(t.Hour())
	case "day":
		n = int64(t.Day())
	case "dow":
		n = int64(t.Weekday())
	case "isodow":
		n = int64(t.Weekday())
		if n == 0 {
			n = 7
		}
	case "doy":
		n = int64(t.YearDay())
	case "week":
		_, w := t.ISOWeek()
		n = int64(w)
	case "isoyear":
		iy, _ := t.ISOWeek()
		n = int64(iy)
	case "month":
		n = int64(t.Month())
	case "quarter":
		n = (int64(t.Month())-1)/3 + 1
	case "year":
		n = y
	case "decade":
		n = floorDiv(y, 10)
	case "century":
		n = floorDiv(y+99, 100)
	case "millennium":
		n = floorDiv(y+999, 1000)
	default:
		return types.Value{}, errUnit(field)
	}
	return types.Int(n), nil
}

func evalExtract(_ *Ctx, a []types.Value) (types.Value, error) {
	if a[0].Kind() == types.KindString && a[1].Kind() == types.KindInterval {
		return extractInterval(a[0].Str(), a[1])
	}
	if a[0].Kind() != types.KindString || a[1].Kind() != types.KindTimestamp {
		return types.Value{}, errNoFunction("extract", a)
	}
	return Extract(a[0].Str(), a[1].Micros())
}

// extractInterval is EXTRACT(field FROM interval), as PostgreSQL's
// interval_part: the field of the interval as written (`EXTRACT(hour FROM
// INTERVAL '1 day 3 hours')` is 3); epoch counts a year as 365.25 days and
// a month as 30.
func extractInterval(field string, v types.Value) (types.Value, error) {
	f := strings.ToLower(strings.TrimSpace(field))
	if u, ok := units[f]; ok {
		f = u
	}
	y, mo, d, h, mi, us := types.IntervalParts(v)
	switch f {
	case "microsecond":
		return types.Int(us), nil
	case "millisecond":
		if us%1000 != 0 {
			return types.Float(float64(us) / 1000), nil
		}
		return types.Int(us / 1000), nil
	case "second":
		return types.Float(float64(us) / 1e6), nil
	case "minute":
		return types.Int(mi), nil
	case "hour":
		return types.Int(h), nil
	case "day":
		return types.Int(d), nil
	case "month":
		return types.Int(mo), nil
	case "quarter":
		return types.Int(mo/3 + 1), nil
	case "year":
		return types.Int(y), nil
	case "decade":
		return types.Int(y / 10), nil
	case "century":
		return types.Int(y / 100), nil
	case "millennium":
		return types.Int(y / 1000), nil
	case "epoch":
		m := float64(v.IntervalMonths())
		days := math.Trunc(m/12)*365.25 + math.Mod(m, 12)*30 + float64(v.IntervalDays())
		return types.Float(days*86400 + float64(v.Micros())/1e6), nil
	}
	return types.Value{}, sqlerr.New(codeInvalidArgument, "unit %q not supported for type interval", field)
}

// minTimestamp and maxTimestamp bound to_timestamp to years 1 through 9999,
// the range ParseTimestamp accepts.
const (
	minTimestamp = -62135596800 * microsPerSecond // 0001-01-01
	maxTimestamp = 253402300800*microsPerSecond - 1
)

func evalToTimestamp(_ *Ctx, a []types.Value) (types.Value, error) {
	if !a[0].Kind().IsNumeric() {
		return types.Value{}, errNoFunction("to_timestamp", a)
	}
	f := a[0].Float()
	if math.IsNaN(f) {
		return types.Value{}, sqlerr.New(codeDatetimeOverflow, "timestamp cannot be NaN")
	}
	us := math.RoundToEven(f * 1e6)
	if !(us >= float64(minTimestamp) && us <= float64(maxTimestamp)) {
		return types.Value{}, sqlerr.New(codeDatetimeOverflow, "timestamp out of range: %q", FormatFloat(f))
	}
	return types.Timestamp(int64(us)), nil
}

func fromUnix(scale int64) func(*Ctx, []types.Value) (types.Value, error) {
	return func(_ *Ctx, a []types.Value) (types.Value, error) {
		if a[0].Kind() != types.KindInt {
			return types.Value{}, errNoFunction("timestamp_from_unix", a)
		}
		us, ok := mulInt(a[0].Int(), scale)
		if !ok {
			return types.Value{}, errOutOfRange("timestamp")
		}
		return types.Timestamp(us), nil
	}
}

func toUnix(scale int64) func(*Ctx, []types.Value) (types.Value, error) {
	return func(_ *Ctx, a []types.Value) (types.Value, error) {
		if a[0].Kind() != types.KindTimestamp {
			return types.Value{}, errNoFunction("unix_time", a)
		}
		return types.Int(floorDiv(a[0].Micros(), scale)), nil
	}
}

// stride reads a bucket width: an interval string of fixed length (no
// months or years) or an int of microseconds. It must be positive.
func stride(name string, v types.Value) (int64, error) {
	var us int64
	switch v.Kind() {
	case types.KindInt:
		us = v.Int()
	case types.KindString:
		iv, err := ParseInterval(v.Str(), "")
		if err != nil {
			return 0, err
		}
		if iv.Months != 0 {
			return 0, sqlerr.New(sqlerr.FeatureNotSupported, "timestamps cannot be binned into intervals containing months or years")
		}
		us = int64(iv.Days)*microsPerDay + iv.Micros
	case types.KindInterval:
		if v.IntervalMonths() != 0 {
			return 0, sqlerr.New(sqlerr.FeatureNotSupported, "timestamps cannot be binned into intervals containing months or years")
		}
		us = int64(v.IntervalDays())*microsPerDay + v.Micros()
	default:
		return 0, errNoFunction(name, []types.Value{v})
	}
	if us <= 0 {
		return 0, sqlerr.New(codeDatetimeOverflow, "stride must be greater than zero")
	}
	return us, nil
}

// bin returns the start of the stride-wide bin, counted from origin, that
// holds ts.
func bin(ts, stride, origin int64) (int64, error) {
	d, ok := subInt(ts, origin)
	if !ok {
		return 0, errOutOfRange("timestamp")
	}
	r, ok := addInt(origin, floorDiv(d, stride)*stride)
	if !ok {
		return 0, errOutOfRange("timestamp")
	}
	return r, nil
}

// evalTimeBucket is TIME_BUCKET(width, ts[, origin]); the default origin is
// the Unix epoch, so buckets that divide a day align to midnight UTC.
func evalTimeBucket(_ *Ctx, a []types.Value) (types.Value, error) {
	w, err := stride("time_bucket", a[0])
	if err != nil {
		return types.Value{}, err
	}
	if a[1].Kind() != types.KindTimestamp {
		return types.Value{}, errNoFunction("time_bucket", a)
	}
	var origin int64
	if len(a) == 3 {
		if origin, err = originArg("time_bucket", a, 2); err != nil {
			return types.Value{}, err
		}
	}
	r, err := bin(a[1].Micros(), w, origin)
	if err != nil {
		return types.Value{}, err
	}
	return types.Timestamp(r), nil
}

// originArg reads a bucket origin: a timestamp, or a string that reads as
// one (PostgreSQL types the literal in date_bin('15 minutes', ts,
// '2024-01-01') by the parameter).
func originArg(name string, a []types.Value, i int) (int64, error) {
	switch a[i].Kind() {
	case types.KindTimestamp:
		return a[i].Micros(), nil
	case types.KindString:
		v, err := Cast(a[i], TypeTimestamp)
		if err != nil {
			return 0, err
		}
		return v.Micros(), nil
	}
	return 0, errNoFunction(name, a)
}

// Binner returns the function that TIME_BUCKET(width, ts[, origin]) or
// DATE_BIN(stride, ts, origin) (name) applies to a timestamp ts, given
// the call's arguments (ts's place holds anything, as the other arguments
// are constants), and the bins' width; false for arguments the call
// refuses, whose row evaluation reports why.
func Binner(name string, args []types.Value) (func(int64) (int64, error), int64, bool) {
	if name != "time_bucket" && name != "date_bin" || len(args) < 2 || len(args) > 3 || name == "date_bin" && len(args) != 3 {
		return nil, 0, false
	}
	w, err := stride(name, args[0])
	if err != nil {
		return nil, 0, false
	}
	var origin int64
	if len(args) == 3 {
		if origin, err = originArg(name, args, 2); err != nil {
			return nil, 0, false
		}
	}
	return func(ts int64) (int64, error) { return bin(ts, w, origin) }, w, true
}

// evalDateBin is PostgreSQL's DATE_BIN(stride, source, origin).
func evalDateBin(_ *Ctx, a []types.Value) (types.Value, error) {
	// The stride is an interval's text or, as the binder passes an
	// INTERVAL literal, microseconds; stride rejects anything else.
	if a[1].Kind() != types.KindTimestamp {
		return types.Value{}, errNoFunction("date_bin", a)
	}
	w, err := stride("date_bin", a[0])
	if err != nil {
		return types.Value{}, err
	}
	origin, err := originArg("date_bin", a, 2)
	if err != nil {
		return types.Value{}, err
	}
	r, err := bin(a[1].Micros(), w, origin)
	if err != nil {
		return types.Value{}, err
	}
	return types.Timestamp(r), nil
}
