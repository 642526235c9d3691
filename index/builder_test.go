package index

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/basaltdb/basalt/types"
)

// TestBuilderAgainstMap builds the same postings with the Builder and with a
// map, and compares every lookup.
func TestBuilderAgainstMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for round := 0; round < 20; round++ {
		var b Builder
		byTerm := map[string][]uint32{}
		rows := 1 + rng.IntN(3000)
		// Every other round writes values in ascending order, as an
		// insert stream's ids and times arrive, with a rare one out of
		// order: the sorts' sorted-input shortcut must see it.
		ascending := round%2 == 1
		for r := 0; r < rows; r++ {
			for k := rng.IntN(3); k >= 0; k-- {
				var v types.Value
				kind := rng.IntN(9)
				if ascending {
					kind = 10 + rng.IntN(2)
				}
				at := r
				if rng.IntN(500) == 0 {
					at = rng.IntN(rows)
				}
				switch kind {
				case 10:
					v = types.Timestamp(int64(at) * 3)
				case 11:
					v = types.String(fmt.Sprintf("%024d", at))
				case 0:
					v = types.Int(int64(rng.IntN(50)))
				case 1:
					v = types.Float(float64(rng.IntN(50)) / 2)
				case 2:
					v = types.Timestamp(int64(rng.IntN(50)))
				case 3:
					v = types.String(fmt.Sprint(rng.IntN(80)))
				case 4:
					v = types.Bool(rng.IntN(2) == 0)
				case 5:
					v = types.Null
				case 6:
					// Long shared prefixes, NULs and prefixes of each
					// other: the runs sorted past the first 8 bytes.
					v = types.String(strings.Repeat("0", rng.IntN(3)*8) + randomTerm(rng, 20))
				case 7:
					v = types.String(fmt.Sprintf("%024d", rng.IntN(400)))
				default:
					v = types.Int(1<<62 + int64(rng.IntN(5)))
				}
				b.Add(v, uint32(r))
				t := Term(v)
				l := byTerm[t]
				if len(l) == 0 || l[len(l)-1] != uint32(r) {
					byTerm[t] = append(l, uint32(r))
				}
			}
		}
		checkBuilder(t, &b, byTerm, len(byTerm))
	}
}

// TestBuilderLargeAgainstMap adds more entries than msdVars, so that the
// variable-width terms are radix sorted in buckets after a first pass on
// their top digit: mostly distinct tokens (their terms gathered before the
// prefix runs are sorted), and mostly zero-padded ids (after).
func TestBuilderLargeAgainstMap(t *testing.T) {
	if testing.Short() {
		t.Skip("large")
	}
	rng := rand.New(rand.NewPCG(13, 14))
	for _, idShare := range []int{5, 75} {
		var b Builder
		byTerm := map[string][]uint32{}
		const rows = 50_000
		for r := range rows {
			for range 3 {
				var v types.Value
				switch k := rng.IntN(100); {
				case k < idShare:
					v = types.String(fmt.Sprintf("%024d", rng.IntN(1e6)))
				case k < idShare+5:
					// A term repeated in a long run of its prefix.
					v = types.String(fmt.Sprint("tag-", rng.IntN(40)))
				case k < idShare+10:
					// Buckets of a few entries each.
					v = types.String(string([]byte{byte(0x80 + rng.IntN(100))}) + fmt.Sprintf("%x", rng.Uint32()))
				case k < idShare+15:
					// Buckets sorted in one pass, on one digit.
					v = types.String(fmt.Sprintf("%c----%c", 'A'+rng.IntN(4), 'a'+rng.IntN(26)))
				default:
					v = types.String(randomTerm(rng, 3) + fmt.Sprintf("%x", rng.Uint64()))
				}
				b.Add(v, uint32(r))
				t := Term(v)
				l := byTerm[t]
				if len(l) == 0 || l[len(l)-1] != uint32(r) {
					byTerm[t] = append(l, uint32(r))
				}
			}
		}
		if len(b.vars) <= msdVars {
			t.Fatalf("%d entries do not take the MSD pass (over %d)", len(b.vars), msdVars)
		}
		checkBuilder(t, &b, byTerm, 3000)
	}
}

// checkBuilder writes b and compares its term count and the postings of
// (up to sample of) the terms of byTerm.
func checkBuilder(t *testing.T, b *Builder, byTerm map[string][]uint32, sample int) {
	t.Helper()
	w := NewInvertedWriter()
	n, err := b.Write(w)
	if err != nil {
		t.Fatal(err)
	}
	if n != len(byTerm) {
		t.Fatalf("%d terms, want %d", n, len(byTerm))
	}
	region := w.Finish()
	ir, err := OpenInverted(bytes.NewReader(region), 0, int64(len(region)))
	if err != nil {
		t.Fatal(err)
	}
	for term, want := range byTerm {
		if sample--; sample < 0 {
			break
		}
		v, _ := DecodeTerm([]byte(term))
		got := roaring.New()
		if err := ir.Lookup(Eq(v), got, got); err != nil {
			t.Fatal(err)
		}
		if !got.Equals(roaring.BitmapOf(want...)) {
			t.Fatalf("%s: %v, want %v", v, got.ToArray(), want)
		}
	}
}

// randomTerm returns up to n bytes drawn from a tiny alphabet with NUL in it.
func randomTerm(rng *rand.Rand, n int) string {
	b := make([]byte, rng.IntN(n+1))
	for i := range b {
		b[i] = "\x000a"[rng.IntN(3)]
	}
	return string(b)
}

