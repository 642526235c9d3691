package fn

import (
	"strings"
	"time"

	"github.com/basaltdb/basalt/sql/sqlerr"
	"github.com/basaltdb/basalt/types"
)

// to_timestamp(text, template) and to_date(text, template) read a date and
// time by a template of to_char's patterns, as PostgreSQL's do (its
// from_char): numeric fields take up to their width of digits (fewer when
// a non-digit ends them), Mon and Month a month name in any case, AM/PM
// with HH12; a separator in the template (a space or any character that
// is not a letter or digit) skips one separator of the input, or none;
// "quoted" text skips as many characters; FM is ignored. Missing fields
// are January 1, year 1 and midnight. The result is a timestamp in UTC;
// to_date drops the time of day. Patterns a date cannot be read by (day
// names are read and ignored) are 0A000.

// fromCharPatterns are the patterns reading a date, longest first where
// one is a prefix of another.
var fromCharPatterns = []string{
	"HH24", "HH12", "HH", "MI", "SS", "MS", "US",
	"AM", "PM", "am", "pm", "A.M.", "P.M.", "a.m.", "p.m.",
	"YYYY", "YYY", "YY", "Y",
	"MONTH", "Month", "month", "MON", "Mon", "mon", "MM",
	"DAY", "Day", "day", "DY", "Dy", "dy", "DDD", "DD",
}

// fieldWidth is the most digits a numeric pattern reads.
var fieldWidth = map[string]int{"HH24": 2, "HH12": 2, "HH": 2, "MI": 2, "SS": 2, "MS": 3, "US": 6,
	"YYYY": 4, "YYY": 3, "YY": 2, "Y": 1, "MM": 2, "DDD": 3, "DD": 2}

// timeFields are what a template read.
type timeFields struct {
	year, month, day, doy, hour, min, sec, us int
	yearDigits                                int
	pm, h12, hasDOY                           bool
}

func evalToTimestampText(name string, dateOnly bool) func(*Ctx, []types.Value) (types.Value, error) {
	return func(_ *Ctx, a []types.Value) (types.Value, error) {
		if a[0].Kind() != types.KindString || a[1].Kind() != types.KindString {
			return types.Value{}, errNoFunction(name, a)
		}
		f, err := fromChar(a[0].Str(), a[1].Str())
		if err != nil {
			return types.Value{}, err
		}
		return f.timestamp(a[0].Str(), dateOnly)
	}
}

