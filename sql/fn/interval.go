package fn

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/basaltdb/basalt/sql/sqlerr"
	"github.com/basaltdb/basalt/types"
)

// Interval is a SQL interval constant, kept in PostgreSQL's three parts
// because a month and a day have no fixed length: adding one month to
// January 31 lands on the last day of February. As a value
// (types.Interval, IntervalValue) days become 24 hours of microseconds:
// timestamps are UTC.
type Interval struct {
	Months, Days int32
	Micros       int64
}

const (
	microsPerSecond = int64(time.Second / time.Microsecond)
	microsPerMinute = 60 * microsPerSecond
	microsPerHour   = 60 * microsPerMinute
	microsPerDay    = 24 * microsPerHour
)

// units maps every spelling PostgreSQL accepts for a time unit, in
// intervals, date_trunc and extract, to its canonical name.
var units = map[string]string{}

func init() {
	for canon, names := range map[string][]string{
		"microsecond": {"microsecond", "microseconds", "us", "usec", "usecs", "usecond", "useconds"},
		"millisecond": {"millisecond", "milliseconds", "ms", "msec", "msecs", "msecond", "mseconds"},
		"second":      {"second", "seconds", "s", "sec", "secs"},
		"minute":      {"minute", "minutes", "m", "min", "mins"},
		"hour":        {"hour", "hours", "h", "hr", "hrs"},
		"day":         {"day", "days", "d"},
		"week":        {"week", "weeks", "w"},
		"month":       {"month", "months", "mon", "mons"},
		"quarter":     {"quarter", "qtr"},
		"year":        {"year", "years", "y", "yr", "yrs"},
		"decade":      {"decade", "decades", "dec", "decs"},
		"century":     {"century", "centuries", "c", "cent"},
		"millennium":  {"millennium", "millennia", "mil", "mils"},
	} {
		for _, n := range names {
			units[n] = canon
		}
	}
}

func errInterval(s string) error {
	return sqlerr.New(sqlerr.InvalidDatetime, "invalid input syntax for type interval: %q", s)
}

// ParseInterval reads an interval constant the way PostgreSQL's interval
// input does: '1 hour', '2 days 03:04:05', '1.5 days' (fractions spill into
// smaller parts), '1:30:00', '@ 2 days ago', ISO-8601 'P1DT2H', and a bare
// number, which counts seconds. unit is the SQL qualifier of INTERVAL '5'
// MINUTE ("" when absent; "YEAR", "MONTH", "DAY", "HOUR", "MINUTE" or
// "SECOND" in any case): a bare number counts that unit, and parts smaller
// than the unit are dropped, so INTERVAL '1.5' HOUR is one hour, as in
// PostgreSQL. Bad input is 22007; a part too large is 22008.
func ParseInterval(s string, unit string) (Interval, error) {
	defUnit := "second"
	if unit != "" {
		u, ok := units[strings.ToLower(unit)]
		if !ok || (u != "year" && u != "month" && u != "day" && u != "hour" && u != "minute" && u != "second") {
			return Interval{}, sqlerr.New(sqlerr.Syntax, "invalid interval qualifier %q", unit)
		}
		defUnit = u
	}
	t := strings.ToLower(strings.TrimSpace(s))
	var acc intervalAcc
	var err error
	if strings.HasPrefix(t, "p") {
		err = acc.iso(t[1:])
	} else {
		err = acc.verbose(t, defUnit)
	}
	if err != nil {
		return Interval{}, errInterval(s)
	}
	iv, ok := acc.interval()
	if !ok {
		return Interval{}, sqlerr.New(codeDatetimeOverflow, "interval field value out of range: %q", s)
	}
	if unit != "" {
		iv = truncateInterval(iv, defUnit)
	}
	return iv, nil
}

// truncateInterval drops the parts of iv smaller than unit.
func truncateInterval(iv Interval, unit string) Interval {
	switch unit {
	case "year":
		return Interval{Months: iv.Months / 12 * 12}
	case "month":
		return Interval{Months: iv.Months}
	case "day":
		return Interval{Months: iv.Months, Days: iv.Days}
	case "hour":
		iv.Micros = iv.Micros / microsPerHour * microsPerHour
	case "minute":
		iv.Micros = iv.Micros / microsPerMinute * microsPerMinute
	}
	return iv
}

// intervalAcc accumulates interval parts in float64 so that fractions can
// spill into smaller parts before the final rounding.
type intervalAcc struct {
	months, days int64
	micros       float64
	seen         map[string]bool
	any          bool
}

