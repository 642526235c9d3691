package storage

import "time"

// parseISO8601 reads an ISO-8601 date, or date and time of day, into
// microseconds since the epoch. Accepted, with the same fields in both
// formats:
//
//	extended  2026-01-15T10:00:00.5+05:30   date YYYY-MM-DD, time hh:mm[:ss[.f]]
//	basic     20260115T100000.5+0530        date YYYYMMDD, time hhmm[ss[.f]]
//	date only 2026-01-15                    midnight
//
// The time follows a 'T', or spaces in the extended format (RFC 3339). The
// fraction of a second has one digit or more after '.' or ','; past
// nanoseconds it is truncated. The offset is Z, ±hh, ±hhmm or ±hh:mm in
// either format. A time without an offset, or a date alone, is local time in
// loc. The extended format's hour may have one digit, as the time package's
// layouts this replaces accepted.
//
// A basic date needs a time: an eight-digit string alone is a number
// ("20260115" in a seconds_since_epoch field is a time in 1970), as it was
// before basic dates were accepted.
func parseISO8601(s string, loc *time.Location) (int64, bool) {
	p := isoParser{s: s}
	year, ok := p.digits(4)
	if !ok {
		return 0, false
	}
	basic := !p.byte('-')
	month, ok := p.digits(2)
	if !ok || (!basic && !p.byte('-')) {
		return 0, false
	}
	day, ok := p.digits(2)
	if !ok || month < 1 || month > 12 || day < 1 || day > daysIn(year, time.Month(month)) {
		return 0, false
	}
	if p.done() {
		if basic {
			return 0, false
		}
		return time.Date(year, time.Month(month), day, 0, 0, 0, 0, loc).UnixMicro(), true
	}
	if !p.byte('T') {
		if basic || !p.byte(' ') {
			return 0, false
		}
		for p.byte(' ') {
		}
	}
	var hour, minute, sec, nsec int
	if basic {
		hour, ok = p.digits(2)
	} else {
		hour, ok = p.hour()
	}
	if !ok || (!basic && !p.byte(':')) {
		return 0, false
	}
	if minute, ok = p.digits(2); !ok {
		return 0, false
	}
	// Seconds are optional: hh:mm, or hhmm in the basic format, which
	// an offset or the end follows.
	if (!basic && p.byte(':')) || (basic && p.isDigit()) {
		if sec, ok = p.digits(2); !ok {
			return 0, false
		}
		if p.byte('.') || p.byte(',') {
			if nsec, ok = p.fraction(); !ok {
				return 0, false
			}
		}
	}
	if hour > 23 || minute > 59 || sec > 59 {
		return 0, false
	}
	offset, hasOffset, ok := p.offset()
	if !ok || !p.done() {
		return 0, false
	}
	if !hasOffset {
		return time.Date(year, time.Month(month), day, hour, minute, sec, nsec, loc).UnixMicro(), true
	}
	utc := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
	return utc.Add(-time.Duration(offset) * time.Second).UnixMicro(), true
}

// isoParser reads s from i on.
type isoParser struct {
	s string
	i int
}

func (p *isoParser) done() bool { return p.i == len(p.s) }

func (p *isoParser) isDigit() bool { return p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' }

func (p *isoParser) byte(c byte) bool {
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

// digits reads exactly n digits.
func (p *isoParser) digits(n int) (int, bool) {
	v := 0
	for k := 0; k < n; k++ {
		if !p.isDigit() {
			return 0, false
		}
		v = v*10 + int(p.s[p.i]-'0')
		p.i++
	}
	return v, true
}

// hour reads the extended format's hour: one or two digits.
func (p *isoParser) hour() (int, bool) {
	h, ok := p.digits(1)
	if !ok {
		return 0, false
	}
	if p.isDigit() {
		d, _ := p.digits(1)
		h = h*10 + d
	}
	return h, true
}

// fraction reads the digits of a fraction of a second, as nanoseconds.
func (p *isoParser) fraction() (int, bool) {
	start := p.i
	ns, scale := 0, 100_000_000
	for p.isDigit() {
		ns += int(p.s[p.i]-'0') * scale
		scale /= 10
		p.i++
	}
	return ns, p.i > start
}

// offset reads an optional zone offset, Z, ±hh, ±hhmm or ±hh:mm, in
// seconds east of UTC.
func (p *isoParser) offset() (secs int, present, ok bool) {
	if p.byte('Z') {
		return 0, true, true
	}
	sign := 1
	switch {
	case p.byte('+'):
	case p.byte('-'):
		sign = -1
	default:
		return 0, false, true
	}
	h, ok := p.digits(2)
	if !ok || h > 23 {
		return 0, true, false
	}
	m := 0
	if p.byte(':') || p.isDigit() {
		if m, ok = p.digits(2); !ok || m > 59 {
			return 0, true, false
		}
	}
	return sign * (h*3600 + m*60), true, true
}

// daysIn returns the number of days of month in year.
func daysIn(year int, month time.Month) int {
	return time.Date(year, month+1, 0, 0, 0, 0, 0, time.UTC).Day()
}
