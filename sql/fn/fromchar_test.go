package fn

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/basaltdb/basalt/types"
)

// TestFromCharNeverPanics reads random inputs by random templates of
// patterns, separators, quotes and FM: every call answers a timestamp or
// an error, and a timestamp within years 1 to 9999.
func TestFromCharNeverPanics(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 42))
	pieces := append(append([]string{}, fromCharPatterns...), "-", " ", "/", ":", ".", "T", `"at"`, `"`, "FM", "Q", "x", "9")
	inputs := []string{"2024", "-", " ", "12", "Dec", "december", "PM", "a.m.", "Tue", "31", "99999", "0", "é", ":", "abc", `"`}
	eval := evalToTimestampText("to_timestamp", false)
	for range 20000 {
		var tmpl, in strings.Builder
		for range r.IntN(6) {
			tmpl.WriteString(pieces[r.IntN(len(pieces))])
		}
		for range r.IntN(8) {
			in.WriteString(inputs[r.IntN(len(inputs))])
		}
		v, err := eval(nil, []types.Value{types.String(in.String()), types.String(tmpl.String())})
		if err == nil && (v.Kind() != types.KindTimestamp || v.Micros() < minTimestamp || v.Micros() > maxTimestamp) {
			t.Fatalf("to_timestamp(%q, %q) = %v", in.String(), tmpl.String(), v)
		}
	}
}
