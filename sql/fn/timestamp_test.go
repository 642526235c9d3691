package fn

import (
	"testing"
	"time"
)

func TestParseFormatTimestamp(t *testing.T) {
	for _, c := range []struct {
		in, want string // want is the FormatTimestamp rendering
		code     string
	}{
		{in: "2024-01-01T00:00:00Z", want: "2024-01-01T00:00:00Z"},
		{in: "2024-01-01", want: "2024-01-01T00:00:00Z"},
		{in: "2024-01-01 10:00", want: "2024-01-01T10:00:00Z"},
		{in: "2024-01-01t10:00:00z", want: "2024-01-01T10:00:00Z"},
		{in: "2024-01-01T10:00:00.123456Z", want: "2024-01-01T10:00:00.123456Z"},
		{in: "2024-01-01T10:00:00.5", want: "2024-01-01T10:00:00.5Z"},
		{in: "2024-01-01 10:00:00.1234567", want: "2024-01-01T10:00:00.123457Z"},
		{in: "2024-01-01T10:00:00+02:00", want: "2024-01-01T08:00:00Z"},
		{in: "2024-01-01 10:00 -0530", want: "2024-01-01T15:30:00Z"},
		{in: "2024-01-01 10:00:00+02", want: "2024-01-01T08:00:00Z"},
		{in: "2024-01-01 10:00:00 UTC", want: "2024-01-01T10:00:00Z"},
		{in: "2024-01-01 24:00:00", want: "2024-01-02T00:00:00Z"},
		{in: "2024-12-31 23:59:60", want: "2025-01-01T00:00:00Z"},
		{in: " 1969-12-31T23:59:59.999999Z ", want: "1969-12-31T23:59:59.999999Z"},
		{in: "epoch", want: "1970-01-01T00:00:00Z"},
		{in: "2024-02-29", want: "2024-02-29T00:00:00Z"},
		{in: "foo", code: "22007"},
		{in: "2024-01-01T", code: "22007"},
		{in: "2024-01-01 10", code: "22007"},
		{in: "2024-01-01 10:00:00 PST", code: "22007"},
		{in: "2024-13-01", code: "22008"},
		{in: "2023-02-29", code: "22008"},
		{in: "2024-01-01 25:00:00", code: "22008"},
	} {
		us, err := ParseTimestamp(c.in)
		if code := errCode(err); code != c.code {
			t.Errorf("ParseTimestamp(%q): error %q (%v), want %q", c.in, code, err, c.code)
			continue
		}
		if c.code == "" {
			if got := FormatTimestamp(us); got != c.want {
				t.Errorf("ParseTimestamp(%q) renders %q, want %q", c.in, got, c.want)
			}
		}
	}
}

func TestFormatTimestampRoundTrip(t *testing.T) {
	for _, us := range []int64{0, 1, -1, 1704067200000000, 1704067200500000, -62135596800000000, 253402300799999999} {
		txt := FormatTimestamp(us)
		back, err := ParseTimestamp(txt)
		if err != nil || back != us {
			t.Errorf("%d -> %q -> %d, %v", us, txt, back, err)
		}
		if want := time.UnixMicro(us).UTC(); !want.Equal(time.UnixMicro(back)) {
			t.Errorf("%d round trip differs", us)
		}
	}
}

func FuzzParseTimestamp(f *testing.F) {
	for _, s := range []string{"2024-01-01", "2024-01-01T10:00:00.5+02:00", "epoch", "2024-12-31 24:00:00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		us, err := ParseTimestamp(s)
		if err != nil {
			return
		}
		// Whatever parses renders and parses back to the same instant.
		back, err := ParseTimestamp(FormatTimestamp(us))
		if err != nil || back != us {
			t.Fatalf("%q -> %d -> %q -> %d, %v", s, us, FormatTimestamp(us), back, err)
		}
	})
}
