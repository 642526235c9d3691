package index

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/basaltdb/basalt/types"
)

// Op is the kind of a lookup predicate.
type Op uint8

const (
	// OpEq matches values equal to Values[0] (1 and 1.0 are equal; an Eq on
	// NULL matches explicit nulls, which is how IS NULL uses the index).
	OpEq Op = iota
	// OpIn matches values equal to any of Values.
	OpIn
	// OpRange matches values between Lo and Hi that are comparable with them:
	// numbers with numbers, strings with strings, timestamps with timestamps,
	// bools with bools. An undefined bound is open. Values of other kinds never
	// match, as comparing incompatible types is false.
	OpRange
	// OpPrefix matches strings that start with Prefix.
	OpPrefix
)

// Predicate is a condition on one indexed path. Array membership is an OpEq
// on the array's element path (`tags[*]`).
type Predicate struct {
	Op                       Op
	Values                   []types.Value
	Lo, Hi                   types.Value
	LoInclusive, HiInclusive bool
	Prefix                   string
}

// Eq returns the predicate value = v.
func Eq(v types.Value) Predicate { return Predicate{Op: OpEq, Values: []types.Value{v}} }

// In returns the predicate value IN (vs...).
func In(vs ...types.Value) Predicate { return Predicate{Op: OpIn, Values: vs} }

// Range returns lo <(=) value <(=) hi; pass types.Undefined for an open end.
func Range(lo types.Value, loInclusive bool, hi types.Value, hiInclusive bool) Predicate {
	return Predicate{Op: OpRange, Lo: lo, Hi: hi, LoInclusive: loInclusive, HiInclusive: hiInclusive}
}

// Prefix returns value LIKE 'prefix%'.
func Prefix(p string) Predicate { return Predicate{Op: OpPrefix, Prefix: p} }

func (p Predicate) String() string {
	switch p.Op {
	case OpEq:
		return "= " + p.Values[0].JSON()
	case OpIn:
		parts := make([]string, len(p.Values))
		for i, v := range p.Values {
			parts[i] = v.JSON()
		}
		return "IN (" + strings.Join(parts, ", ") + ")"
	case OpRange:
		lo, hi := "(-inf", "+inf)"
		if !p.Lo.IsUndefined() {
			lo = map[bool]string{true: "[", false: "("}[p.LoInclusive] + p.Lo.JSON()
		}
		if !p.Hi.IsUndefined() {
			hi = p.Hi.JSON() + map[bool]string{true: "]", false: ")"}[p.HiInclusive]
		}
		return "IN RANGE " + lo + ", " + hi
	case OpPrefix:
		return fmt.Sprintf("PREFIX %q", p.Prefix)
	}
	return "?"
}

// Validate reports a predicate that cannot be evaluated.
func (p Predicate) Validate() error {
	switch p.Op {
	case OpEq:
		if len(p.Values) != 1 {
			return fmt.Errorf("index: Eq needs exactly one value, got %d", len(p.Values))
		}
	case OpIn:
	case OpRange:
		if p.Lo.IsUndefined() && p.Hi.IsUndefined() {
			return fmt.Errorf("index: range needs at least one bound")
		}
		for _, b := range []types.Value{p.Lo, p.Hi} {
			if !b.IsUndefined() && !b.Kind().IsScalar() {
				return fmt.Errorf("index: range bound must be a scalar, got %s", b.Kind())
			}
		}
	case OpPrefix:
	default:
		return fmt.Errorf("index: unknown predicate op %d", p.Op)
	}
	for _, v := range p.Values {
		if !Indexable(v) {
			return fmt.Errorf("index: cannot look up a %s", v.Kind())
		}
	}
	return nil
}

// family groups kinds that compare with each other.
func family(k types.Kind) types.Kind {
	if k == types.KindInt {
		return types.KindFloat
	}
	return k
}

