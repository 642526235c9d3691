package exec

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestJoinTableAgainstMap compares the join table's chains with a map of
// build rows by key.
func TestJoinTableAgainstMap(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const rows = 5000
	tab := newJoinTable(rows)
	want := map[string][]int32{}
	for i := range rows {
		k := fmt.Sprintf("k%d", r.IntN(rows/3))
		tab.add(i, []byte(k))
		want[k] = append(want[k], int32(i))
	}
	for i := range rows / 2 {
		k := fmt.Sprintf("k%d", i)
		var got []int32
		for ri := tab.first([]byte(k)); ri >= 0; ri = tab.next[ri] {
			got = append(got, ri)
		}
		if fmt.Sprint(got) != fmt.Sprint(want[k]) {
			t.Fatalf("%s: rows %v, want %v", k, got, want[k])
		}
	}
}

// BenchmarkJoinTableProbe probes a table of 60,000 build rows (user ids,
// the shape of the query benchmark's join) with keys of which a quarter
// match.
func BenchmarkJoinTableProbe(b *testing.B) {
	const build, probe = 60000, 200000
	tab := newJoinTable(build)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range build {
		tab.add(i, fmt.Appendf(nil, "\x05u%07d", r.IntN(probe)))
	}
	keys := make([][]byte, probe)
	for i := range keys {
		keys[i] = fmt.Appendf(nil, "\x05u%07d", i)
	}
	b.ResetTimer()
	matched := 0
	for i := 0; i < b.N; i++ {
		if tab.first(keys[i%probe]) >= 0 {
			matched++
		}
	}
	if b.N >= probe && matched == 0 {
		b.Fatal("no key matched")
	}
}
