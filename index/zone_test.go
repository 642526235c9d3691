package index

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/basaltdb/basalt/types"
)

func zoneOf(vs ...types.Value) Zone {
	var z Zone
	for _, v := range vs {
		z.Add(v)
	}
	return z
}

func TestZoneAdd(t *testing.T) {
	z := zoneOf(types.Undefined, types.Null, types.Null, iv(5), fv(-1.5), sv("x"),
		types.Array([]types.Value{iv(100)}), types.Object(nil), iv(2))
	if z.Undefined != 1 || z.Nulls != 2 || z.Nested != 2 {
		t.Fatalf("counts %+v", z)
	}
	if !types.Equal(z.Min, fv(-1.5)) || !types.Equal(z.Max, sv("x")) {
		t.Fatalf("min %s max %s", show(z.Min), show(z.Max))
	}
	var empty Zone
	empty.Add(types.Null)
	if !empty.Min.IsUndefined() || !empty.Max.IsUndefined() {
		t.Fatal("a block of nulls has no min/max")
	}
	if empty.MayMatch(Eq(iv(1))) || !empty.MayMatch(Eq(types.Null)) || empty.MayMatch(Range(iv(0), true, types.Undefined, false)) {
		t.Fatal("MayMatch on an all-null block")
	}
}

func TestZoneMayMatchExamples(t *testing.T) {
	z := zoneOf(iv(10), iv(20), fv(15.5))
	for _, tc := range []struct {
		p    Predicate
		want bool
	}{
		{Eq(iv(10)), true},
		{Eq(fv(10)), true},
		{Eq(iv(9)), false},
		{Eq(iv(21)), false},
		{Eq(types.Null), false},
		{In(iv(1), iv(30)), false},
		{In(iv(1), iv(12)), true},
		{Range(iv(20), false, types.Undefined, false), false},
		{Range(iv(20), true, types.Undefined, false), true},
		{Range(types.Undefined, false, iv(10), false), false},
		{Range(types.Undefined, false, fv(10.5), false), true},
		{Range(iv(11), true, iv(12), true), true}, // zones are min/max only
		{Prefix("a"), false},
		{Range(sv("a"), true, types.Undefined, false), false},
	} {
		if got := z.MayMatch(tc.p); got != tc.want {
			t.Errorf("MayMatch(%s) = %v, want %v", tc.p, got, tc.want)
		}
	}
}

func TestZoneLongStrings(t *testing.T) {
	long := strings.Repeat("m", 100)
	z := zoneOf(sv(long+"a"), sv(long+"z"))
	if len(z.Min.Str()) > maxZoneString || len(z.Max.Str()) > maxZoneString {
		t.Fatalf("zone keeps long strings: %d, %d bytes", len(z.Min.Str()), len(z.Max.Str()))
	}
	for _, v := range []types.Value{sv(long + "a"), sv(long + "q"), sv(long + "z")} {
		if types.Compare(z.Min, v) > 0 || types.Compare(z.Max, v) < 0 {
			t.Fatalf("zone [%s, %s] does not bound %s", z.Min, z.Max, v)
		}
		if !z.MayMatch(Eq(v)) {
			t.Fatalf("MayMatch(= %s) = false", v)
		}
	}
	if !z.MayMatch(Prefix(long)) || !z.MayMatch(Prefix(long+"z")) || z.MayMatch(Prefix("n")) {
		t.Fatal("MayMatch with prefixes of long strings")
	}
	// A long run of 0xff bytes has no successor string.
	ff := strings.Repeat("\xff", 80)
	z = zoneOf(sv("a"), sv(ff))
	if !z.MayMatch(Eq(sv(ff))) || !z.MayMatch(Prefix("\xff\xff")) {
		t.Fatal("MayMatch on a 0xff string")
	}
	// The zone does not alias the strings it was built from (DecodeBinary
	// strings alias their input).
	buf := types.AppendBinary(nil, sv("zzzz"))
	v, err := types.DecodeBinary(buf)
	if err != nil {
		t.Fatal(err)
	}
	z = zoneOf(sv("abc"), v)
	copy(buf[2:], "0000")
	if z.Max.Str() != "zzzz" {
		t.Fatalf("zone max aliases its input: %q", z.Max.Str())
	}
}