func BenchmarkBuilder(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	const rows = 65536
	vals := make([]types.Value, rows)
	for i := range vals {
		vals[i] = types.String(fmt.Sprintf("%014x", rng.Uint64()))
	}
	// Zero-padded ids share their first 17 bytes.
	ids := make([]types.Value, rows)
	for i := range ids {
		ids[i] = types.String(fmt.Sprintf("%024d", rng.IntN(1e9)))
	}
	// RockBench's Tags: nine random 14-character strings a row, from a pool
	// of 16,384 documents as bench ingest sends them (each term ~4 times).
	const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	pool := make([]types.Value, 16384*9)
	for i := range pool {
		t := make([]byte, 14)
		for j := range t {
			t[j] = letters[rng.IntN(len(letters))]
		}
		pool[i] = types.String(string(t))
	}
	b.Run("impl=sort/shape=tags", func(b *testing.B) {
		var bd Builder
		for i := 0; i < b.N; i++ {
			bd.Reset()
			for r := 0; r < rows; r++ {
				k := (r % 16384) * 9
				for _, v := range pool[k : k+9] {
					bd.Add(v, uint32(r))
				}
			}
			if _, err := bd.Write(NewInvertedWriter()); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*rows*9), "ns/term")
	})
	b.Run("impl=sort/shape=ids", func(b *testing.B) {
		var bd Builder
		for i := 0; i < b.N; i++ {
			bd.Reset()
			for r, v := range ids {
				bd.Add(v, uint32(r))
			}
			if _, err := bd.Write(NewInvertedWriter()); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*rows), "ns/term")
	})
	// Ids and times in arrival order, as an insert stream writes them:
	// zero-padded ascending ids (bench ingest's _id) and microsecond
	// timestamps (_event_time, RockBench's _ts), already sorted.
	seqIDs := make([]types.Value, rows)
	times := make([]types.Value, rows)
	for i := range seqIDs {
		seqIDs[i] = types.String(fmt.Sprintf("%024d", 1e6+i))
		times[i] = types.Timestamp(1_700_000_000_000_000 + int64(i)*25)
	}
	for _, sc := range []struct {
		name string
		vals []types.Value
	}{{"seqids", seqIDs}, {"times", times}} {
		b.Run("impl=sort/shape="+sc.name, func(b *testing.B) {
			var bd Builder
			for i := 0; i < b.N; i++ {
				bd.Reset()
				for r, v := range sc.vals {
					bd.Add(v, uint32(r))
				}
				if _, err := bd.Write(NewInvertedWriter()); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*rows), "ns/term")
		})
	}
	b.Run("impl=sort", func(b *testing.B) {
		b.ReportAllocs()
		var bd Builder
		for i := 0; i < b.N; i++ {
			bd.Reset()
			for r, v := range vals {
				bd.Add(v, uint32(r))
			}
			if _, err := bd.Write(NewInvertedWriter()); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*rows), "ns/term")
	})
	b.Run("impl=map", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			m := map[string][]uint32{}
			for r, v := range vals {
				t := Term(v)
				m[t] = append(m[t], uint32(r))
			}
			keys := make([]string, 0, len(m))
			for k := range m {
				keys = append(keys, k)
			}
			slicesSortStrings(keys)
			w := NewInvertedWriter()
			for _, k := range keys {
				if err := w.Add([]byte(k), m[k]); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*rows), "ns/term")
	})
}

func slicesSortStrings(s []string) { slices.Sort(s) }

// TestTruncatedTerms: long strings are indexed by a prefix; a lookup returns
// every true match either as exact or as a candidate, and nothing false as
// exact.
func TestTruncatedTerms(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	words := []string{"alpha", "beta", "gamma", "delta"}
	var vals []string
	for i := 0; i < 400; i++ {
		var sb []byte
		for len(sb) < rng.IntN(120) {
			sb = append(sb, words[rng.IntN(len(words))]...)
			sb = append(sb, ' ')
		}
		vals = append(vals, string(sb))
	}
	var b Builder
	for row, s := range vals {
		b.Add(types.String(s), uint32(row))
	}
	w := NewInvertedWriter()
	if _, err := b.Write(w); err != nil {
		t.Fatal(err)
	}
	region := w.Finish()
	ir, err := OpenInverted(bytes.NewReader(region), 0, int64(len(region)))
	if err != nil {
		t.Fatal(err)
	}
	for k := 0; k < 300; k++ {
		a, c := vals[rng.IntN(len(vals))], vals[rng.IntN(len(vals))]
		if a > c {
			a, c = c, a
		}
		var p Predicate
		switch k % 4 {
		case 0:
			p = Eq(types.String(a))
		case 1:
			p = In(types.String(a), types.String(c))
		case 2:
			p = Range(types.String(a), rng.IntN(2) == 0, types.String(c), rng.IntN(2) == 0)
		default:
			p = Prefix(a[:rng.IntN(len(a)+1)])
		}
		exact, cand := roaring.New(), roaring.New()
		if err := ir.Lookup(p, exact, cand); err != nil {
			t.Fatal(err)
		}
		for row, s := range vals {
			match := p.Match(types.String(s))
			if match && !exact.Contains(uint32(row)) && !cand.Contains(uint32(row)) {
				t.Fatalf("%s: row %d (%q) is missed", p, row, s)
			}
			if !match && exact.Contains(uint32(row)) {
				t.Fatalf("%s: row %d (%q) is an exact match but does not match", p, row, s)
			}
		}
	}
}
