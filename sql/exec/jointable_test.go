package exec

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/basaltdb/basalt/storage"
	"github.com/basaltdb/basalt/types"
)

// TestJoinTableAgainstMap compares the join table's chains with a map of
// build rows by key.
func TestJoinTableAgainstMap(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const rows = 5000
	keys := make([]string, rows)
	want := map[string][]int32{}
	for i := range keys {
		if r.IntN(20) == 0 {
			continue // no key: a NULL in it
		}
		keys[i] = fmt.Sprintf("k%d", r.IntN(rows/3))
		want[keys[i]] = append(want[keys[i]], int32(i))
	}
	check := func(name string, tab *joinTable) {
		t.Helper()
		for i := range rows / 2 {
			k := fmt.Sprintf("k%d", i)
			var got []int32
			for ri := tab.first([]byte(k)); ri >= 0; ri = tab.next[ri] {
				got = append(got, ri)
			}
			if fmt.Sprint(got) != fmt.Sprint(want[k]) {
				t.Fatalf("%s: %s: rows %v, want %v", name, k, got, want[k])
			}
		}
	}
	tab := newJoinTable(rows, 1)
	for i, k := range keys {
		if k != "" {
			tab.add(i, []byte(k))
		}
	}
	check("one by one", tab)
	for _, parts := range []int{1, 2, 4} {
		tab := newJoinTable(rows, parts)
		var arena []byte
		offs := make([]uint32, rows+1)
		hashes := make([]uint64, rows)
		for i, k := range keys {
			if k != "" {
				hashes[i] = tab.hash([]byte(k))
				arena = append(arena, k...)
			}
			offs[i+1] = uint32(len(arena))
		}
		if err := tab.build(context.Background(), arena, offs, hashes); err != nil {
			t.Fatal(err)
		}
		check(fmt.Sprintf("%d parts", parts), tab)
	}
}

