package fn

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/basaltdb/basalt/types"
)

// charPatterns are to_char's template patterns for timestamps, longest
// first where one is a prefix of another (HH24 before HH, MONTH before
// MON, DDD before DD before D).
var charPatterns = []string{
	"HH24", "HH12", "HH", "MI", "SSSSS", "SSSS", "SS", "MS", "US",
	"FF1", "FF2", "FF3", "FF4", "FF5", "FF6",
	"AM", "PM", "am", "pm", "A.M.", "P.M.", "a.m.", "p.m.",
	"AD", "BC", "ad", "bc", "A.D.", "B.C.", "a.d.", "b.c.",
	"Y,YYY", "YYYY", "YYY", "YY", "Y", "IW", "IYYY", "IYY", "IY", "IDDD", "ID", "I",
	"MONTH", "Month", "month", "MON", "Mon", "mon", "MM", "RM", "rm",
	"DAY", "Day", "day", "DY", "Dy", "dy", "DDD", "DD", "D",
	"WW", "W", "CC", "Q", "J", "TZH", "TZM", "TZ", "tz", "OF",
}

// caseless are the patterns that have no lower- or mixed-case variant.
var caseless = map[string]bool{
	"HH24": true, "HH12": true, "HH": true, "MI": true, "SSSSS": true, "SSSS": true, "SS": true, "MS": true, "US": true,
	"FF1": true, "FF2": true, "FF3": true, "FF4": true, "FF5": true, "FF6": true,
	"Y,YYY": true, "YYYY": true, "YYY": true, "YY": true, "Y": true, "IYYY": true, "IYY": true, "IY": true,
	"IDDD": true, "ID": true, "I": true, "MM": true,
	"DDD": true, "DD": true, "D": true, "IW": true, "WW": true, "W": true, "CC": true, "Q": true, "J": true,
	"TZH": true, "TZM": true, "OF": true,
}

// evalToChar is to_char(value, template): of a timestamp, as PostgreSQL
// formats a timestamptz with TimeZone UTC; of an interval, with the
// patterns that make sense for one; of a number (tochar_num.go).
func evalToChar(_ *Ctx, a []types.Value) (types.Value, error) {
	if a[1].Kind() != types.KindString {
		return types.Value{}, errNoFunction("to_char", a)
	}
	tmpl := a[1].Str()
	var s string
	var err error
	switch a[0].Kind() {
	case types.KindTimestamp:
		t := time.UnixMicro(a[0].Micros()).UTC()
		s, err = formatDateTemplate(tmpl, func(p string, fm bool) (string, error) {
			return charField(t, p, fm), nil
		})
	case types.KindInterval:
		iv := intervalFields(intervalOf(a[0]))
		s, err = formatDateTemplate(tmpl, iv.field)
	case types.KindInt, types.KindFloat:
		s, err = formatNumberTemplate(a[0], tmpl)
	default:
		return types.Value{}, errNoFunction("to_char", a)
	}
	if err != nil {
		return types.Value{}, err
	}
	if len(s) > maxStringBytes {
		return types.Value{}, errTooLong()
	}
	return types.String(s), nil
}

// formatNumberTemplate is to_char of an int or a float.
func formatNumberTemplate(v types.Value, tmpl string) (string, error) {
	nt, err := parseNumTemplate(tmpl)
	if err != nil {
		return "", err
	}
	var d decimalNum
	if v.Kind() == types.KindInt {
		d = intDecimal(v.Int())
	} else {
		f := v.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return toCharNumber(nt, nil), nil
		}
		d = floatDecimal(f)
	}
	return toCharNumber(nt, &d), nil
}