// Match reports whether the scalar v satisfies the predicate. It is the
// reference every index lookup must agree with.
func (p Predicate) Match(v types.Value) bool {
	if !Indexable(v) {
		return false
	}
	switch p.Op {
	case OpEq:
		return termEqual(v, p.Values[0])
	case OpIn:
		for _, w := range p.Values {
			if termEqual(v, w) {
				return true
			}
		}
		return false
	case OpRange:
		if v.IsNull() {
			return false
		}
		if !p.Lo.IsUndefined() {
			if family(v.Kind()) != family(p.Lo.Kind()) || p.Lo.IsNull() {
				return false
			}
			c := types.Compare(v, p.Lo)
			if c < 0 || (c == 0 && !p.LoInclusive) {
				return false
			}
		}
		if !p.Hi.IsUndefined() {
			if family(v.Kind()) != family(p.Hi.Kind()) || p.Hi.IsNull() {
				return false
			}
			c := types.Compare(v, p.Hi)
			if c > 0 || (c == 0 && !p.HiInclusive) {
				return false
			}
		}
		return true
	case OpPrefix:
		return v.Kind() == types.KindString && strings.HasPrefix(v.Str(), p.Prefix)
	}
	return false
}

// TermSpan is a half-open range [Start, End) of index terms; End nil means
// no upper bound. Exact spans hold one term (Start) and need no Match check,
// unless Verify: the term may stand for longer strings (see
// MaxTermStringBytes), so its rows are only candidates.
type TermSpan struct {
	Start, End []byte
	Exact      bool
	Verify     bool
}

// Spans returns the term ranges that hold every term the predicate can match,
// in ascending order. Terms inside a non-exact span must still be checked with
// Match (bounds are widened to whole encodings).
func (p Predicate) Spans() []TermSpan {
	switch p.Op {
	case OpEq:
		t := AppendIndexTerm(nil, p.Values[0])
		return []TermSpan{{Start: t, Exact: true, Verify: MaybeTruncated(t)}}
	case OpIn:
		seen := map[string]bool{}
		var spans []TermSpan
		for _, v := range p.Values {
			t := AppendIndexTerm(nil, v)
			if !seen[string(t)] {
				seen[string(t)] = true
				spans = append(spans, TermSpan{Start: t, Exact: true, Verify: MaybeTruncated(t)})
			}
		}
		sortSpans(spans)
		return spans
	case OpRange:
		var k types.Kind
		switch {
		case !p.Lo.IsUndefined():
			k = p.Lo.Kind()
		default:
			k = p.Hi.Kind()
		}
		if k == types.KindNull || (!p.Lo.IsUndefined() && !p.Hi.IsUndefined() && family(p.Lo.Kind()) != family(p.Hi.Kind())) {
			return nil
		}
		tag := kindTag(k)
		start := []byte{tag}
		if !p.Lo.IsUndefined() {
			start = AppendIndexTerm(nil, p.Lo)
			if k.IsNumeric() {
				start = start[:9] // the int suffix only narrows; start at the float
			}
		}
		end := []byte{tag + 1}
		if tag == TermFalse {
			end = []byte{TermTrue + 1}
		}
		if !p.Hi.IsUndefined() {
			hi := AppendIndexTerm(nil, p.Hi)
			if k.IsNumeric() {
				hi = hi[:9]
			}
			end = Successor(hi)
		}
		return []TermSpan{{Start: start, End: end}}
	case OpPrefix:
		start := AppendIndexTerm(nil, types.String(p.Prefix))
		return []TermSpan{{Start: start, End: Successor(start)}}
	}
	return nil
}

// termEqual reports whether v and w have one term: they are equal, both
// null, or both NaN (which SQL's = takes as equal, as PostgreSQL does).
func termEqual(v, w types.Value) bool {
	return types.Equal(v, w) || (v.IsNull() && w.IsNull()) || isNaNValue(v) && isNaNValue(w)
}

func kindTag(k types.Kind) byte {
	switch k {
	case types.KindBool:
		return TermFalse
	case types.KindInt, types.KindFloat:
		return TermNumber
	case types.KindString:
		return TermString
	case types.KindTimestamp:
		return TermTimestamp
	}
	return TermNull
}

// Successor returns the smallest key greater than every key that has b as a
// prefix, or nil when there is none (b is all 0xff).
func Successor(b []byte) []byte {
	out := append([]byte(nil), b...)
	for i := len(out) - 1; i >= 0; i-- {
		if out[i] != 0xff {
			out[i]++
			return out[:i+1]
		}
	}
	return nil
}

func sortSpans(s []TermSpan) {
	slices.SortFunc(s, func(a, b TermSpan) int { return bytes.Compare(a.Start, b.Start) })
}
