package storage

import (
	"strings"
	"testing"
	"time"

	"github.com/basaltdb/basalt/catalog"
	"github.com/basaltdb/basalt/types"
)

// TestEventTimeISO8601 reads event times in the default format, ISO-8601:
// each accepted form, with and without fractional seconds and offsets of
// either sign, and forms that must still be refused.
func TestEventTimeISO8601(t *testing.T) {
	at := func(y, mo, d, h, mi, s, ns int, loc *time.Location) int64 {
		return time.Date(y, time.Month(mo), d, h, mi, s, ns, loc).UnixMicro()
	}
	utc := time.UTC
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	ten := at(2026, 1, 15, 10, 0, 0, 0, utc)
	const h, m = 3600e6, 60e6
	for _, tc := range []struct {
		in   string
		tz   string // "" is UTC
		want int64  // micros; 0 for refused
	}{
		// Extended format, as before.
		{"2026-01-15T10:00:00Z", "", ten},
		{"2026-01-15T10:00:00.123456789Z", "", ten + 123456},
		{"2026-01-15T10:00:00+05:30", "", ten - 5*h - 30*m},
		{"2026-01-15T10:00:00-05:30", "", ten + 5*h + 30*m},
		{"2026-01-15T10:00:00.5-05:30", "", ten + 5*h + 30*m + 500000},
		{"2026-01-15 10:00:00Z", "", ten},
		{"2026-01-15 10:00:00.25+01:00", "", ten - h + 250000},
		{"2026-01-15T10:00:00,5Z", "", ten + 500000},
		{"2026-01-15T9:00:00Z", "", ten - h},
		{"2026-01-15", "", at(2026, 1, 15, 0, 0, 0, 0, utc)},
		{"0000-01-01T00:00:00Z", "", at(0, 1, 1, 0, 0, 0, 0, utc)},
		// Without seconds.
		{"2026-01-15T10:00Z", "", ten},
		{"2026-01-15T10:00+05:30", "", ten - 5*h - 30*m},
		{"2026-01-15 10:00-02", "", ten + 2*h},
		// Offsets of hours only, or without a colon.
		{"2026-01-15T10:00:00+05", "", ten - 5*h},
		{"2026-01-15T10:00:00-05", "", ten + 5*h},
		{"2026-01-15T10:00:00+0530", "", ten - 5*h - 30*m},
		{"2026-01-15T10:00:00-0530", "", ten + 5*h + 30*m},
		{"2026-01-15T10:00:00.123+05", "", ten - 5*h + 123000},
		{"2026-01-15T10:00:00.123-0530", "", ten + 5*h + 30*m + 123000},
		{"2026-01-15T10:00:00+00", "", ten},
		{"2026-01-15T10:00:00-00:00", "", ten},
		// Basic format.
		{"20260115T100000Z", "", ten},
		{"20260115T100000.5Z", "", ten + 500000},
		{"20260115T100000,000001Z", "", ten + 1},
		{"20260115T100000+0530", "", ten - 5*h - 30*m},
		{"20260115T100000-05", "", ten + 5*h},
		{"20260115T100000+05:30", "", ten - 5*h - 30*m},
		{"20260115T1000Z", "", ten},
		{"20260115T1000-0100", "", ten + h},
		// Local times (no offset) are in the collection's time zone.
		{"2026-01-15T10:00:00", "", ten},
		{"2026-01-15T10:00:00", "Europe/Paris", at(2026, 1, 15, 10, 0, 0, 0, paris)},
		{"2026-01-15T10:00", "Europe/Paris", ten - h},
		{"2026-07-15 10:00:00.5", "Europe/Paris", at(2026, 7, 15, 8, 0, 0, 500000000, utc)},
		{"20260115T100000", "Europe/Paris", ten - h},
		{"2026-01-15", "Europe/Paris", at(2026, 1, 14, 23, 0, 0, 0, utc)},
		{"2026-01-15T10:00:00Z", "Europe/Paris", ten},
		{"2026-01-15T10:00:00+05", "Europe/Paris", ten - 5*h},
		// Refused.
		{"2026-13-01", "", 0},
		{"2026-00-10", "", 0},
		{"2026-02-29", "", 0},
		{"2026-01-32", "", 0},
		{"2026-01-15T25:00Z", "", 0},
		{"2026-01-15T24:00:00Z", "", 0},
		{"2026-01-15T10:60Z", "", 0},
		{"2026-01-15T10:00:60Z", "", 0},
		{"2026-01-15T10:00:00+25", "", 0},
		{"2026-01-15T10:00:00+24:00", "", 0},
		{"2026-01-15T10:00:00+05:60", "", 0},
		{"2026-01-15T10:00:00+5", "", 0},
		{"2026-01-15T10:00:00+053", "", 0},
		{"2026-01-15T10:00:00+05:3", "", 0},
		{"2026-01-15T10:00:00+05:", "", 0},
		{"2026-01-15T10:00:00.Z", "", 0},
		{"2026-01-15T10:00:00z", "", 0},
		{"2026-01-15T10Z", "", 0},
		{"2026-01-15T10", "", 0},
		{"2026-01-15T", "", 0},
		{"2026-01-15Z", "", 0},
		{"2026-1-15", "", 0},
		{"26-01-15", "", 0},
		{"2026-01-15T100000Z", "", 0},
		{"20260115T10:00:00Z", "", 0},
		{"2026-0115", "", 0},
		{"202601-15", "", 0},
		{"20260115 100000Z", "", 0},
		{"20260115", "", 0},
		{"20260115T10000Z", "", 0},
		{" 2026-01-15", "", 0},
		{"2026-01-15 ", "", 0},
		{"2026-01-15T10:00:00Zjunk", "", 0},
		{"", "", 0},
		{"garbage", "", 0},
	} {
		tz := tc.tz
		if tz == "" {
			tz = "UTC"
		}
		got, err := parseEventTime(types.String(tc.in), catalog.FormatISO8601, tz, "ts")
		switch {
		case tc.want == 0 && err == nil:
			t.Errorf("%q (%s) = %s, want refused", tc.in, tz, time.UnixMicro(got).UTC())
		case tc.want == 0 && !strings.Contains(err.Error(), "is not an ISO-8601 timestamp"):
			t.Errorf("%q (%s): error %q", tc.in, tz, err)
		case tc.want != 0 && err != nil:
			t.Errorf("%q (%s): %v", tc.in, tz, err)
		case tc.want != 0 && got != tc.want:
			t.Errorf("%q (%s) = %s, want %s", tc.in, tz, time.UnixMicro(got).UTC(), time.UnixMicro(tc.want).UTC())
		}
	}
}

