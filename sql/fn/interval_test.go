package fn

import "testing"

func TestParseInterval(t *testing.T) {
	const h, m, sec = microsPerHour, microsPerMinute, microsPerSecond
	for _, c := range []struct {
		in, unit string
		want     Interval
		code     string
	}{
		// Answers checked against PostgreSQL 15.
		{in: "1 hour", want: Interval{Micros: h}},
		{in: "2 days", want: Interval{Days: 2}},
		{in: "1 month", want: Interval{Months: 1}},
		{in: "1 mon", want: Interval{Months: 1}},
		{in: "1:30:00", want: Interval{Micros: h + 30*m}},
		{in: "1:30", want: Interval{Micros: h + 30*m}},
		{in: "-1:30", want: Interval{Micros: -(h + 30*m)}},
		{in: "1 day -1:30", want: Interval{Days: 1, Micros: -(h + 30*m)}},
		{in: "@ 2 days ago", want: Interval{Days: -2}},
		{in: "5min", want: Interval{Micros: 5 * m}},
		{in: "1d2h", want: Interval{Days: 1, Micros: 2 * h}},
		{in: "3 m", want: Interval{Micros: 3 * m}},
		{in: "5", want: Interval{Micros: 5 * sec}},
		{in: "1 hour 30", want: Interval{Micros: h + 30*sec}},
		{in: "1.5 years", want: Interval{Months: 18}},
		{in: "1.99 years", want: Interval{Months: 24}},
		{in: "1.04 years", want: Interval{Months: 12}},
		{in: "1.5 months", want: Interval{Months: 1, Days: 15}},
		{in: "0.7 months", want: Interval{Days: 21}},
		{in: "1.5 days", want: Interval{Days: 1, Micros: 12 * h}},
		{in: "-1.5 days", want: Interval{Days: -1, Micros: -12 * h}},
		{in: "1.5 weeks", want: Interval{Days: 10, Micros: 12 * h}},
		{in: "1 week 2 days", want: Interval{Days: 9}},
		{in: "1.5 minutes", want: Interval{Micros: 90 * sec}},
		{in: "0.0000005 seconds", want: Interval{}},
		{in: "1 ms", want: Interval{Micros: 1000}},
		{in: "1 us", want: Interval{Micros: 1}},
		{in: "1 century", want: Interval{Months: 1200}},
		{in: "2 decades", want: Interval{Months: 240}},
		{in: "1 millennium", want: Interval{Months: 12000}},
		{in: "-1 day +2 hours", want: Interval{Days: -1, Micros: 2 * h}},
		{in: "1 HOUR", want: Interval{Micros: h}},
		// ISO 8601.
		{in: "P1DT2H", want: Interval{Days: 1, Micros: 2 * h}},
		{in: "P1.5D", want: Interval{Days: 1, Micros: 12 * h}},
		{in: "PT1.5S", want: Interval{Micros: 1500000}},
		{in: "P1W", want: Interval{Days: 7}},
		{in: "P1Y2M", want: Interval{Months: 14}},
		{in: "PT-5M", want: Interval{Micros: -5 * m}},
		{in: "P1DT2H30M", want: Interval{Days: 1, Micros: 2*h + 30*m}},
		// With a qualifier: bare numbers count the unit, smaller parts go.
		{in: "5", unit: "MINUTE", want: Interval{Micros: 5 * m}},
		{in: "1.5", unit: "HOUR", want: Interval{Micros: h}},
		{in: "90", unit: "minute", want: Interval{Micros: 90 * m}},
		{in: "1 day 3 hours", unit: "DAY", want: Interval{Days: 1}},
		{in: "1 day 3 hours 5 minutes", unit: "HOUR", want: Interval{Days: 1, Micros: 3 * h}},
		{in: "2", unit: "YEAR", want: Interval{Months: 24}},
		{in: "1:30", unit: "MINUTE", want: Interval{Micros: h + 30*m}},
		{in: "1 hour", unit: "MINUTE", want: Interval{Micros: h}},
		// Errors.
		{in: "abc", code: "22007"},
		{in: "", code: "22007"},
		{in: "1 fortnight", code: "22007"},
		{in: "1 day 1 day", code: "22007"},
		{in: "P", code: "22007"},
		{in: "PT", code: "22007"},
		{in: "P1H", code: "22007"},
		{in: "1 hour", unit: "FORTNIGHT", code: "42601"},
	} {
		got, err := ParseInterval(c.in, c.unit)
		if code := errCode(err); code != c.code {
			t.Errorf("ParseInterval(%q, %q): error %q (%v), want %q", c.in, c.unit, code, err, c.code)
			continue
		}
		if c.code == "" && got != c.want {
			t.Errorf("ParseInterval(%q, %q) = %+v, want %+v", c.in, c.unit, got, c.want)
		}
	}
}

func TestAddInterval(t *testing.T) {
	for _, c := range []struct {
		ts   string
		iv   Interval
		sign int
		want string
	}{
		// Answers checked against PostgreSQL 15.
		{"2024-01-31", Interval{Months: 1}, 1, "2024-02-29T00:00:00Z"},
		{"2024-03-31", Interval{Months: 1}, -1, "2024-02-29T00:00:00Z"},
		{"2024-01-31T10:00:00Z", Interval{Months: 1, Days: 1, Micros: microsPerHour}, 1, "2024-03-01T11:00:00Z"},
		{"2023-01-31", Interval{Months: 1}, 1, "2023-02-28T00:00:00Z"},
		{"2024-12-15", Interval{Months: 1}, 1, "2025-01-15T00:00:00Z"},
		{"2024-01-15", Interval{Months: 13}, -1, "2022-12-15T00:00:00Z"},
		{"1969-12-31T23:00:00Z", Interval{Months: 2}, 1, "1970-02-28T23:00:00Z"},
		{"2024-01-01", Interval{Days: 1, Micros: -1}, 1, "2024-01-01T23:59:59.999999Z"},
		{"2024-01-01", Interval{Micros: 90 * microsPerMinute}, -1, "2023-12-31T22:30:00Z"},
	} {
		if got := FormatTimestamp(AddInterval(ts(c.ts).Micros(), c.iv, c.sign)); got != c.want {
			t.Errorf("%s %+d*%+v = %s, want %s", c.ts, c.sign, c.iv, got, c.want)
		}
	}
}

func FuzzParseInterval(f *testing.F) {
	for _, s := range []string{"1 hour", "P1DT2H", "1:30:00", "@ 1.5 days ago", "5min"} {
		f.Add(s, "")
	}
	f.Add("5", "MINUTE")
	f.Fuzz(func(t *testing.T, s, unit string) {
		_, _ = ParseInterval(s, unit) // must not panic
	})
}