// formatDateTemplate writes a date and time template: the patterns of
// charPatterns, each through field, FM before a pattern to drop its
// padding, a TH or th suffix for an ordinal, "quoted" text kept as
// written (a backslash in it escapes the next character; outside quotes,
// only a double quote), anything else copied.
func formatDateTemplate(tmpl string, field func(p string, fm bool) (string, error)) (string, error) {
	var b strings.Builder
	for i := 0; i < len(tmpl); {
		if tmpl[i] == '"' {
			j := i + 1
			for j < len(tmpl) && tmpl[j] != '"' {
				if tmpl[j] == '\\' && j+1 < len(tmpl) {
					j++
				}
				b.WriteByte(tmpl[j])
				j++
			}
			i = j + 1
			continue
		}
		if tmpl[i] == '\\' && i+1 < len(tmpl) && tmpl[i+1] == '"' {
			b.WriteByte('"')
			i += 2
			continue
		}
		fm := false
		for {
			if strings.HasPrefix(tmpl[i:], "FM") || strings.HasPrefix(tmpl[i:], "fm") {
				fm = true
				i += 2
			} else if strings.HasPrefix(tmpl[i:], "FX") || strings.HasPrefix(tmpl[i:], "fx") {
				i += 2 // fixed format matters to parsing only
			} else {
				break
			}
		}
		if i >= len(tmpl) {
			break
		}
		p := ""
		for _, c := range charPatterns {
			if strings.HasPrefix(tmpl[i:], c) {
				p = c
				break
			}
			// Patterns without case variants match in any case
			// (yyyy-mm-dd hh24:mi:ss), as in PostgreSQL.
			if caseless[c] && len(tmpl)-i >= len(c) && strings.EqualFold(tmpl[i:i+len(c)], c) {
				p = c
				break
			}
		}
		if p == "" {
			if fm {
				continue // FM before no pattern is dropped
			}
			b.WriteByte(tmpl[i])
			i++
			continue
		}
		i += len(p)
		f, err := field(p, fm)
		if err != nil {
			return "", err
		}
		// A th or TH suffix makes a number ordinal: 1st, 22ND.
		if sfx := tmpl[i:min(i+2, len(tmpl))]; sfx == "th" || sfx == "TH" {
			if n, err := strconv.Atoi(strings.TrimSpace(f)); err == nil {
				f += ordinalSuffix(n, sfx == "TH")
				i += 2
			}
		}
		b.WriteString(f)
		if b.Len() > maxStringBytes {
			return "", errTooLong()
		}
	}
	return b.String(), nil
}

