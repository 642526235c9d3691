package sql

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/basaltdb/basalt/storage"
	"github.com/basaltdb/basalt/types"
)

// TestZoneProvenFilters checks scans whose filter a block's zone map
// proves for some blocks and not others: time bounds before, at, inside
// and after block and segment boundaries (segments of 20,000 rows hold
// three blocks; a mutable tail follows), with the filtered column read
// lazily by grouped counts. Answers are compared with counts worked out
// from the documents.
func TestZoneProvenFilters(t *testing.T) {
	ctx := context.Background()
	eng, docs := zoneEngine(t)
	s := NewSession(eng, Limits{})
	ts := func(i int) int64 { return docs[i].Get("_event_time").Micros() }
	lit := func(i int) string {
		return time.UnixMicro(ts(i)).UTC().Format("2006-01-02T15:04:05.000000Z")
	}
	for _, k := range []int{0, 100, 8191, 8192, 8200, 19999, 20000, 28672, 30000, 39999, 40000, 42000, 44999} {
		// Grouped counts after a bound (the column read lazily).
		want := map[string]int{}
		for i := k + 1; i < len(docs); i++ {
			want[docs[i].Get("kind").Str()]++
		}
		res, err := s.Query(ctx, fmt.Sprintf("SELECT kind, count(*) FROM t WHERE _event_time > TIMESTAMP '%s' GROUP BY kind", lit(k)), Params{})
		if err != nil {
			t.Fatal(err)
		}
		if got, exp := countsText(res), mapText(want); got != exp {
			t.Errorf("after doc %d: got\n%s\nwant\n%s", k, got, exp)
		}
		// Buckets wider than a block: most blocks are counted whole.
		for _, unit := range []string{"hour", "day"} {
			width := map[string]time.Duration{"hour": time.Hour, "day": 24 * time.Hour}[unit]
			buckets := map[string]int{}
			for i := k; i < len(docs); i++ {
				buckets[time.UnixMicro(ts(i)).UTC().Truncate(width).Format("2006-01-02T15:04:05.000000Z")]++
			}
			where := fmt.Sprintf(" WHERE _event_time >= TIMESTAMP '%s'", lit(k))
			if k == 0 {
				where = ""
			}
			q := fmt.Sprintf("SELECT date_trunc('%s', _event_time) AS b, count(*) FROM t%s GROUP BY b", unit, where)
			res, err := s.Query(ctx, q, Params{})
			if err != nil {
				t.Fatal(err)
			}
			if got, exp := countsText(res), mapText(buckets); got != exp {
				t.Errorf("%s: got\n%s\nwant\n%s", q, got, exp)
			}
		}
		// A window, both ends proven or not, and per-minute buckets.
		hi := min(k+9000, len(docs)-1)
		minutes := map[string]int{}
		for i := k; i < hi; i++ {
			m := time.UnixMicro(ts(i)).UTC().Truncate(time.Minute).Format("2006-01-02T15:04:05.000000Z")
			minutes[m]++
		}
		q := fmt.Sprintf("SELECT date_trunc('minute', _event_time) AS m, count(*) FROM t WHERE _event_time >= TIMESTAMP '%s' AND _event_time < TIMESTAMP '%s' GROUP BY m", lit(k), lit(hi))
		if res, err = s.Query(ctx, q, Params{}); err != nil {
			t.Fatal(err)
		}
		if got, exp := countsText(res), mapText(minutes); got != exp {
			t.Errorf("docs [%d,%d) per minute: got\n%s\nwant\n%s", k, hi, got, exp)
		}
	}
}

// TestBucketCountsDeleted counts rows per date_trunc bucket over blocks
// whose rows the zone maps put in one bucket, counted without being read,
// after deletions: of a block's first rows, of every seventh row, and of
// whole blocks, sealed and in the mutable segment. Answers are compared
// with counts worked out from the documents left.
func TestBucketCountsDeleted(t *testing.T) {
	ctx := context.Background()
	eng, docs := zoneEngine(t)
	deleted := map[int]bool{}
	var ops []storage.WriteOp
	for i := range docs {
		if i%7 == 0 || i%20000 < 3 || i%8192 < 2 || i >= 8192 && i < 2*8192 || i >= 43000 && i < 44000 {
			deleted[i] = true
			ops = append(ops, storage.WriteOp{Kind: storage.OpDelete, ID: docs[i].Get("_id").Str()})
		}
	}
	if _, _, err := eng.Write(ctx, DefaultWorkspace, "t", ops); err != nil {
		t.Fatal(err)
	}
	s := NewSession(eng, Limits{})
	for _, unit := range []string{"minute", "hour", "day"} {
		width := map[string]time.Duration{"minute": time.Minute, "hour": time.Hour, "day": 24 * time.Hour}[unit]
		want := map[string]int{}
		for i, d := range docs {
			if !deleted[i] {
				want[time.UnixMicro(d.Get("_event_time").Micros()).UTC().Truncate(width).Format("2006-01-02T15:04:05.000000Z")]++
			}
		}
		q := fmt.Sprintf("SELECT date_trunc('%s', _event_time) AS b, count(*) FROM t GROUP BY b", unit)
		res, err := s.Query(ctx, q, Params{})
		if err != nil {
			t.Fatal(err)
		}
		if got, exp := countsText(res), mapText(want); got != exp {
			t.Errorf("%s: got\n%s\nwant\n%s", q, got, exp)
		}
	}
}