func fromChar(in, tmpl string) (*timeFields, error) {
	f := &timeFields{year: 1, month: 1, day: 1}
	i := 0 // in in
	for t := 0; t < len(tmpl); {
		if strings.HasPrefix(tmpl[t:], "FM") || strings.HasPrefix(tmpl[t:], "fm") || strings.HasPrefix(tmpl[t:], "FX") || strings.HasPrefix(tmpl[t:], "fx") {
			t += 2
			continue
		}
		if tmpl[t] == '"' {
			// Quoted text skips as many characters of the input.
			t++
			for t < len(tmpl) && tmpl[t] != '"' {
				if tmpl[t] == '\\' && t+1 < len(tmpl) {
					t++
				}
				if i < len(in) {
					i++
				}
				t++
			}
			t++
			continue
		}
		p := ""
		for _, c := range fromCharPatterns {
			if strings.HasPrefix(tmpl[t:], c) || (caseless[c] && len(tmpl)-t >= len(c) && strings.EqualFold(tmpl[t:t+len(c)], c)) {
				p = c
				break
			}
		}
		if p == "" {
			c := tmpl[t]
			t++
			if isLetterOrDigit(c) {
				for _, q := range charPatterns {
					if strings.HasPrefix(tmpl[t-1:], q) {
						return nil, sqlerr.New(sqlerr.FeatureNotSupported, "to_timestamp does not read the pattern %q", q)
					}
				}
				if i < len(in) {
					i++ // another character is skipped with one of the input
				}
				continue
			}
			// A separator: skips one separator of the input, or none.
			if i < len(in) && !isLetterOrDigit(in[i]) {
				i++
			}
			continue
		}
		t += len(p)
		// Blank input before a field is skipped.
		for i < len(in) && in[i] == ' ' {
			i++
		}
		var err error
		if i, err = f.read(p, in, i, digitFieldAt(tmpl[t:])); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// digitFieldAt reports whether the template goes on with a numeric
// field, so that YYYY takes only its four digits (YYYYMMDD).
func digitFieldAt(tmpl string) bool {
	for _, pre := range []string{"FM", "fm", "FX", "fx"} {
		tmpl = strings.TrimPrefix(tmpl, pre)
	}
	for _, p := range []string{"HH", "MI", "SS", "MS", "US", "Y", "MM", "DD"} {
		if len(tmpl) >= len(p) && strings.EqualFold(tmpl[:len(p)], p) {
			return true
		}
	}
	return false
}

func isLetterOrDigit(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// read reads pattern p's field at in[i:], returning where it ended.
func (f *timeFields) read(p, in string, i int, digitsNext bool) (int, error) {
	switch p {
	case "AM", "PM", "am", "pm", "A.M.", "P.M.", "a.m.", "p.m.":
		for _, m := range []string{"A.M.", "P.M.", "AM", "PM"} {
			if len(in)-i >= len(m) && strings.EqualFold(in[i:i+len(m)], m) {
				f.pm, f.h12 = m[0] == 'P', true
				return i + len(m), nil
			}
		}
		return i, badField(p, in[i:])
	case "MONTH", "Month", "month", "MON", "Mon", "mon":
		for m := time.January; m <= time.December; m++ {
			name := m.String()
			if len(p) == 3 {
				name = name[:3]
			}
			if len(in)-i >= len(name) && strings.EqualFold(in[i:i+len(name)], name) {
				f.month = int(m)
				return i + len(name), nil
			}
		}
		return i, badField(p, in[i:])
	case "DAY", "Day", "day", "DY", "Dy", "dy":
		for d := time.Sunday; d <= time.Saturday; d++ {
			name := d.String()
			if len(p) == 2 {
				name = name[:3]
			}
			if len(in)-i >= len(name) && strings.EqualFold(in[i:i+len(name)], name) {
				return i + len(name), nil // read, not used: the date decides
			}
		}
		return i, badField(p, in[i:])
	}
	width := fieldWidth[p]
	if p == "YYYY" && !digitsNext {
		width = 9 // more than four digits, unless a numeric field follows
	}
	j := i
	neg := false
	if p == "YYYY" && j < len(in) && in[j] == '-' {
		neg, j = true, j+1
	}
	start, n := j, 0
	for j < len(in) && j-start < width && in[j] >= '0' && in[j] <= '9' {
		n = n*10 + int(in[j]-'0')
		j++
	}
	if j == start {
		return i, badField(p, in[i:])
	}
	digits := j - start
	switch p {
	case "HH24":
		f.hour = n
	case "HH12", "HH":
		f.hour, f.h12 = n, true
	case "MI":
		f.min = n
	case "SS":
		f.sec = n
	case "MS":
		for d := digits; d < 3; d++ {
			n *= 10 // .5 is 500 ms
		}
		f.us += n * 1000
	case "US":
		for d := digits; d < 6; d++ {
			n *= 10
		}
		f.us += n
	case "YYYY", "YYY", "YY", "Y":
		if neg {
			n = -n
		}
		f.year, f.yearDigits = n, digits
		if p != "YYYY" || digits < 4 {
			f.year = adjustYear(n, digits)
		}
	case "MM":
		f.month = n
	case "DD":
		f.day = n
	case "DDD":
		f.doy, f.hasDOY = n, true
	}
	return j, nil
}

// adjustYear puts a year of fewer than four digits nearest 2020, as
// PostgreSQL does (70 is 1970, 69 is 2069; 100 is 2100).
func adjustYear(y, digits int) int {
	switch {
	case digits >= 4:
		return y
	case digits == 3:
		if y >= 100 {
			return y + 1000
		}
		return y + 2000
	case digits == 2:
		if y < 70 {
			return y + 2000
		}
		return y + 1900
	case digits == 1:
		return y + 2000
	}
	return y
}

// badField reports the input's next word as no value for pattern p.
func badField(p, rest string) error {
	n := 0
	for n < len(rest) && n < 20 && (isLetterOrDigit(rest[n]) || rest[n] >= 0x80) {
		n++
	}
	if n == 0 {
		n = min(len(rest), 1)
	}
	return sqlerr.New(sqlerr.InvalidDatetime, "invalid value %q for %q", rest[:n], p)
}

func (f *timeFields) timestamp(in string, dateOnly bool) (types.Value, error) {
	outOfRange := sqlerr.New(codeDatetimeOverflow, "date/time field value out of range: %q", in)
	hour := f.hour
	if f.h12 {
		if hour < 1 || hour > 12 {
			return types.Value{}, sqlerr.New(sqlerr.InvalidDatetime, "hour \"%d\" is invalid for the 12-hour clock", hour)
		}
		hour %= 12
		if f.pm {
			hour += 12
		}
	}
	if f.month < 1 || f.month > 12 || f.day < 1 || f.day > 31 || hour > 23 || f.min > 59 || f.sec > 60 || f.year == 0 {
		return types.Value{}, outOfRange
	}
	var t time.Time
	if f.hasDOY {
		if f.doy < 1 || f.doy > 366 {
			return types.Value{}, outOfRange
		}
		t = time.Date(f.year, 1, 1, hour, f.min, f.sec, f.us*1000, time.UTC).AddDate(0, 0, f.doy-1)
	} else {
		t = time.Date(f.year, time.Month(f.month), f.day, hour, f.min, f.sec, f.us*1000, time.UTC)
		if t.Day() != f.day {
			return types.Value{}, outOfRange
		}
	}
	if dateOnly {
		t = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	}
	us := t.UnixMicro()
	if us < minTimestamp || us > maxTimestamp {
		return types.Value{}, sqlerr.New(codeDatetimeOverflow, "timestamp out of range")
	}
	return types.Timestamp(us), nil
}