// charField is the text of one to_char pattern.
func charField(t time.Time, p string, fm bool) string {
	num := func(n, width int) string {
		s := strconv.Itoa(n)
		if fm || len(s) >= width {
			return s
		}
		return strings.Repeat("0", width-len(s)) + s
	}
	// word is a month's or a day's name as its pattern cases it, padded
	// to 9 unless FM (their three-letter forms are never padded).
	word := func(s string, upper, lower bool) string {
		s = caseAs(s, upper, lower)
		if !fm && len(s) < 9 {
			s += strings.Repeat(" ", 9-len(s))
		}
		return s
	}
	h12 := t.Hour() % 12
	if h12 == 0 {
		h12 = 12
	}
	switch p {
	case "HH24":
		return num(t.Hour(), 2)
	case "HH12", "HH":
		return num(h12, 2)
	case "MI":
		return num(t.Minute(), 2)
	case "SS":
		return num(t.Second(), 2)
	case "MS":
		return num(t.Nanosecond()/1e6, 3)
	case "US":
		return num(t.Nanosecond()/1e3, 6)
	case "AM", "PM":
		if t.Hour() < 12 {
			return "AM"
		}
		return "PM"
	case "am", "pm":
		if t.Hour() < 12 {
			return "am"
		}
		return "pm"
	case "A.M.", "P.M.":
		if t.Hour() < 12 {
			return "A.M."
		}
		return "P.M."
	case "a.m.", "p.m.":
		if t.Hour() < 12 {
			return "a.m."
		}
		return "p.m."
	case "YYYY":
		return num(t.Year(), 4)
	case "YYY":
		return num(t.Year()%1000, 3)
	case "YY":
		return num(t.Year()%100, 2)
	case "Y":
		return num(t.Year()%10, 1)
	case "MONTH", "Month", "month":
		return word(t.Month().String(), p == "MONTH", p == "month")
	case "MON", "Mon", "mon":
		return caseAs(t.Month().String()[:3], p == "MON", p == "mon")
	case "MM":
		return num(int(t.Month()), 2)
	case "DAY", "Day", "day":
		return word(t.Weekday().String(), p == "DAY", p == "day")
	case "DY", "Dy", "dy":
		return caseAs(t.Weekday().String()[:3], p == "DY", p == "dy")
	case "DDD":
		return num(t.YearDay(), 3)
	case "DD":
		return num(t.Day(), 2)
	case "D":
		return strconv.Itoa(int(t.Weekday()) + 1)
	case "IW":
		_, w := t.ISOWeek()
		return num(w, 2)
	case "W":
		return strconv.Itoa((t.Day()-1)/7 + 1)
	case "CC":
		y := t.Year()
		if y > 0 {
			return num((y+99)/100, 2)
		}
		return num(y/100-1, 2)
	case "ID":
		d := int(t.Weekday())
		if d == 0 {
			d = 7
		}
		return strconv.Itoa(d)
	case "IDDD":
		_, w := t.ISOWeek()
		d := int(t.Weekday())
		if d == 0 {
			d = 7
		}
		return num((w-1)*7+d, 3)
	case "IYYY", "IYY", "IY", "I":
		y, _ := t.ISOWeek()
		digits := map[string]int{"IYYY": 4, "IYY": 3, "IY": 2, "I": 1}[p]
		mod := map[string]int{"IYYY": 1 << 30, "IYY": 1000, "IY": 100, "I": 10}[p]
		return num(y%mod, digits)
	case "Y,YYY":
		y := t.Year()
		return strconv.Itoa(y/1000) + "," + num(y%1000, 3)
	case "SSSS", "SSSSS":
		return strconv.Itoa(t.Hour()*3600 + t.Minute()*60 + t.Second())
	case "FF1", "FF2", "FF3", "FF4", "FF5", "FF6":
		n := int(p[2] - '0')
		us := t.Nanosecond() / 1000
		for k := n; k < 6; k++ {
			us /= 10
		}
		return num(us, n)
	case "AD", "BC", "ad", "bc", "A.D.", "B.C.", "a.d.", "b.c.":
		era := "AD"
		if t.Year() <= 0 {
			era = "BC"
		}
		if strings.Contains(p, ".") {
			era = era[:1] + "." + era[1:] + "."
		}
		if p[0] >= 'a' {
			era = strings.ToLower(era)
		}
		return era
	case "RM", "rm":
		s := []string{"I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"}[t.Month()-1]
		if !fm && len(s) < 4 {
			s += strings.Repeat(" ", 4-len(s))
		}
		if p == "rm" {
			s = strings.ToLower(s)
		}
		return s
	case "TZH", "OF":
		return "+00"
	case "TZM":
		return "00"
	case "WW":
		return num((t.YearDay()-1)/7+1, 2)
	case "Q":
		return strconv.Itoa((int(t.Month())-1)/3 + 1)
	case "J":
		return strconv.FormatInt(floorDiv(t.Unix(), 86400)+2440588, 10)
	case "TZ":
		return "UTC"
	case "tz":
		return "utc"
	}
	return p
}

// ordinalSuffix is the English ordinal suffix of n (st, nd, rd, th).
func ordinalSuffix(n int, upper bool) string {
	sfx := "th"
	if n < 0 {
		n = -n // -3rd, as PostgreSQL reads the last digits
	}
	if n%100 < 11 || n%100 > 13 {
		switch n % 10 {
		case 1:
			sfx = "st"
		case 2:
			sfx = "nd"
		case 3:
			sfx = "rd"
		}
	}
	if upper {
		return strings.ToUpper(sfx)
	}
	return sfx
}

// caseAs upper- or lower-cases s, or keeps it (a capitalized pattern).
func caseAs(s string, upper, lower bool) string {
	switch {
	case upper:
		return strings.ToUpper(s)
	case lower:
		return strings.ToLower(s)
	}
	return s
}