func (a *intervalAcc) interval() (Interval, bool) {
	us := math.RoundToEven(a.micros)
	if a.months > math.MaxInt32 || a.months < math.MinInt32 || a.days > math.MaxInt32 ||
		a.days < math.MinInt32 || math.Abs(us) >= 9.2e18 {
		return Interval{}, false
	}
	return Interval{Months: int32(a.months), Days: int32(a.days), Micros: int64(us)}, true
}

// add adds n of the canonical unit u, spilling fractions: a fraction of a
// year or month into months and then 30-day months into days, a fraction
// of a day into 24-hour days.
func (a *intervalAcc) add(n float64, u string) bool {
	if math.IsNaN(n) || math.IsInf(n, 0) || math.Abs(n) > 1e15 {
		return false
	}
	if a.seen == nil {
		a.seen = map[string]bool{}
	}
	if a.seen[u] {
		return false // PostgreSQL refuses '1 day 1 day'.
	}
	a.seen[u] = true
	a.any = true
	switch u {
	case "microsecond":
		a.micros += n
	case "millisecond":
		a.micros += n * 1e3
	case "second":
		a.micros += n * 1e6
	case "minute":
		a.micros += n * float64(microsPerMinute)
	case "hour":
		a.micros += n * float64(microsPerHour)
	case "day":
		a.addDays(n)
	case "week":
		a.addDays(n * 7)
	case "month":
		whole := math.Trunc(n)
		a.months += int64(whole)
		a.addDays((n - whole) * 30)
	case "year", "decade", "century", "millennium":
		per := map[string]float64{"year": 12, "decade": 120, "century": 1200, "millennium": 12000}[u]
		a.months += int64(math.RoundToEven(n * per))
	default:
		return false
	}
	return true
}

func (a *intervalAcc) addDays(n float64) {
	whole := math.Trunc(n)
	a.days += int64(whole)
	a.micros += (n - whole) * float64(microsPerDay)
}

// verbose reads PostgreSQL's verbose syntax: numbers with units, h:m[:s]
// times, an optional leading '@' and trailing 'ago'.
func (a *intervalAcc) verbose(t, defUnit string) error {
	t = strings.TrimPrefix(t, "@")
	fields := splitIntervalFields(t)
	ago := false
	if n := len(fields); n > 0 && fields[n-1] == "ago" {
		ago = true
		fields = fields[:n-1]
	}
	if len(fields) == 0 {
		return errInterval(t)
	}
	for i := 0; i < len(fields); i++ {
		f := fields[i]
		if strings.Contains(f, ":") {
			if err := a.clock(f); err != nil {
				return err
			}
			continue
		}
		n, err := strconv.ParseFloat(f, 64)
		if err != nil || !isPlainNumber(f) {
			return errInterval(t)
		}
		u := defUnit
		if i+1 < len(fields) {
			if cu, ok := units[fields[i+1]]; ok {
				u = cu
				i++
			}
		}
		if u == "quarter" || !a.add(n, u) {
			return errInterval(t)
		}
	}
	if ago {
		a.months, a.days, a.micros = -a.months, -a.days, -a.micros
	}
	return nil
}

