package fn

import (
	"math"
	"testing"
)

func TestTimeFuncs(t *testing.T) {
	t0 := ts("2021-01-03T10:11:12.5Z") // a Sunday in ISO week 53 of 2020
	runFnCases(t, []fnCase{
		{name: "now", want: ts("2024-05-06T07:08:09.123456Z")},
		{name: "current_timestamp", want: ts("2024-05-06T07:08:09.123456Z")},
		{name: "current_date", want: ts("2024-05-06")},
		// date_trunc, checked against PostgreSQL 15.
		{name: "date_trunc", args: vals(s("week"), ts("2024-01-03 10:00")), want: ts("2024-01-01")},
		{name: "date_trunc", args: vals(s("week"), ts("2024-01-07 23:00")), want: ts("2024-01-01")},
		{name: "date_trunc", args: vals(s("quarter"), ts("2024-05-03")), want: ts("2024-04-01")},
		{name: "date_trunc", args: vals(s("century"), ts("2024-05-03")), want: ts("2001-01-01")},
		{name: "date_trunc", args: vals(s("millennium"), ts("2000-05-03")), want: ts("1001-01-01")},
		{name: "date_trunc", args: vals(s("decade"), ts("2024-05-03")), want: ts("2020-01-01")},
		{name: "date_trunc", args: vals(s("year"), ts("2024-05-03")), want: ts("2024-01-01")},
		{name: "date_trunc", args: vals(s("month"), ts("2024-05-03 10:00")), want: ts("2024-05-01")},
		{name: "date_trunc", args: vals(s("day"), ts("1969-12-31T23:00:00Z")), want: ts("1969-12-31")},
		{name: "date_trunc", args: vals(s("hours"), ts("2024-05-03 10:11:12")), want: ts("2024-05-03 10:00")},
		{name: "date_trunc", args: vals(s("MINUTE"), ts("2024-05-03 10:11:12")), want: ts("2024-05-03 10:11")},
		{name: "date_trunc", args: vals(s("second"), ts("2024-05-03 10:11:12.7")), want: ts("2024-05-03 10:11:12")},
		{name: "date_trunc", args: vals(s("milliseconds"), ts("2024-05-03 10:11:12.345678")), want: ts("2024-05-03 10:11:12.345")},
		{name: "date_trunc", args: vals(s("foo"), t0), code: "22023"},
		{name: "date_trunc", args: vals(s("day"), s("2024-01-01")), code: "42883"},
		{name: "date_trunc", args: vals(s("day"), null), want: null},
		// extract, checked against PostgreSQL 15.
		{name: "extract", args: vals(s("year"), t0), want: i(2021)},
		{name: "extract", args: vals(s("quarter"), t0), want: i(1)},
		{name: "extract", args: vals(s("month"), t0), want: i(1)},
		{name: "extract", args: vals(s("day"), t0), want: i(3)},
		{name: "extract", args: vals(s("hour"), t0), want: i(10)},
		{name: "extract", args: vals(s("minute"), t0), want: i(11)},
		{name: "extract", args: vals(s("week"), t0), want: i(53)},
		{name: "extract", args: vals(s("dow"), t0), want: i(0)},
		{name: "extract", args: vals(s("isodow"), t0), want: i(7)},
		{name: "extract", args: vals(s("doy"), t0), want: i(3)},
		{name: "extract", args: vals(s("second"), t0), want: f(12.5)},
		{name: "extract", args: vals(s("millisecond"), t0), want: i(12500)},
		{name: "extract", args: vals(s("microsecond"), t0), want: i(12500000)},
		{name: "extract", args: vals(s("epoch"), t0), want: f(1609668672.5)},
		{name: "extract", args: vals(s("decade"), t0), want: i(202)},
		{name: "extract", args: vals(s("century"), t0), want: i(21)},
		{name: "extract", args: vals(s("millennium"), t0), want: i(3)},
		{name: "extract", args: vals(s("isoyear"), t0), want: i(2020)},
		{name: "date_part", args: vals(s("second"), ts("2021-01-03T10:11:12Z")), want: f(12)},
		{name: "date_part", args: vals(s("millisecond"), ts("2021-01-03T10:11:12.0005Z")), want: f(12000.5)},
		{name: "extract", args: vals(s("foo"), t0), code: "22023"},
		// Conversions to and from Unix time.
		{name: "to_timestamp", args: vals(f(1.5)), want: ts("1970-01-01T00:00:01.5Z")},
		{name: "to_timestamp", args: vals(i(0)), want: ts("1970-01-01")},
		{name: "to_timestamp", args: vals(f(math.NaN())), code: "22008"},
		{name: "to_timestamp", args: vals(f(1e20)), code: "22008"},
		{name: "timestamp_seconds", args: vals(i(1704067200)), want: ts("2024-01-01")},
		{name: "timestamp_millis", args: vals(i(1704067200500)), want: ts("2024-01-01T00:00:00.5Z")},
		{name: "timestamp_micros", args: vals(i(-1)), want: ts("1969-12-31T23:59:59.999999Z")},
		{name: "timestamp_seconds", args: vals(i(math.MaxInt64)), code: "22003"},
		{name: "unix_seconds", args: vals(ts("2024-01-01T00:00:00.9Z")), want: i(1704067200)},
		{name: "unix_seconds", args: vals(ts("1969-12-31T23:59:59.5Z")), want: i(-1)},
		{name: "unix_millis", args: vals(ts("2024-01-01T00:00:00.5Z")), want: i(1704067200500)},
		{name: "unix_micros", args: vals(ts("1970-01-01T00:00:00.000001Z")), want: i(1)},
		{name: "parse_timestamp_iso8601", args: vals(s("2024-01-01T10:00:00+02:00")), want: ts("2024-01-01T08:00:00Z")},
		{name: "parse_timestamp_iso8601", args: vals(s("nope")), code: "22007"},
		{name: "format_iso8601", args: vals(ts("2024-01-01T00:00:00.25Z")), want: s("2024-01-01T00:00:00.25Z")},
		// Buckets: date_bin checked against PostgreSQL 15.
		{name: "date_bin", args: vals(s("15 minutes"), ts("2024-01-01 11:27"), ts("2000-01-01")), want: ts("2024-01-01 11:15")},
		{name: "date_bin", args: vals(s("1 hour"), ts("2024-01-01 11:27"), ts("1970-01-01 00:05")), want: ts("2024-01-01 11:05")},
		{name: "date_bin", args: vals(s("1 hour"), ts("2024-01-01 11:27"), ts("2030-01-01 00:05")), want: ts("2024-01-01 11:05")},
		{name: "date_bin", args: vals(s("1 month"), t0, t0), code: "0A000"},
		{name: "date_bin", args: vals(s("0 s"), t0, t0), code: "22008"},
		{name: "time_bucket", args: vals(s("5 minutes"), ts("2024-01-01 11:27:30")), want: ts("2024-01-01 11:25")},
		{name: "time_bucket", args: vals(i(60e6), ts("2024-01-01 11:27:30")), want: ts("2024-01-01 11:27")},
		{name: "time_bucket", args: vals(s("1 hour"), ts("2024-01-01 11:27"), ts("1970-01-01 00:05")), want: ts("2024-01-01 11:05")},
		{name: "time_bucket", args: vals(s("1 day"), ts("1969-12-31T10:00:00Z")), want: ts("1969-12-31")},
		{name: "time_bucket", args: vals(s("1 month"), t0), code: "0A000"},
		{name: "time_bucket", args: vals(i(0), t0), code: "22008"},
		{name: "time_bucket", args: vals(s("bogus"), t0), code: "22007"},
	})
}

func TestVolatile(t *testing.T) {
	for _, name := range []string{"now", "current_timestamp", "current_date", "random", "gen_random_uuid", "uuid"} {
		if fn, ok := Lookup(name); !ok || !fn.Volatile {
			t.Errorf("%s: want a volatile function", name)
		}
	}
	for _, name := range []string{"abs", "date_trunc", "version", "lower"} {
		if fn, ok := Lookup(name); !ok || fn.Volatile {
			t.Errorf("%s: want a non-volatile function", name)
		}
	}
	// One value per statement: folded by the planner; the others never.
	for name, stable := range map[string]bool{"now": true, "current_timestamp": true, "current_date": true, "random": false, "gen_random_uuid": false} {
		if fn, _ := Lookup(name); fn.Stable != stable {
			t.Errorf("%s: stable %v, want %v", name, fn.Stable, stable)
		}
	}
}
