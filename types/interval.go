package types

import "strconv"

const (
	microsPerSecond = 1_000_000
	microsPerMinute = 60 * microsPerSecond
	microsPerHour   = 60 * microsPerMinute
	microsPerDay    = 24 * microsPerHour
)

// IntervalParts splits an interval into years, months, days, hours,
// minutes and microseconds of the minute, each carrying the sign of the
// part it comes from, as PostgreSQL shows them: hours are all the hours of
// its microseconds ('27 hours' is 27, days stay days).
func IntervalParts(v Value) (years, months, days, hours, minutes, micros int64) {
	m := int64(v.IntervalMonths())
	years, months = m/12, m%12
	days = int64(v.days)
	us := int64(v.num)
	hours, us = us/microsPerHour, us%microsPerHour
	minutes, micros = us/microsPerMinute, us%microsPerMinute
	return
}

// AppendISODuration appends an interval as an ISO-8601 duration
// (`P1Y2M3DT4H5M6.5S`, `PT0S` for zero; a negative part carries its sign,
// as PostgreSQL's iso_8601 style writes it): how intervals render in JSON.
func AppendISODuration(dst []byte, v Value) []byte {
	y, mo, d, h, mi, us := IntervalParts(v)
	dst = append(dst, 'P')
	part := func(n int64, unit byte) {
		if n != 0 {
			dst = strconv.AppendInt(dst, n, 10)
			dst = append(dst, unit)
		}
	}
	part(y, 'Y')
	part(mo, 'M')
	part(d, 'D')
	if h == 0 && mi == 0 && us == 0 {
		if y == 0 && mo == 0 && d == 0 {
			dst = append(dst, "T0S"...)
		}
		return dst
	}
	dst = append(dst, 'T')
	part(h, 'H')
	part(mi, 'M')
	if us != 0 {
		dst = AppendSeconds(dst, us)
		dst = append(dst, 'S')
	}
	return dst
}

// AppendSeconds appends microseconds as seconds with the fraction they
// need (`6`, `6.5`, `-0.000001`).
func AppendSeconds(dst []byte, us int64) []byte {
	if us < 0 {
		dst = append(dst, '-')
		us = -us
	}
	dst = strconv.AppendInt(dst, us/microsPerSecond, 10)
	if frac := us % microsPerSecond; frac != 0 {
		var b [7]byte
		b[0] = '.'
		for i := 6; i >= 1; i-- {
			b[i] = byte('0' + frac%10)
			frac /= 10
		}
		n := 7
		for b[n-1] == '0' {
			n--
		}
		dst = append(dst, b[:n]...)
	}
	return dst
}

// Storable returns v as a document can hold it: intervals, which only
// queries make, become their ISO-8601 duration text (as they render in
// JSON), at any depth. A v that holds none is returned as it is.
func Storable(v Value) Value {
	if !HoldsInterval(v) {
		return v
	}
	switch v.kind {
	case KindInterval:
		return String(string(AppendISODuration(nil, v)))
	case KindArray:
		out := make([]Value, v.Len())
		for i, e := range v.Elems() {
			out[i] = Storable(e)
		}
		return Array(out)
	case KindObject:
		out := make([]Field, v.Len())
		for i, f := range v.Fields() {
			out[i] = Field{Name: f.Name, Value: Storable(f.Value)}
		}
		return Object(out)
	}
	return v
}

// HoldsInterval reports whether v is or contains an interval.
func HoldsInterval(v Value) bool {
	switch v.kind {
	case KindInterval:
		return true
	case KindArray:
		for _, e := range v.Elems() {
			if HoldsInterval(e) {
				return true
			}
		}
	case KindObject:
		for _, f := range v.Fields() {
			if HoldsInterval(f.Value) {
				return true
			}
		}
	}
	return false
}