// splitIntervalFields splits on white space and between a number and the
// unit glued to it ("5min", "1d2h").
func splitIntervalFields(t string) []string {
	var out []string
	for _, w := range strings.Fields(t) {
		for w != "" {
			i := 0
			if w[0] == '+' || w[0] == '-' {
				i++
			}
			isNum := i < len(w) && (isDigit(w[i]) || w[i] == '.')
			j := i
			for j < len(w) && (isNum == (isDigit(w[j]) || w[j] == '.' || w[j] == ':')) {
				j++
			}
			if j == 0 {
				j = len(w)
			}
			out = append(out, w[:j])
			w = w[j:]
		}
	}
	return out
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// isPlainNumber reports whether s is an optionally signed decimal number
// (strconv accepts more: "inf", hex, exponents).
func isPlainNumber(s string) bool {
	s = strings.TrimLeft(s, "+-")
	digits, dots := 0, 0
	for i := 0; i < len(s); i++ {
		switch {
		case isDigit(s[i]):
			digits++
		case s[i] == '.':
			dots++
		default:
			return false
		}
	}
	return digits > 0 && dots <= 1
}

// clock reads [-]h:m[:s[.frac]] as hours, minutes and seconds.
func (a *intervalAcc) clock(f string) error {
	neg := strings.HasPrefix(f, "-")
	parts := strings.Split(strings.TrimLeft(f, "+-"), ":")
	if len(parts) < 2 || len(parts) > 3 {
		return errInterval(f)
	}
	mult := []float64{float64(microsPerHour), float64(microsPerMinute), 1e6}
	var us float64
	for i, p := range parts {
		if !isPlainNumber(p) || strings.ContainsAny(p, "+-") || (i < 2 && strings.Contains(p, ".")) {
			return errInterval(f)
		}
		n, _ := strconv.ParseFloat(p, 64)
		if i > 0 && n >= 60 {
			return errInterval(f)
		}
		us += n * mult[i]
	}
	if neg {
		us = -us
	}
	if a.seen["clock"] {
		return errInterval(f)
	}
	if a.seen == nil {
		a.seen = map[string]bool{}
	}
	a.seen["clock"] = true
	a.any = true
	a.micros += us
	return nil
}

// iso reads the ISO-8601 duration after its P: [nY][nM][nW][nD][T[nH][nM][nS]].
func (a *intervalAcc) iso(t string) error {
	inTime := false
	if t == "" {
		return errInterval("p")
	}
	for t != "" {
		if t[0] == 't' {
			if inTime || len(t) == 1 {
				return errInterval(t)
			}
			inTime = true
			t = t[1:]
			continue
		}
		j := 0
		for j < len(t) && (isDigit(t[j]) || t[j] == '.' || t[j] == '-' || t[j] == '+') {
			j++
		}
		if j == 0 || j == len(t) || !isPlainNumber(t[:j]) {
			return errInterval(t)
		}
		n, _ := strconv.ParseFloat(t[:j], 64)
		var u string
		switch t[j] {
		case 'y':
			u = "year"
		case 'm':
			u = "month"
			if inTime {
				u = "minute"
			}
		case 'w':
			u = "week"
		case 'd':
			u = "day"
		case 'h':
			u = "hour"
		case 's':
			u = "second"
		default:
			return errInterval(t)
		}
		if inTime != (u == "hour" || u == "minute" || u == "second") {
			return errInterval(t)
		}
		if !a.add(n, u) {
			return errInterval(t)
		}
		t = t[j+1:]
	}
	return nil
}

// AddInterval returns ts (microseconds, UTC) plus sign (+1 or -1) times iv,
// as PostgreSQL's timestamp + interval does: months first, on the calendar,
// with the day of month clamped to the target month's length (January 31 +
// 1 month = February 28 or 29), then days, then microseconds. Subtraction
// negates every part first, again as PostgreSQL does.
func AddInterval(ts int64, iv Interval, sign int) int64 {
	months, days, us := int64(iv.Months), int64(iv.Days), iv.Micros
	if sign < 0 {
		months, days, us = -months, -days, -us
	}
	if months != 0 {
		day := floorDiv(ts, microsPerDay)
		tod := ts - day*microsPerDay
		y, m, d := civil(day)
		total := int64(y)*12 + int64(m-1) + months
		ny, nm := int(floorDiv(total, 12)), int(total-floorDiv(total, 12)*12)+1
		d = min(d, daysIn(ny, nm))
		ts = daysFromCivil(ny, nm, d)*microsPerDay + tod
	}
	return ts + days*microsPerDay + us
}

// floorDiv divides rounding toward negative infinity.
func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// civil returns the proleptic Gregorian date of a day number (days since
// 1970-01-01).
func civil(day int64) (y, m, d int) {
	t := time.Unix(day*86400, 0).UTC()
	return t.Year(), int(t.Month()), t.Day()
}

// daysFromCivil returns the day number of a date; m and d must be valid.
func daysFromCivil(y, m, d int) int64 {
	return floorDiv(time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC).Unix(), 86400)
}

