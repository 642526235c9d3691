package index

import (
	"bytes"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/basaltdb/basalt/types"
)

var (
	iv = types.Int
	fv = types.Float
	sv = types.String
)

func TestMatch(t *testing.T) {
	ts := types.Timestamp
	undef := types.Undefined
	for _, tc := range []struct {
		p    Predicate
		v    types.Value
		want bool
	}{
		{Eq(iv(1)), fv(1), true},
		{Eq(fv(1)), iv(1), true},
		{Eq(iv(1)), iv(2), false},
		{Eq(iv(1<<53 + 1)), fv(1 << 53), false},
		{Eq(iv(1)), sv("1"), false},
		{Eq(iv(1)), ts(1), false},
		{Eq(iv(1)), types.Bool(true), false},
		{Eq(types.Null), types.Null, true},
		{Eq(types.Null), iv(0), false},
		{Eq(sv("a")), sv("a"), true},
		{Eq(sv("a")), sv("A"), false},
		{Eq(types.Bool(false)), types.Bool(false), true},
		{Eq(iv(1)), undef, false},
		{Eq(iv(1)), types.Array([]types.Value{iv(1)}), false},
		{Eq(fv(math.NaN())), fv(math.NaN()), true}, // SQL's = takes NaN as equal to itself
		{Eq(fv(math.NaN())), fv(math.Inf(1)), false},
		{In(iv(1), fv(math.NaN())), fv(math.NaN()), true},
		{Range(iv(1), true, undef, false), fv(math.NaN()), true}, // NaN is above every number
		{Range(undef, false, fv(math.Inf(1)), true), fv(math.NaN()), false},
		{In(iv(1), sv("x"), types.Null), sv("x"), true},
		{In(iv(1), sv("x"), types.Null), types.Null, true},
		{In(iv(1), sv("x")), fv(1), true},
		{In(iv(1), sv("x")), sv("y"), false},
		{In(), iv(1), false},
		{Range(iv(1), true, iv(3), false), iv(1), true},
		{Range(iv(1), false, iv(3), false), iv(1), false},
		{Range(iv(1), false, iv(3), false), fv(1.0000001), true},
		{Range(iv(1), true, iv(3), false), fv(3), false},
		{Range(iv(1), true, iv(3), true), fv(3), true},
		{Range(iv(1), true, undef, false), iv(math.MaxInt64), true},
		{Range(iv(1), true, undef, false), fv(math.Inf(1)), true},
		{Range(undef, false, iv(0), false), fv(math.Inf(-1)), true},
		{Range(undef, false, iv(0), false), sv(""), false},
		{Range(iv(1), true, undef, false), sv("zzz"), false}, // incomparable kinds never match
		{Range(undef, false, sv("m"), true), iv(5), false},
		{Range(undef, false, sv("m"), true), sv("a"), true},
		{Range(sv("a"), true, sv("b"), false), sv("az"), true},
		{Range(sv("a"), true, sv("b"), false), sv("b"), false},
		{Range(types.Bool(false), false, undef, false), types.Bool(true), true},
		{Range(types.Bool(false), false, undef, false), types.Bool(false), false},
		{Range(ts(10), true, ts(20), true), ts(15), true},
		{Range(ts(10), true, ts(20), true), iv(15), false},
		{Range(types.Null, true, undef, false), types.Null, false},
		{Range(types.Null, true, undef, false), iv(1), false},
		{Range(undef, false, iv(5), true), types.Null, false},
		{Range(iv(1), true, sv("z"), true), iv(2), false}, // mixed-family bounds match nothing
		{Range(iv(1<<53), false, undef, false), iv(1<<53 + 1), true},
		{Range(fv(1<<53), false, undef, false), iv(1<<53 + 1), true},
		{Range(undef, false, iv(1<<53+1), false), fv(1 << 53), true},
		{Prefix("ab"), sv("abc"), true},
		{Prefix("ab"), sv("ab"), true},
		{Prefix("ab"), sv("a"), false},
		{Prefix(""), sv(""), true},
		{Prefix(""), iv(1), false},
		{Prefix("1"), iv(1), false},
	} {
		if got := tc.p.Match(tc.v); got != tc.want {
			t.Errorf("(%s).Match(%s) = %v, want %v", tc.p, show(tc.v), got, tc.want)
		}
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		p  Predicate
		ok bool
	}{
		{Eq(iv(1)), true},
		{Eq(types.Null), true},
		{Eq(types.Undefined), false},
		{Eq(types.Array(nil)), false},
		{Predicate{Op: OpEq}, false},
		{Predicate{Op: OpEq, Values: []types.Value{iv(1), iv(2)}}, false},
		{In(), true},
		{In(iv(1), types.Object(nil)), false},
		{Range(types.Undefined, false, types.Undefined, false), false},
		{Range(types.Array(nil), true, types.Undefined, false), false},
		{Range(iv(1), true, types.Undefined, false), true},
		{Prefix(""), true},
		{Predicate{Op: 9}, false},
	} {
		if err := tc.p.Validate(); (err == nil) != tc.ok {
			t.Errorf("Validate(%#v) = %v", tc.p, err)
		}
	}
}

