package types

import (
	"math"
	"testing"
	"unsafe"
)

func TestIntervalValue(t *testing.T) {
	if s := unsafe.Sizeof(Value{}); s != 40 {
		t.Fatalf("Value is %d bytes, want 40 (months and days must sit in kind's padding)", s)
	}
	const day, hour = 24 * 3600 * 1_000_000, 3600 * 1_000_000
	cases := []struct {
		v    Value
		json string
	}{
		{Interval(0, 0, 0), `"PT0S"`},
		{Interval(0, 1, 3*hour+4*60e6+5e6), `"P1DT3H4M5S"`},
		{Interval(0, 0, 27*hour), `"PT27H"`},
		{Interval(14, 0, 0), `"P1Y2M"`},
		{Interval(0, 0, 1500000), `"PT1.5S"`},
		{Interval(0, -1, -hour), `"P-1DT-1H"`},
		{Interval(-1, 0, 1), `"P-1MT0.000001S"`},
		{Interval(-MaxIntervalMonths, math.MinInt32, math.MinInt64), `"P-699050Y-7M-2147483648DT-2562047788H-54.775808S"`},
	}
	for _, c := range cases {
		if got := c.v.JSON(); got != c.json {
			t.Errorf("months %d days %d us %d: JSON %s, want %s", c.v.IntervalMonths(), c.v.IntervalDays(), c.v.Micros(), got, c.json)
		}
		b := AppendBinary(nil, c.v)
		back, err := DecodeBinary(b)
		if err != nil || back.Kind() != KindInterval || back.IntervalMonths() != c.v.IntervalMonths() || back.IntervalDays() != c.v.IntervalDays() || back.Micros() != c.v.Micros() {
			t.Errorf("binary round trip of %s: %v %v", c.json, back, err)
		}
	}
	for _, m := range []int32{0, 1, -1, 255, 256, -256, MaxIntervalMonths, -MaxIntervalMonths} {
		if got := Interval(m, 0, 0).IntervalMonths(); got != m {
			t.Errorf("months %d read back as %d", m, got)
		}
	}
	// A month is 30 days and a day 24 hours when intervals are compared,
	// as in PostgreSQL.
	order := []Value{
		Interval(-MaxIntervalMonths, math.MinInt32, math.MinInt64),
		Interval(-1, 0, 0),
		Interval(0, 0, -1),
		Interval(0, 0, 0),
		Interval(0, 29, 0),
		Interval(1, 0, -1),
		Interval(1, 0, 0),
		Interval(0, 30, 1),
		Interval(0, 31, 0),
		Interval(MaxIntervalMonths, math.MaxInt32, math.MaxInt64),
	}
	for i := range order {
		for j := range order {
			want := cmpInt(i, j)
			if got := Compare(order[i], order[j]); got != want {
				t.Errorf("Compare(#%d, #%d) = %d, want %d", i, j, got, want)
			}
		}
	}
	if !Equal(Interval(1, 0, 0), Interval(0, 30, 0)) || !Equal(Interval(0, 1, 0), Interval(0, 0, day)) {
		t.Error("1 month <> 30 days or 1 day <> 24 hours")
	}
	if Compare(Interval(0, 0, 0), Object(nil)) <= 0 || !Interval(0, 0, 0).Kind().IsScalar() {
		t.Error("intervals sort after objects and are scalars")
	}
}

func TestStorable(t *testing.T) {
	doc := Object([]Field{
		{Name: "a", Value: Int(1)},
		{Name: "d", Value: Interval(0, 1, 3600e6)},
		{Name: "arr", Value: Array([]Value{String("x"), Interval(1, 0, 0)})},
		{Name: "o", Value: Object([]Field{{Name: "n", Value: Interval(0, 0, -1)}})},
	})
	got := Storable(doc)
	if want := `{"a":1,"d":"P1DT1H","arr":["x","P1M"],"o":{"n":"PT-0.000001S"}}`; got.JSON() != want || HoldsInterval(got) {
		t.Errorf("Storable = %s, want %s", got.JSON(), want)
	}
	plain := Object([]Field{{Name: "a", Value: Array([]Value{Int(1)})}})
	if s := Storable(plain); s.ptr != plain.ptr {
		t.Error("a document without intervals was copied")
	}
}