func daysIn(y, m int) int {
	return time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// IntervalValue returns iv as a value; 22008 when its months do not fit
// one (types.MaxIntervalMonths).
func IntervalValue(iv Interval) (types.Value, error) {
	return makeInterval(int64(iv.Months), int64(iv.Days), iv.Micros)
}

func makeInterval(months, days, us int64) (types.Value, error) {
	if months > types.MaxIntervalMonths || months < -types.MaxIntervalMonths || days != int64(int32(days)) {
		return types.Value{}, errOutOfRange("interval")
	}
	return types.Interval(int32(months), int32(days), us), nil
}

// intervalOf returns the interval of an interval value.
func intervalOf(v types.Value) Interval {
	return Interval{Months: v.IntervalMonths(), Days: v.IntervalDays(), Micros: v.Micros()}
}

// intervalArith is Arith where an operand is an interval, or both are
// timestamps; ok false when PostgreSQL has no such operator.
func intervalArith(op byte, a, b types.Value) (types.Value, bool, error) {
	ak, bk := a.Kind(), b.Kind()
	switch {
	case ak == types.KindTimestamp && bk == types.KindTimestamp && op == '-':
		// As PostgreSQL's timestamp_mi: the difference, whole days of 24
		// hours taken out (justify_hours).
		d, ok := subInt(a.Micros(), b.Micros())
		if !ok {
			return types.Value{}, true, errOutOfRange("interval")
		}
		return types.Interval(0, int32(d/microsPerDay), d%microsPerDay), true, nil
	case ak == types.KindTimestamp && bk == types.KindInterval && (op == '+' || op == '-'):
		sign := 1
		if op == '-' {
			sign = -1
		}
		return types.Timestamp(AddInterval(a.Micros(), intervalOf(b), sign)), true, nil
	case ak == types.KindInterval && bk == types.KindTimestamp && op == '+':
		return types.Timestamp(AddInterval(b.Micros(), intervalOf(a), 1)), true, nil
	case ak == types.KindInterval && bk == types.KindInterval && (op == '+' || op == '-'):
		m, d, us := int64(b.IntervalMonths()), int64(b.IntervalDays()), b.Micros()
		if op == '-' {
			if us == math.MinInt64 {
				return types.Value{}, true, errOutOfRange("interval")
			}
			m, d, us = -m, -d, -us
		}
		us, ok := addInt(a.Micros(), us)
		if !ok {
			return types.Value{}, true, errOutOfRange("interval")
		}
		v, err := makeInterval(int64(a.IntervalMonths())+m, int64(a.IntervalDays())+d, us)
		return v, true, err
	case ak == types.KindInterval && bk.IsNumeric() && (op == '*' || op == '/'):
		f := b.Float()
		if op == '/' && f == 0 {
			return types.Value{}, true, errDivByZero()
		}
		v, err := scaleInterval(a, f, op == '/')
		return v, true, err
	case ak.IsNumeric() && bk == types.KindInterval && op == '*':
		v, err := scaleInterval(b, a.Float(), false)
		return v, true, err
	}
	return types.Value{}, false, nil
}

// scaleInterval multiplies (or divides) an interval by f as PostgreSQL's
// interval_mul and interval_div do: each part is scaled and truncated, the
// fraction of a month spills into days of 30, the fraction of a day into
// microseconds, rounded to the microsecond.
func scaleInterval(v types.Value, f float64, div bool) (types.Value, error) {
	scale := func(x float64) float64 {
		if div {
			return x / f
		}
		return x * f
	}
	if math.IsNaN(f) {
		return types.Value{}, errOutOfRange("interval")
	}
	const secsPerDay = 86400
	months := scale(float64(v.IntervalMonths()))
	days := scale(float64(v.IntervalDays()))
	if math.Abs(months) > types.MaxIntervalMonths || math.Abs(days) > math.MaxInt32 {
		return types.Value{}, errOutOfRange("interval")
	}
	m, d := math.Trunc(months), math.Trunc(days)
	monthDays := (months - m) * 30
	secs := (days - d + monthDays - math.Trunc(monthDays)) * secsPerDay
	secs = math.RoundToEven(secs*1e6) / 1e6 // TSROUND
	if math.Abs(secs) >= secsPerDay {
		whole := math.Trunc(secs / secsPerDay)
		d += whole
		secs -= whole * secsPerDay
	}
	d += math.Trunc(monthDays)
	us := math.RoundToEven(scale(float64(v.Micros())) + secs*1e6)
	if math.IsNaN(us) || math.Abs(us) >= math.MaxInt64 {
		return types.Value{}, errOutOfRange("interval")
	}
	return makeInterval(int64(m), int64(d), int64(us))
}

// Neg is -v: numbers and intervals.
func Neg(v types.Value) (types.Value, error) {
	if v.Kind() == types.KindInterval {
		if v.Micros() == math.MinInt64 || v.IntervalDays() == math.MinInt32 {
			return types.Value{}, errOutOfRange("interval")
		}
		return types.Interval(-v.IntervalMonths(), -v.IntervalDays(), -v.Micros()), nil
	}
	if v.Kind() == types.KindFloat {
		return types.Float(-v.Float()), nil // -0.0 is -0, which 0 - 0.0 is not
	}
	return Arith('-', types.Int(0), v)
}
