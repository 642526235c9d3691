package types

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"
	"unsafe"
)

// genOpts says which values randValue may produce.
type genOpts struct {
	// JSONSafe restricts values to what a JSON round trip preserves: no
	// undefined, no NaN or infinities, no timestamps, valid UTF-8 strings and
	// valid field names.
	JSONSafe bool
}

func newRand(t testing.TB) *rand.Rand {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// interestingInts are the ints where encodings and comparisons break first.
var interestingInts = []int64{
	0, 1, -1, 63, 64, -64, -65, 127, 128, 1 << 31, -1 << 31, 1<<53 - 1, 1 << 53, 1<<53 + 1,
	1<<53 + 2, 1<<53 + 3, -1<<53 - 1, -1<<53 - 3, math.MaxInt64, math.MaxInt64 - 1,
	math.MaxInt64 - 511, math.MaxInt64 - 512, math.MaxInt64 - 1024, math.MinInt64,
	math.MinInt64 + 1,
}

var interestingFloats = []float64{
	0, math.Copysign(0, -1), 1, -1, 0.5, 1.5, 1e-300, 5e-324, math.MaxFloat64,
	-math.MaxFloat64, 1 << 53, 1<<53 + 2, 1<<53 + 4, 1 << 63, -1 << 63,
	math.Nextafter(1<<63, 0), math.Nextafter(-1<<63, math.Inf(-1)), 1e20, 1e21, 123456789,
	0.1, 1e-7,
}

func randInt(r *rand.Rand) int64 {
	switch r.IntN(4) {
	case 0:
		return interestingInts[r.IntN(len(interestingInts))]
	case 1:
		return int64(r.IntN(200)) - 100
	case 2:
		return interestingInts[r.IntN(len(interestingInts))] + int64(r.IntN(9)) - 4
	}
	return int64(r.Uint64())
}

func randFloat(r *rand.Rand, jsonSafe bool) float64 {
	switch r.IntN(6) {
	case 0:
		return interestingFloats[r.IntN(len(interestingFloats))]
	case 1:
		return float64(r.IntN(200)-100) / 4
	case 2:
		// Integral floats: JSON must keep them floats.
		return float64(r.IntN(1000) - 500)
	case 3:
		if !jsonSafe {
			switch r.IntN(3) {
			case 0:
				return math.NaN()
			case 1:
				return math.Inf(1)
			}
			return math.Inf(-1)
		}
	case 4:
		return float64(interestingInts[r.IntN(len(interestingInts))])
	}
	for {
		f := math.Float64frombits(r.Uint64())
		if !math.IsNaN(f) && !math.IsInf(f, 0) {
			return f
		}
	}
}

const strAlphabet = "aAzZ09_.\"\\/[]*~ -é中\u2028\u2029<>&\x00\x01\x1f\x7f"

func randString(r *rand.Rand, jsonSafe bool) string {
	n := r.IntN(12)
	var b []byte
	for range n {
		switch r.IntN(8) {
		case 0:
			if !jsonSafe {
				b = append(b, byte(0x80+r.IntN(0x80))) // likely invalid UTF-8
				continue
			}
			fallthrough
		case 1:
			b = append(b, string(rune(r.IntN(0x10ffff)))...)
		default:
			runes := []rune(strAlphabet)
			b = append(b, string(runes[r.IntN(len(runes))])...)
		}
	}
	return string(b)
}

func randName(r *rand.Rand, jsonSafe bool) string {
	for {
		s := randString(r, jsonSafe)
		if !jsonSafe || CheckFieldName(s, 0) == nil {
			return s
		}
	}
}

// randScalar returns a random scalar value (never undefined when JSONSafe).
func randScalar(r *rand.Rand, o genOpts) Value {
	for {
		switch r.IntN(7) {
		case 0:
			if o.JSONSafe {
				continue
			}
			return Undefined
		case 1:
			return Null
		case 2:
			return Bool(r.IntN(2) == 0)
		case 3:
			return Int(randInt(r))
		case 4:
			return Float(randFloat(r, o.JSONSafe))
		case 5:
			return String(randString(r, o.JSONSafe))
		case 6:
			if o.JSONSafe {
				continue
			}
			return Timestamp(randInt(r))
		}
	}
}

// randValue returns a random value nested at most depth levels.
func randValue(r *rand.Rand, depth int, o genOpts) Value {
	if depth <= 0 || r.IntN(3) > 0 {
		return randScalar(r, o)
	}
	n := r.IntN(5)
	if r.IntN(2) == 0 {
		elems := make([]Value, n)
		for i := range elems {
			elems[i] = randValue(r, depth-1, o)
		}
		return Array(elems)
	}
	return randObject(r, depth, n, o)
}

func randObject(r *rand.Rand, depth, n int, o genOpts) Value {
	fields := make([]Field, 0, n)
	seen := map[string]bool{}
	for range n {
		name := randName(r, o.JSONSafe)
		if seen[name] {
			continue
		}
		seen[name] = true
		fields = append(fields, Field{Name: name, Value: randValue(r, depth-1, o)})
	}
	return Object(fields)
}

// identical reports whether a and b are the same value down to kinds, float
// bits and field order (stricter than Equal). The text a float was read
// from (IntegerText) is not its value and is not compared.
func identical(a, b Value) bool {
	if a.kind != b.kind || a.num != b.num || a.Str() != b.Str() {
		return false
	}
	switch a.kind {
	case KindArray:
		ae, be := a.Elems(), b.Elems()
		for i := range ae {
			if !identical(ae[i], be[i]) {
				return false
			}
		}
	case KindObject:
		af, bf := a.Fields(), b.Fields()
		for i := range af {
			if af[i].Name != bf[i].Name || !identical(af[i].Value, bf[i].Value) {
				return false
			}
		}
	}
	return true
}

// debug renders v with kinds, for failure messages.
func debug(v Value) string {
	switch v.kind {
	case KindArray:
		s := "["
		for i, e := range v.Elems() {
			if i > 0 {
				s += ","
			}
			s += debug(e)
		}
		return s + "]"
	case KindObject:
		s := "{"
		for i, f := range v.Fields() {
			if i > 0 {
				s += ","
			}
			s += fmt.Sprintf("%q:%s", f.Name, debug(f.Value))
		}
		return s + "}"
	case KindFloat:
		return fmt.Sprintf("float(%v/%#x)", v.Float(), v.num)
	case KindString:
		return fmt.Sprintf("%q", v.str)
	}
	return fmt.Sprintf("%s(%s)", v.kind, v.JSON())
}

func TestValueSize(t *testing.T) {
	if s := unsafe.Sizeof(Value{}); s != 40 {
		t.Fatalf("Value is %d bytes, documented as 40", s)
	}
}

func TestValueAccessors(t *testing.T) {
	if !Undefined.IsUndefined() || (Value{}).Kind() != KindUndefined || Null.Kind() != KindNull {
		t.Fatal("zero value must be undefined and Null null")
	}
	if Int(-5).Int() != -5 || Int(-5).Float() != -5 || Float(2.5).Int() != 0 || Float(2.5).Float() != 2.5 {
		t.Fatal("numeric accessors")
	}
	ts := time.Date(2024, 2, 29, 12, 30, 1, 123456789, time.UTC)
	v := TimestampOf(ts)
	if v.Kind() != KindTimestamp || v.Micros() != ts.UnixMicro() || !v.Time().Equal(ts.Truncate(time.Microsecond)) {
		t.Fatalf("timestamp %v", v.Time())
	}
	arr := Array([]Value{Int(1), String("x")})
	if arr.Len() != 2 || arr.Index(1).Str() != "x" || !arr.Index(2).IsUndefined() || !arr.Index(-1).IsUndefined() {
		t.Fatal("array accessors")
	}
	obj := Object([]Field{{"a", Int(1)}, {"b", Int(2)}})
	o2 := obj.WithField("a", Int(9)).WithField("c", Int(3)).WithoutField("b")
	if got := o2.JSON(); got != `{"a":9,"c":3}` {
		t.Fatalf("WithField/WithoutField: %s", got)
	}
	if got := obj.JSON(); got != `{"a":1,"b":2}` {
		t.Fatalf("WithField modified its receiver: %s", got)
	}
	if Kind(200).String() != "kind(200)" || KindFloat.String() != "float" {
		t.Fatal("Kind.String")
	}
}

func TestCloneDetaches(t *testing.T) {
	buf := []byte(`{"name":"abc","arr":["def",{"k":"ghi"}]}`)
	d := NewDecoder(Limits{})
	v, err := d.Decode(buf)
	if err != nil {
		t.Fatal(err)
	}
	c := v.Clone()
	for i := range buf {
		if buf[i] >= 'a' && buf[i] <= 'z' {
			buf[i] = 'X'
		}
	}
	if got, want := c.JSON(), `{"name":"abc","arr":["def",{"k":"ghi"}]}`; got != want {
		t.Fatalf("clone changed with the buffer: %s", got)
	}
	if v.Get("XXXX").Str() != "XXX" {
		t.Fatalf("decoded value should alias the buffer (documented): %s", v.JSON())
	}
}