func TestPredicateString(t *testing.T) {
	for _, tc := range []struct {
		p    Predicate
		want string
	}{
		{Eq(sv("a")), `= "a"`},
		{In(iv(1), fv(2)), `IN (1, 2.0)`},
		{Range(iv(1), true, iv(2), false), `IN RANGE [1, 2)`},
		{Range(types.Undefined, false, iv(2), true), `IN RANGE (-inf, 2]`},
		{Prefix(`a"`), `PREFIX "a\""`},
	} {
		if got := tc.p.String(); got != tc.want {
			t.Errorf("String() = %s, want %s", got, tc.want)
		}
	}
}

func randPredicate(r *rand.Rand) Predicate {
	switch r.IntN(4) {
	case 0:
		return Eq(randTermValue(r))
	case 1:
		vs := make([]types.Value, r.IntN(4))
		for k := range vs {
			vs[k] = randTermValue(r)
		}
		return In(vs...)
	case 2:
		lo, hi := randTermValue(r), randTermValue(r)
		if r.IntN(3) == 0 {
			// Same family more often, so ranges select something.
			lo, hi = randNum(r), randNum(r)
		}
		switch r.IntN(4) {
		case 0:
			lo = types.Undefined
		case 1:
			hi = types.Undefined
		}
		if lo.IsUndefined() && hi.IsUndefined() {
			hi = randNum(r)
		}
		return Range(lo, r.IntN(2) == 0, hi, r.IntN(2) == 0)
	}
	return Prefix(randStr(r))
}

func inSpan(term []byte, sp TermSpan) bool {
	if sp.Exact {
		return bytes.Equal(term, sp.Start)
	}
	return bytes.Compare(term, sp.Start) >= 0 && (sp.End == nil || bytes.Compare(term, sp.End) < 0)
}

func TestSpansCoverMatches(t *testing.T) {
	r := newRand(t)
	for range 3000 {
		p := randPredicate(r)
		if err := p.Validate(); err != nil {
			t.Fatalf("random predicate %s: %v", p, err)
		}
		spans := p.Spans()
		for k := 1; k < len(spans); k++ {
			if bytes.Compare(spans[k-1].Start, spans[k].Start) >= 0 {
				t.Fatalf("%s: spans not ascending: %x then %x", p, spans[k-1].Start, spans[k].Start)
			}
		}
		for range 100 {
			v := randTermValue(r)
			if r.IntN(4) == 0 && len(p.Values) > 0 {
				v = p.Values[r.IntN(len(p.Values))]
			}
			term := AppendTerm(nil, v)
			covered, exact := false, false
			for _, sp := range spans {
				if inSpan(term, sp) {
					covered = true
					exact = exact || sp.Exact
				}
			}
			if p.Match(v) && !covered {
				t.Fatalf("(%s).Match(%s) but term %x is in no span of %v", p, show(v), term, spans)
			}
			// Exact spans are trusted without Match.
			if exact && !p.Match(v) {
				t.Fatalf("%s is in an exact span of %s but does not match", show(v), p)
			}
		}
	}
}

func TestSpansExamples(t *testing.T) {
	// Prefix spans stay inside strings.
	sp := Prefix("ab").Spans()
	if len(sp) != 1 || !bytes.Equal(sp[0].Start, []byte("\x05ab")) || !bytes.Equal(sp[0].End, []byte("\x05ac")) {
		t.Fatalf("Prefix spans %v", sp)
	}
	sp = Prefix("a\xff").Spans()
	if !bytes.Equal(sp[0].End, []byte("\x05b")) {
		t.Fatalf("Prefix(a\\xff) end %q", sp[0].End)
	}
	// A range on one kind does not reach into the next kind.
	sp = Range(iv(5), true, types.Undefined, false).Spans()
	if !bytes.Equal(sp[0].End, []byte{TermString}) {
		t.Fatalf("open numeric range ends at %x", sp[0].End)
	}
	sp = Range(types.Undefined, false, sv("q"), false).Spans()
	if !bytes.Equal(sp[0].Start, []byte{TermString}) {
		t.Fatalf("open string range starts at %x", sp[0].Start)
	}
	// In: duplicates (1 and 1.0) collapse, and spans sort.
	sp = In(sv("b"), iv(1), fv(1), sv("a")).Spans()
	if len(sp) != 3 {
		t.Fatalf("In spans %v", sp)
	}
	if Range(iv(1), true, sv("x"), true).Spans() != nil {
		t.Fatal("mixed-family range should have no spans")
	}
	if Range(types.Null, true, types.Undefined, false).Spans() != nil {
		t.Fatal("null range should have no spans")
	}
}

func TestSuccessor(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"a", "b"},
		{"a\xff", "b"},
		{"a\xff\xff", "b"},
		{"\xfe", "\xff"},
		{"\xff\xff", ""},
		{"", ""},
	} {
		got := Successor([]byte(tc.in))
		if string(got) != tc.want || (tc.want == "" && got != nil) {
			t.Errorf("Successor(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if got != nil && !(bytes.Compare(got, []byte(tc.in)) > 0 && !strings.HasPrefix(string(got), tc.in)) {
			t.Errorf("Successor(%q) = %q is not above every extension", tc.in, got)
		}
	}
	in := []byte("ab")
	Successor(in)
	if string(in) != "ab" {
		t.Fatal("Successor modified its input")
	}
}
