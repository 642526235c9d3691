package fn

import (
	"testing"

	"github.com/basaltdb/basalt/types"
)

func TestThreeValuedLogic(t *testing.T) {
	T, F, N := b(true), b(false), null
	for _, c := range []struct {
		a, b    types.Value
		and, or types.Value
	}{
		{T, T, T, T},
		{T, F, F, T},
		{F, F, F, F},
		{T, N, N, T},
		{F, N, F, N},
		{N, N, N, N},
		{N, F, F, N},
		{undef, T, N, T},
		{i(1), F, F, N}, // a non-bool operand is unknown
	} {
		if got := And(c.a, c.b); !same(got, c.and) {
			t.Errorf("%s AND %s = %s, want %s", show(c.a), show(c.b), show(got), show(c.and))
		}
		if got := Or(c.a, c.b); !same(got, c.or) {
			t.Errorf("%s OR %s = %s, want %s", show(c.a), show(c.b), show(got), show(c.or))
		}
	}
	for _, c := range []struct{ v, want types.Value }{
		{T, F}, {F, T}, {N, N}, {undef, N}, {s("x"), N},
	} {
		if got := Not(c.v); !same(got, c.want) {
			t.Errorf("NOT %s = %s, want %s", show(c.v), show(got), show(c.want))
		}
	}
}

func TestTruthy(t *testing.T) {
	for _, c := range []struct {
		v          types.Value
		val, known bool
	}{
		{b(true), true, true},
		{b(false), false, true},
		{null, false, false},
		{undef, false, false},
		{i(1), false, true},
		{s("true"), false, true},
	} {
		val, known := Truthy(c.v)
		if val != c.val || known != c.known {
			t.Errorf("Truthy(%s) = %v, %v; want %v, %v", show(c.v), val, known, c.val, c.known)
		}
	}
}
