package fn

import (
	"strings"
	"time"

	"github.com/basaltdb/basalt/types"
)

// pgExtraFuncs are PostgreSQL functions over the values Basalt has:
// splitting strings into arrays, and the age and justify_* of intervals.
func pgExtraFuncs() []*Func {
	return []*Func{
		{Name: "string_to_array", MinArgs: 2, MaxArgs: 3, Eval: evalStringToArray},
		{Name: "to_char", MinArgs: 2, MaxArgs: 2, NullIn: true, Eval: evalToChar},
		{Name: "regexp_split_to_array", MinArgs: 2, MaxArgs: 3, NullIn: true, Eval: evalRegexpSplitToArray},
		{Name: "age", MinArgs: 1, MaxArgs: 2, NullIn: true, Volatile: true, Stable: true, Eval: evalAge},
		{Name: "justify_hours", MinArgs: 1, MaxArgs: 1, NullIn: true, Eval: justify("justify_hours", true, false)},
		{Name: "justify_days", MinArgs: 1, MaxArgs: 1, NullIn: true, Eval: justify("justify_days", false, true)},
		{Name: "justify_interval", MinArgs: 1, MaxArgs: 1, NullIn: true, Eval: justify("justify_interval", true, true)},
		{Name: "pg_typeof", MinArgs: 1, MaxArgs: 1, Eval: evalPgTypeof},
	}
}

// pgTypeNames are PostgreSQL's names (format_type) of the types the
// PostgreSQL protocol sends each kind as.
var pgTypeNames = [types.NumKinds]string{
	types.KindUndefined: "unknown",
	types.KindNull:      "unknown",
	types.KindBool:      "boolean",
	types.KindInt:       "bigint",
	types.KindFloat:     "double precision",
	types.KindString:    "text",
	types.KindTimestamp: "timestamp with time zone",
	types.KindArray:     "jsonb",
	types.KindObject:    "jsonb",
	types.KindInterval:  "interval",
}

// PGTypeName is PostgreSQL's name of the type the PostgreSQL protocol
// sends values of kind k as.
func PGTypeName(k types.Kind) string { return pgTypeNames[k] }

// evalPgTypeof is PostgreSQL's pg_typeof: the name of its argument's type,
// here of the value's own kind (a field's values may differ in kind; a
// NULL is unknown, as PostgreSQL's untyped NULL). typeof gives Basalt's
// names.
func evalPgTypeof(_ *Ctx, a []types.Value) (types.Value, error) {
	return types.String(pgTypeNames[a[0].Kind()]), nil
}

// evalStringToArray is PostgreSQL's string_to_array(s, delimiter [,
// null_string]): a NULL delimiter splits into characters, an empty one
// keeps s whole; an empty s is an empty array; elements equal to
// null_string are NULL.
func evalStringToArray(_ *Ctx, a []types.Value) (types.Value, error) {
	if isNull(a[0]) {
		return types.Null, nil
	}
	if a[0].Kind() != types.KindString || (!isNull(a[1]) && a[1].Kind() != types.KindString) || (len(a) > 2 && !isNull(a[2]) && a[2].Kind() != types.KindString) {
		return types.Value{}, errNoFunction("string_to_array", a)
	}
	s := a[0].Str()
	var parts []string
	switch {
	case s == "":
	case isNull(a[1]):
		for _, r := range s {
			parts = append(parts, string(r))
		}
	case a[1].Str() == "":
		parts = []string{s}
	default:
		parts = strings.Split(s, a[1].Str())
	}
	out := make([]types.Value, len(parts))
	for i, p := range parts {
		out[i] = types.String(p)
		if len(a) > 2 && !isNull(a[2]) && p == a[2].Str() {
			out[i] = types.Null
		}
	}
	return types.Array(out), nil
}