// randBlock returns a block of random values, often of one family.
func randBlock(r *rand.Rand) []types.Value {
	n := 1 + r.IntN(20)
	vs := make([]types.Value, n)
	mode := r.IntN(3)
	for k := range vs {
		switch {
		case r.IntN(10) == 0:
			vs[k] = []types.Value{types.Undefined, types.Null, types.Array(nil), types.Object(nil)}[r.IntN(4)]
		case mode == 0:
			vs[k] = randNum(r)
		case mode == 1 && r.IntN(3) == 0:
			vs[k] = sv(strings.Repeat(randStr(r), 1+r.IntN(40)))
		default:
			vs[k] = randTermValue(r)
		}
	}
	return vs
}

func TestZoneMayMatchProperty(t *testing.T) {
	r := newRand(t)
	for range 20000 {
		block := randBlock(r)
		z := zoneOf(block...)
		// Merging two halves gives the same answers as the whole.
		cut := r.IntN(len(block) + 1)
		m := zoneOf(block[:cut]...)
		m.Merge(zoneOf(block[cut:]...))
		for range 5 {
			p := randPredicate(r)
			if r.IntN(3) == 0 {
				p = Eq(block[r.IntN(len(block))])
				if !Indexable(p.Values[0]) {
					continue
				}
			}
			if r.IntN(5) == 0 {
				if v := block[r.IntN(len(block))]; v.Kind() == types.KindString && len(v.Str()) > 0 {
					p = Prefix(v.Str()[:r.IntN(len(v.Str()))])
				}
			}
			matched := false
			for _, v := range block {
				if p.Match(v) {
					matched = true
					break
				}
			}
			if matched && !z.MayMatch(p) {
				t.Fatalf("zone [%s, %s] refuses %s, which matches a value of %v", show(z.Min), show(z.Max), p, block)
			}
			if matched && !m.MayMatch(p) {
				t.Fatalf("merged zone [%s, %s] refuses %s, which matches a value of %v", show(m.Min), show(m.Max), p, block)
			}
		}
	}
}

func TestZoneEncodingRoundTrip(t *testing.T) {
	r := newRand(t)
	for range 5000 {
		z := zoneOf(randBlock(r)...)
		z.Nulls += uint32(r.Uint32N(1 << 31))
		b := AppendZone([]byte("hdr"), z)[3:]
		trailer := []byte("more")
		got, n, err := DecodeZone(append(append([]byte(nil), b...), trailer...))
		if err != nil {
			t.Fatalf("DecodeZone: %v", err)
		}
		if n != len(b) {
			t.Fatalf("DecodeZone used %d bytes, want %d", n, len(b))
		}
		if got.Nulls != z.Nulls || got.Undefined != z.Undefined || got.Nested != z.Nested ||
			got.Min.Kind() != z.Min.Kind() || got.Max.Kind() != z.Max.Kind() ||
			types.Compare(got.Min, z.Min) != 0 || types.Compare(got.Max, z.Max) != 0 ||
			got.Min.Bits() != z.Min.Bits() || got.Max.Bits() != z.Max.Bits() {
			t.Fatalf("round trip: got %+v, want %+v", got, z)
		}
	}
	// Truncations fail cleanly.
	b := AppendZone(nil, zoneOf(sv("hello"), iv(3), types.Null))
	for k := range len(b) {
		if _, _, err := DecodeZone(b[:k]); err == nil {
			t.Fatalf("DecodeZone of %d of %d bytes succeeded", k, len(b))
		}
	}
}