// zoneEngine returns an engine whose collection t holds genDocs(45000) in
// segments of 20,000 rows (three blocks each): 40,000 sealed, the rest in
// the mutable segment.
func zoneEngine(t *testing.T) (*storage.Engine, []types.Value) {
	eng := openTestEngine(t, 20000, "t")
	docs := genDocs(45000)
	writeValues(t, eng, "t", docs[:40000], 1000)
	if err := eng.Flush(context.Background(), "commons", "t"); err != nil {
		t.Fatal(err)
	}
	writeValues(t, eng, "t", docs[40000:], 1000)
	return eng, docs
}

// countsText prints rows of (key, count) sorted by key.
func countsText(res *Result) string {
	var lines []string
	for _, r := range res.Rows {
		k := r[0].Str()
		if r[0].Kind() == types.KindTimestamp {
			k = time.UnixMicro(r[0].Micros()).UTC().Format("2006-01-02T15:04:05.000000Z")
		}
		lines = append(lines, fmt.Sprintf("%s %d", k, r[1].Int()))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

func mapText(m map[string]int) string {
	var lines []string
	for k, n := range m {
		lines = append(lines, fmt.Sprintf("%s %d", k, n))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// TestBucketCountsUnordered counts rows per date_trunc bucket where rows
// are out of time order: a batch's buckets are counted in an array from
// its first bucket, or run by run when its rows span too many buckets
// (seconds over years), before and after deletions. Answers and the order
// of the groups (that of their first live rows) are compared with what the
// documents give, sealed and in the mutable segment.
func TestBucketCountsUnordered(t *testing.T) {
	ctx := context.Background()
	eng := openTestEngine(t, 10000, "w")
	rng := rand.New(rand.NewPCG(7, 8))
	const n = 15000
	docs := make([]types.Value, n)
	base := int64(1_700_000_000_000_000)
	for i := range docs {
		// Most rows within a day, some across ten years either side.
		off := rng.Int64N(24 * 3600 * 1_000_000)
		if rng.IntN(10) == 0 {
			off = rng.Int64N(20*365*24*3600*1_000_000) - 10*365*24*3600*1_000_000
		}
		docs[i] = types.Object([]types.Field{
			{Name: "_id", Value: types.String(fmt.Sprint(i))},
			{Name: "_event_time", Value: types.Timestamp(base + off)},
		})
	}
	writeValues(t, eng, "w", docs, 1000)
	// Then deletions: every fifth row, runs of rows, and the rows of
	// whole buckets, so that batches hold dead rows that are the first of
	// their bucket, or all of it.
	deleted := map[int]bool{}
	var ops []storage.WriteOp
	for i, d := range docs {
		ts := d.Get("_event_time").Micros()
		if i%5 == 0 || i%3000 < 40 || ts/1_000_000%600 < 5 {
			deleted[i] = true
			ops = append(ops, storage.WriteOp{Kind: storage.OpDelete, ID: d.Get("_id").Str()})
		}
	}
	s := NewSession(eng, Limits{})
	for _, del := range []bool{false, true} {
		if del {
			if _, _, err := eng.Write(ctx, DefaultWorkspace, "w", ops); err != nil {
				t.Fatal(err)
			}
		}
		for _, unit := range []string{"second", "minute", "hour", "day"} {
			width := map[string]time.Duration{"second": time.Second, "minute": time.Minute, "hour": time.Hour, "day": 24 * time.Hour}[unit]
			want := map[string]int{}
			for i, d := range docs {
				if !del || !deleted[i] {
					want[time.UnixMicro(d.Get("_event_time").Micros()).UTC().Truncate(width).Format("2006-01-02T15:04:05.000000Z")]++
				}
			}
			q := fmt.Sprintf("SELECT date_trunc('%s', _event_time) AS b, count(*) FROM w GROUP BY b", unit)
			res, err := s.Query(ctx, q, Params{})
			if err != nil {
				t.Fatal(err)
			}
			if got, exp := countsText(res), mapText(want); got != exp {
				t.Errorf("deleted=%v %s: %d groups, want %d", del, q, len(res.Rows), len(want))
			}
			// The groups come in the order of their first live rows, as
			// those of count(_id), which folds row by row, do.
			ref, err := s.Query(ctx, strings.Replace(q, "count(*)", "count(_id)", 1), Params{})
			if err != nil {
				t.Fatal(err)
			}
			if got, exp := fmt.Sprint(res.Rows), fmt.Sprint(ref.Rows); got != exp {
				t.Errorf("deleted=%v %s: groups in another order than count(_id)'s", del, q)
			}
		}
		// TIME_BUCKET and DATE_BIN count by buckets too, from an origin;
		// count(_id) evaluates them row by row.
		for _, key := range []string{
			"time_bucket(INTERVAL '5 minutes', _event_time)",
			"time_bucket(INTERVAL '1 hour', _event_time, TIMESTAMP '2000-01-01T00:07:00Z')",
			"date_bin(INTERVAL '15 seconds', _event_time, TIMESTAMP '2001-01-01T00:00:02.5Z')",
			"time_bucket(INTERVAL '3 days', _event_time)",
		} {
			q := "SELECT " + key + " AS b, count(*) FROM w GROUP BY b"
			res, err := s.Query(ctx, q, Params{})
			if err != nil {
				t.Fatal(err)
			}
			ref, err := s.Query(ctx, strings.Replace(q, "count(*)", "count(_id)", 1), Params{})
			if err != nil {
				t.Fatal(err)
			}
			if got, exp := fmt.Sprint(res.Rows), fmt.Sprint(ref.Rows); got != exp || len(res.Rows) < 3 {
				t.Errorf("deleted=%v %s: %d groups, count(_id) %d, or in another order", del, q, len(res.Rows), len(ref.Rows))
			}
		}
	}
}