// evalRegexpSplitToArray is regexp_split_to_array(s, pattern [, flags]).
// As in PostgreSQL, an empty match splits between characters but not at
// the ends.
func evalRegexpSplitToArray(_ *Ctx, a []types.Value) (types.Value, error) {
	if err := strArgs("regexp_split_to_array", a, "sss"); err != nil {
		return types.Value{}, err
	}
	re, _, err := compileRegex(a[1].Str(), optArg(a, 2))
	if err != nil {
		return types.Value{}, err
	}
	s := a[0].Str()
	var out []types.Value
	start, prevEnd := 0, -1
	for _, m := range re.FindAllStringIndex(s, -1) {
		// PostgreSQL ignores an empty match at either end of s or right
		// after the previous match.
		if m[0] == m[1] && (m[0] == 0 || m[0] == len(s) || m[0] == prevEnd) {
			continue
		}
		out = append(out, types.String(s[start:m[0]]))
		start, prevEnd = m[1], m[1]
	}
	out = append(out, types.String(s[start:]))
	return types.Array(out), nil
}

// evalAge is PostgreSQL's age(a, b): a - b in years, months and days as
// the calendar counts them (borrowing the days of the earlier date's
// month), and the time; age(ts) is age(midnight today, ts).
func evalAge(c *Ctx, a []types.Value) (types.Value, error) {
	var x, y int64
	switch {
	case len(a) == 2 && a[0].Kind() == types.KindTimestamp && a[1].Kind() == types.KindTimestamp:
		x, y = a[0].Micros(), a[1].Micros()
	case len(a) == 1 && a[0].Kind() == types.KindTimestamp:
		x, y = floorDiv(c.Now, microsPerDay)*microsPerDay, a[0].Micros()
	default:
		return types.Value{}, errNoFunction("age", a)
	}
	neg := x < y
	if neg {
		x, y = y, x
	}
	t1, t2 := time.UnixMicro(x).UTC(), time.UnixMicro(y).UTC()
	us := int64(t1.Hour()-t2.Hour())*microsPerHour + int64(t1.Minute()-t2.Minute())*microsPerMinute +
		int64(t1.Second()-t2.Second())*microsPerSecond + int64(t1.Nanosecond()-t2.Nanosecond())/1000
	days := int64(t1.Day() - t2.Day())
	months := int64(t1.Month()-t2.Month()) + 12*int64(t1.Year()-t2.Year())
	if us < 0 {
		us += microsPerDay
		days--
	}
	if days < 0 {
		// Borrow the length of the earlier date's month, as PostgreSQL's
		// timestamp_age does.
		days += int64(time.Date(t2.Year(), t2.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day())
		months--
	}
	if neg {
		months, days, us = -months, -days, -us
	}
	return makeInterval(months, days, us)
}

// justify moves whole days out of an interval's time (hours) and whole
// months of 30 days out of its days (days), as PostgreSQL's justify_*
// functions do; justify_interval also gives every part one sign.
func justify(name string, hours, days bool) func(*Ctx, []types.Value) (types.Value, error) {
	return func(_ *Ctx, a []types.Value) (types.Value, error) {
		v := a[0]
		if v.Kind() != types.KindInterval {
			return types.Value{}, errNoFunction(name, a)
		}
		m, d, us := int64(v.IntervalMonths()), int64(v.IntervalDays()), v.Micros()
		if hours {
			d += us / microsPerDay
			us %= microsPerDay
		}
		if days {
			m += d / 30
			d %= 30
		}
		if hours && days {
			// justify_interval: months and days of one sign.
			if m > 0 && (d < 0 || (d == 0 && us < 0)) {
				m--
				d += 30
			} else if m < 0 && (d > 0 || (d == 0 && us > 0)) {
				m++
				d -= 30
			}
		}
		if hours {
			// Days and time of one sign.
			if d > 0 && us < 0 {
				d--
				us += microsPerDay
			} else if d < 0 && us > 0 {
				d++
				us -= microsPerDay
			}
		}
		return makeInterval(m, d, us)
	}
}
