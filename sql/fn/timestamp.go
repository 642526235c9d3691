package fn

import (
	"strconv"
	"strings"
	"time"

	"github.com/basaltdb/basalt/sql/sqlerr"
)

// FormatTimestamp renders micros (since the epoch, UTC) as ISO-8601 with a
// Z, the fraction trimmed of trailing zeros and dropped when zero:
// "2024-01-01T00:00:00Z", "2024-01-01T00:00:00.5Z".
func FormatTimestamp(micros int64) string {
	t := time.UnixMicro(micros).UTC()
	b := make([]byte, 0, 32)
	b = t.AppendFormat(b, "2006-01-02T15:04:05")
	if us := t.Nanosecond() / 1000; us != 0 {
		frac := strconv.Itoa(1000000 + us)[1:] // six digits with leading zeros
		b = append(b, '.')
		b = append(b, strings.TrimRight(frac, "0")...)
	}
	return string(append(b, 'Z'))
}

// ParseTimestamp reads an ISO-8601 timestamp into microseconds UTC:
// "2024-01-01", "2024-01-01 10:00", "2024-01-01T10:00:00.123456Z", with an
// optional zone "Z", "UTC", "+02", "+02:00" or "+0200" (no zone means UTC),
// and the word "epoch". 24:00:00 and a leap second 60 roll over, as in
// PostgreSQL; fractions beyond microseconds round. Malformed input is
// 22007; a field out of range (month 13, February 30) is 22008.
func ParseTimestamp(s string) (int64, error) {
	p := tsParser{s: strings.TrimSpace(s)}
	if strings.EqualFold(p.s, "epoch") {
		return 0, nil
	}
	us, ok, rangeOK := p.parse()
	if !ok {
		return 0, sqlerr.New(sqlerr.InvalidDatetime, "invalid input syntax for type timestamp: %q", s)
	}
	if !rangeOK {
		return 0, sqlerr.New(codeDatetimeOverflow, "date/time field value out of range: %q", s)
	}
	return us, nil
}

type tsParser struct {
	s string
	i int
}

// num reads between min and max digits.
func (p *tsParser) num(minDigits, maxDigits int) (int, bool) {
	j := p.i
	for j < len(p.s) && j-p.i < maxDigits && isDigit(p.s[j]) {
		j++
	}
	if j-p.i < minDigits {
		return 0, false
	}
	n, _ := strconv.Atoi(p.s[p.i:j])
	p.i = j
	return n, true
}

func (p *tsParser) byte(c byte) bool {
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *tsParser) parse() (us int64, ok, rangeOK bool) {
	year, ok1 := p.num(4, 6)
	if !ok1 || !p.byte('-') {
		return 0, false, false
	}
	month, ok2 := p.num(1, 2)
	if !ok2 || !p.byte('-') {
		return 0, false, false
	}
	day, ok3 := p.num(1, 2)
	if !ok3 {
		return 0, false, false
	}
	var hour, minute, sec int
	var frac int64
	if p.i < len(p.s) && (p.s[p.i] == 'T' || p.s[p.i] == 't' || p.s[p.i] == ' ') {
		p.i++
		for p.byte(' ') {
		}
		var okh, okm bool
		if hour, okh = p.num(1, 2); !okh || !p.byte(':') {
			return 0, false, false
		}
		if minute, okm = p.num(2, 2); !okm {
			return 0, false, false
		}
		if p.byte(':') {
			var oks bool
			if sec, oks = p.num(2, 2); !oks {
				return 0, false, false
			}
			if p.byte('.') {
				j := p.i
				for j < len(p.s) && isDigit(p.s[j]) {
					j++
				}
				if j == p.i {
					return 0, false, false
				}
				frac = fracMicros(p.s[p.i:j])
				p.i = j
			}
		}
	}
	offset, okz := p.zone()
	if !okz || p.i != len(p.s) {
		return 0, false, false
	}
	if year < 1 || year > 9999 || month < 1 || month > 12 || day < 1 || day > daysIn(year, month) ||
		hour > 24 || minute > 59 || sec > 60 || (hour == 24 && (minute != 0 || sec != 0 || frac != 0)) {
		return 0, true, false
	}
	secs := daysFromCivil(year, month, day)*86400 + int64(hour)*3600 + int64(minute)*60 + int64(sec) - offset
	us = secs*microsPerSecond + frac
	// A zone offset can push the instant out of years 1 to 9999.
	return us, true, us >= minTimestamp && us <= maxTimestamp
}

// fracMicros converts the digits of a fraction of a second to microseconds,
// rounding half up past the sixth digit.
func fracMicros(d string) int64 {
	var us int64
	for k := 0; k < 6; k++ {
		us *= 10
		if k < len(d) {
			us += int64(d[k] - '0')
		}
	}
	if len(d) > 6 && d[6] >= '5' {
		us++
	}
	return us
}

// zone reads an optional zone and returns its offset from UTC in seconds.
func (p *tsParser) zone() (int64, bool) {
	for p.byte(' ') {
	}
	rest := p.s[p.i:]
	switch {
	case rest == "":
		return 0, true
	case rest == "Z" || rest == "z":
		p.i++
		return 0, true
	case strings.EqualFold(rest, "UTC") || strings.EqualFold(rest, "GMT"):
		p.i += 3
		return 0, true
	}
	sign := int64(1)
	switch {
	case p.byte('+'):
	case p.byte('-'):
		sign = -1
	default:
		return 0, false
	}
	h, ok := p.num(1, 2)
	if !ok {
		return 0, false
	}
	var m int
	if p.byte(':') {
		if m, ok = p.num(2, 2); !ok {
			return 0, false
		}
	} else if p.i < len(p.s) {
		if m, ok = p.num(2, 2); !ok {
			return 0, false
		}
	}
	if h > 15 || m > 59 {
		return 0, false
	}
	return sign * int64(h*3600+m*60), true
}
