package fn

import (
	"strconv"
	"strings"

	"github.com/basaltdb/basalt/sql/sqlerr"
)

// ivFields are an interval's fields as PostgreSQL's to_char(interval)
// sees them: months split into years and months, days as they are, the
// microseconds into hours (not bounded by 24), minutes, seconds and
// microseconds, each with the interval's sign (truncating division).
type ivFields struct {
	year, mon, mday      int64
	hour, min, sec, usec int64
	yday                 int64 // the whole span in days, a month counting 30
}

func intervalFields(iv Interval) ivFields {
	us := iv.Micros
	f := ivFields{
		year: int64(iv.Months) / 12, mon: int64(iv.Months) % 12, mday: int64(iv.Days),
		hour: us / microsPerHour,
	}
	us -= f.hour * microsPerHour
	f.min = us / microsPerMinute
	us -= f.min * microsPerMinute
	f.sec = us / microsPerSecond
	f.usec = us - f.sec*microsPerSecond
	f.yday = (f.year*12+f.mon)*30 + f.mday
	return f
}

// errIntervalPattern is PostgreSQL's error for a pattern that names a
// calendar date (a weekday, a month's name, an era, a time zone).
func errIntervalPattern() error {
	return sqlerr.New(sqlerr.InvalidDatetime, "invalid format specification for an interval value")
}

// pad is n zero-padded to width, or to width+1 when negative, as
// PostgreSQL's "%0*d" with a width that grows for the sign; none with FM.
func pad(n int64, width int, fm bool) string {
	if fm {
		return strconv.FormatInt(n, 10)
	}
	if n < 0 {
		width++
	}
	return zeroPad(n, width)
}

// zeroPad is C's "%0*d": the minus sign counts in the width.
func zeroPad(n int64, width int) string {
	s := strconv.FormatInt(n, 10)
	if len(s) >= width {
		return s
	}
	if n < 0 {
		return "-" + strings.Repeat("0", width-len(s)) + s[1:]
	}
	return strings.Repeat("0", width-len(s)) + s
}

// field is the text of one to_char pattern for the interval.
func (f ivFields) field(p string, fm bool) (string, error) {
	fixed := func(n int64, width int) string {
		if fm {
			width = 0
		}
		return zeroPad(n, width)
	}
	switch p {
	case "HH24":
		return pad(f.hour, 2, fm), nil
	case "HH12", "HH":
		// A 12-hour clock, even for intervals: 27 hours is 03, 0 is 12.
		h := f.hour % 12
		if h == 0 {
			h = 12
		}
		return pad(h, 2, fm), nil
	case "MI":
		return pad(f.min, 2, fm), nil
	case "SS":
		return pad(f.sec, 2, fm), nil
	case "MS":
		return fixed(f.usec/1000, 3), nil
	case "US":
		return fixed(f.usec, 6), nil
	case "FF1", "FF2", "FF3", "FF4", "FF5", "FF6":
		n := int(p[2] - '0')
		us := f.usec
		for k := n; k < 6; k++ {
			us /= 10
		}
		return zeroPad(us, n), nil
	case "SSSS", "SSSSS":
		return strconv.FormatInt(f.hour*3600+f.min*60+f.sec, 10), nil
	case "AM", "PM", "am", "pm", "A.M.", "P.M.", "a.m.", "p.m.":
		am := f.hour%24 < 12
		s := map[bool]string{true: "AM", false: "PM"}[am]
		if strings.Contains(p, ".") {
			s = s[:1] + "." + s[1:] + "."
		}
		if p[0] >= 'a' {
			s = strings.ToLower(s)
		}
		return s, nil
	case "YYYY":
		return pad(f.year, 4, fm), nil
	case "YYY":
		return pad(f.year%1000, 3, fm), nil
	case "YY":
		return pad(f.year%100, 2, fm), nil
	case "Y":
		return pad(f.year%10, 1, fm), nil
	case "Y,YYY":
		th := f.year / 1000
		return strconv.FormatInt(th, 10) + "," + zeroPad(f.year-th*1000, 3), nil
	case "CC":
		c := f.year / 100
		if c > 99 || c < -99 {
			return strconv.FormatInt(c, 10), nil
		}
		return pad(c, 2, fm), nil
	case "MM":
		return pad(f.mon, 2, fm), nil
	case "DD":
		return fixed(f.mday, 2), nil
	case "DDD":
		return fixed(f.yday, 3), nil
	case "WW":
		return fixed((f.yday-1)/7+1, 2), nil
	case "W":
		return strconv.FormatInt((f.mday-1)/7+1, 10), nil
	case "Q":
		if f.mon == 0 {
			return "", nil
		}
		return strconv.FormatInt((f.mon-1)/3+1, 10), nil
	case "J":
		return strconv.FormatInt(julianDay(f.year, f.mon, f.mday), 10), nil
	case "RM", "rm":
		return f.romanMonth(p == "rm", fm), nil
	case "IW", "IDDD", "IYYY", "IYY", "IY", "I":
		return "", sqlerr.New(sqlerr.FeatureNotSupported, "to_char of an interval does not support the ISO week pattern %s", p)
	}
	// Weekdays, month names, eras, time zones and D, ID.
	return "", errIntervalPattern()
}

// romanMonth is RM of an interval: its months in Roman numerals, XII for
// whole years (I for negative ones: -1 month counts back from December);
// nothing when it has neither months nor years.
func (f ivFields) romanMonth(lower, fm bool) string {
	if f.mon == 0 && f.year == 0 {
		return ""
	}
	m := f.mon
	switch {
	case m == 0 && f.year >= 0:
		m = 12
	case m == 0:
		m = 1
	case m < 0:
		m += 13
	}
	s := []string{"I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"}[m-1]
	if !fm && len(s) < 4 {
		s += strings.Repeat(" ", 4-len(s))
	}
	if lower {
		s = strings.ToLower(s)
	}
	return s
}

// julianDay is PostgreSQL's date2j, which to_char(interval, 'J') applies
// to the interval's years, months and days as if they were a date.
func julianDay(y, m, d int64) int64 {
	if m > 2 {
		m++
		y += 4800
	} else {
		m += 13
		y += 4799
	}
	century := y / 100
	j := y*365 - 32167
	j += y/4 - century + century/4
	j += 7834*m/256 + d
	return j
}