// BenchmarkJoinTableProbe probes a table of 60,000 build rows (user ids,
// the shape of the query benchmark's join) with keys of which a quarter
// match.
func BenchmarkJoinTableProbe(b *testing.B) {
	const build, probe = 60000, 200000
	tab := newJoinTable(build, 1)
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

// TestColumnKeys checks that the join keys encoded by a worker per run of
// rows are the keys the serial encoding gives, NULLs (no key) included.
func TestColumnKeys(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	rows := make([]Row, 1001)
	for i := range rows {
		rows[i] = Row{types.Int(int64(r.IntN(50))), types.String(fmt.Sprint("k", r.IntN(9))), types.Null}
		if r.IntN(10) == 0 {
			rows[i][1] = []types.Value{types.Null, types.Undefined}[r.IntN(2)]
		}
	}
	cols := []int{1, 0}
	for _, workers := range []int{1, 2, 3, 4} {
		tab := newJoinTable(len(rows), 1)
		offs := make([]uint32, len(rows)+1)
		hashes := make([]uint64, len(rows))
		arena, err := tab.columnKeys(context.Background(), rows, cols, workers, offs, hashes)
		if err != nil {
			t.Fatal(err)
		}
		for i, row := range rows {
			key, _, ok, err := joinKey(nil, nil, row, []evalFn{
				func(r Row) (types.Value, error) { return r[1], nil },
				func(r Row) (types.Value, error) { return r[0], nil },
			})
			if err != nil {
				t.Fatal(err)
			}
			got := arena[offs[i]:offs[i+1]]
			if !ok {
				if len(got) != 0 || hashes[i] != 0 {
					t.Fatalf("%d workers, row %d (no key): key %q, hash %x", workers, i, got, hashes[i])
				}
				continue
			}
			if string(got) != string(key) || hashes[i] != tab.hash(key) {
				t.Fatalf("%d workers, row %d: key %q hash %x, want %q %x", workers, i, got, hashes[i], key, tab.hash(key))
			}
		}
	}
}

// TestBuildCacheBound keeps the build cache within its bytes: the least
// recently used entry goes first, an entry larger than a quarter of the
// bound is not kept, and a newer version replaces its key's entry.
func TestBuildCacheBound(t *testing.T) {
	c := newBuildCache(1000)
	entry := func(plan string, seq uint64, bytes int64) *buildEntry {
		return &buildEntry{key: buildKey{instance: 1, plan: plan}, seq: seq, side: &hashSide{}, bytes: bytes}
	}
	v := func(seq uint64) storage.Version { return storage.Version{Instance: 1, Seq: seq} }
	for i := range 4 {
		c.put(entry(fmt.Sprint(i), 1, 240))
	}
	c.get(buildKey{1, "0"}, v(1)) // 0 is now the most recently used
	c.put(entry("4", 1, 240))
	c.put(entry("5", 1, 240))
	if c.bytes > 1000 {
		t.Errorf("cache holds %d bytes, bound 1000", c.bytes)
	}
	for plan, kept := range map[string]bool{"0": true, "1": false, "2": false, "3": true, "4": true, "5": true} {
		if got := c.get(buildKey{1, plan}, v(1)) != nil; got != kept {
			t.Errorf("entry %s kept = %v, want %v", plan, got, kept)
		}
	}
	c.put(entry("big", 1, 248)) // 251 with its key
	if c.get(buildKey{1, "big"}, v(1)) != nil {
		t.Errorf("an entry over a quarter of the bound was kept")
	}
	c.put(entry("3", 2, 100))
	if c.get(buildKey{1, "3"}, v(1)) != nil || c.get(buildKey{1, "3"}, v(2)) == nil {
		t.Errorf("version 2 of entry 3 did not replace version 1")
	}
	// Each entry also counts its key (one byte here).
	if want := int64(241*3 + 101); c.bytes != want {
		t.Errorf("cache counts %d bytes, want %d", c.bytes, want)
	}
}

// TestBuildCacheAdmit: a key is admitted the second time it is met, and
// the record of keys met stays bounded.
func TestBuildCacheAdmit(t *testing.T) {
	c := newBuildCache(1000)
	k := buildKey{instance: 1, plan: "a"}
	if c.admit(k) || !c.admit(k) || !c.admit(k) {
		t.Fatalf("a key should be admitted from its second time")
	}
	for i := range 2 * seenKeys {
		c.admit(buildKey{instance: 2, plan: fmt.Sprint(i)})
	}
	if len(c.seen) > seenKeys {
		t.Errorf("%d keys recorded, bound %d", len(c.seen), seenKeys)
	}
}

// TestJoinTableSameHash: two keys of one hash get slots of their own;
// slotOf leads to the first, and findAll, which the batched probe falls
// back to when the slot's key is not the probe's, finds each.
func TestJoinTableSameHash(t *testing.T) {
	tb := newJoinTable(3, 1)
	tb.arena = []byte("aaabbbaaa")
	const h = 0x1234567890abcdef | 1
	tb.insert(0, h, 0, 3)
	tb.insert(1, h, 3, 3)
	tb.insert(2, h, 6, 3) // "aaa" again: chained after row 0
	sl := tb.slotOf(h)
	if sl == nil || string(tb.key(sl)) != "aaa" {
		t.Fatalf("slotOf: %v", sl)
	}
	if ri, more := tb.findAll(h, []byte("bbb")); ri != 1 || more {
		t.Errorf("findAll(bbb) = %d, %v; want 1, false", ri, more)
	}
	if ri, more := tb.findAll(h, []byte("aaa")); ri != 0 || !more || tb.next[0] != 2 {
		t.Errorf("findAll(aaa) = %d, %v (next %d); want 0, true (next 2)", ri, more, tb.next[0])
	}
	if ri, _ := tb.findAll(h, []byte("ccc")); ri != -1 {
		t.Errorf("findAll(ccc) = %d, want -1", ri)
	}
	if tb.slotOf(h^2) != nil {
		t.Errorf("slotOf of an absent hash found a slot")
	}
}

// TestBuildCacheSetLimit: lowering the bound evicts at once, and a bound
// of 0 keeps nothing.
func TestBuildCacheSetLimit(t *testing.T) {
	c := newBuildCache(1000)
	for i := range 3 {
		c.put(&buildEntry{key: buildKey{instance: 1, plan: fmt.Sprint(i)}, seq: 1, side: &hashSide{}, bytes: 199})
	}
	c.setLimit(450)
	if c.bytes > 450 || len(c.byKey) != 2 {
		t.Errorf("after lowering the bound to 450: %d bytes in %d entries", c.bytes, len(c.byKey))
	}
	c.setLimit(0)
	c.put(&buildEntry{key: buildKey{instance: 1, plan: "x"}, seq: 1, side: &hashSide{}, bytes: 1})
	if c.bytes != 0 || len(c.byKey) != 0 {
		t.Errorf("with a bound of 0: %d bytes in %d entries", c.bytes, len(c.byKey))
	}
}