// TestEventTimeEpochStrings: a number in a string is still a number for the
// epoch formats, even one that reads as a basic ISO-8601 date.
func TestEventTimeEpochStrings(t *testing.T) {
	for _, tc := range []struct {
		in     string
		format string
		want   int64
	}{
		{"20260115", catalog.FormatSeconds, 20260115e6},
		{"1700000000", catalog.FormatSeconds, 1700000000e6},
		{"1700000000000", catalog.FormatMillis, 1700000000000e3},
		{"20260115T100000Z", catalog.FormatSeconds, time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC).UnixMicro()},
	} {
		got, err := parseEventTime(types.String(tc.in), tc.format, "UTC", "ts")
		if err != nil || got != tc.want {
			t.Errorf("%q (%s) = %d, %v; want %d", tc.in, tc.format, got, err, tc.want)
		}
	}
	if _, err := parseEventTime(types.String("20260115"), catalog.FormatISO8601, "UTC", "ts"); err == nil {
		t.Error(`"20260115" is an ISO-8601 event time`)
	}
}

// previousISOLayouts are the time package layouts event times were read
// with before parseISO8601.
var previousISOLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02",
}

// FuzzParseISO8601: what the previous layouts read, parseISO8601 reads to
// the same instant, but for zone offsets out of range (+24:00, +23:60),
// which the time package lets through.
func FuzzParseISO8601(f *testing.F) {
	for _, s := range []string{
		"2026-01-15T10:00:00Z", "2026-01-15T10:00:00.123456789+05:30", "2026-01-15 10:00:00",
		"2026-01-15", "2026-01-15T10:00Z", "20260115T100000+0530", "2026-01-15T1:00:00,5-01:00",
		"2026-03-29T02:30:00", "2026-10-25 02:30:00",
	} {
		f.Add(s)
	}
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, loc := range []*time.Location{time.UTC, paris} {
			got, ok := parseISO8601(s, loc)
			for _, layout := range previousISOLayouts {
				prev, err := time.ParseInLocation(layout, s, loc)
				if err != nil {
					continue
				}
				if !ok && previousOnlyReads(s) {
					break
				}
				if !ok || got != prev.UnixMicro() {
					t.Fatalf("parseISO8601(%q, %s) = %d, %v; the layout %q read %d", s, loc, got, ok, layout, prev.UnixMicro())
				}
				break
			}
		}
	})
}

// previousOnlyReads reports whether s is one of the strings the time
// package's layouts read and parseISO8601 refuses on purpose: a zone offset
// of 24 hours or 60 minutes (±hh:mm ending s), or a signed year ("-001").
func previousOnlyReads(s string) bool {
	if s != "" && (s[0] == '+' || s[0] == '-') {
		return true
	}
	n := len(s)
	return n >= 6 && (s[n-6] == '+' || s[n-6] == '-') && s[n-3] == ':' && (s[n-5:n-3] == "24" || s[n-2:] == "60")
}

// TestEventTimeZoneCache checks that a zone read once is reused and that
// an unknown zone is still refused, every time.
func TestEventTimeZoneCache(t *testing.T) {
	a, err := location("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := location("America/New_York"); a != b {
		t.Error("America/New_York was loaded twice")
	}
	for range 2 {
		if _, err := parseEventTime(types.String("2026-01-15T10:00:00"), catalog.FormatISO8601, "Mars/Olympus", "ts"); err == nil || !strings.Contains(err.Error(), `unknown time zone "Mars/Olympus"`) {
			t.Fatalf("unknown zone: %v", err)
		}
	}
}

// BenchmarkEventTimeLocal parses an ISO-8601 event time without an offset
// in a collection whose time_zone is not UTC.
func BenchmarkEventTimeLocal(b *testing.B) {
	v := types.String("2026-01-15T10:00:00.123")
	for b.Loop() {
		if _, err := parseEventTime(v, catalog.FormatISO8601, "America/New_York", "ts"); err != nil {
			b.Fatal(err)
		}
	}
}
