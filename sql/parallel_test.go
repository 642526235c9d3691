package sql

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/basaltdb/basalt/storage"
	"github.com/basaltdb/basalt/types"
)

// parallelQueries run as a fused scan-aggregate or scan-top-N, on as many
// workers as there are cores and segments.
var parallelQueries = []string{
	"SELECT count(*), count(x), sum(x), avg(x), min(x), max(x), stddev(x), variance(dev.v) FROM t",
	"SELECT kind, count(*), sum(x), min(kind), max(x), count(DISTINCT x) FROM t GROUP BY kind",
	"SELECT x, count(*) FROM t GROUP BY x",
	"SELECT kind, count(*), count(*) AS again FROM t GROUP BY kind",
	"SELECT dev.os, count(*) FROM t WHERE x > 20 GROUP BY dev.os",
	"SELECT dev.os, dev.v, count(*), bool_or(x > 50), any_value(dev.os) FROM t GROUP BY dev.os, dev.v",
	"SELECT date_trunc('hour', _event_time) AS h, count(*), max_by(_id, x) FROM t GROUP BY h",
	"SELECT kind, percentile_cont(0.5) WITHIN GROUP (ORDER BY x), percentile_disc(0.9) WITHIN GROUP (ORDER BY dev.v), approx_percentile(x, 0.5) FROM t GROUP BY kind",
	"SELECT kind, approx_count_distinct(x), count(*) FILTER (WHERE x < 10) FROM t WHERE kind LIKE '%i%' GROUP BY kind",
	"SELECT count(*) FROM t WHERE x > 50 AND dev.os = 'ios'",
	"SELECT dev.os, sum(dev.v * 2) FROM t WHERE x < 30 OR kind = 'buy' GROUP BY dev.os",
	"SELECT kind, array_agg(_id ORDER BY _id) FROM t WHERE x = 7 GROUP BY kind",
	"SELECT _id, x FROM t WHERE dev.os = 'android' ORDER BY x DESC, _id LIMIT 15",
	"SELECT _id, kind FROM t WHERE kind NOT LIKE 'v%' ORDER BY dev.v, x LIMIT 40",
	"SELECT count(*) FROM t WHERE _id > 'd12000' AND x >= 0",
	"SELECT t.kind, count(*), sum(u.dev.v) FROM t JOIN t AS u ON t._id = u._id WHERE t.x > 50 GROUP BY t.kind",
	"SELECT t.dev.os, count(u._id), count(*) FROM t LEFT JOIN t AS u ON t.x = u.dev.v AND u.kind = 'buy' WHERE t.x < 3 GROUP BY t.dev.os",
}

// TestParallelMatchesSerial runs the same queries with one worker and with
// several, over 26 segments and a mutable tail: the answers must be the
// same, in the same order (groups come out in first-row order either way).
func TestParallelMatchesSerial(t *testing.T) {
	ctx := context.Background()
	// 26,000 documents sealed into segments of 1,000, then 500 mutable.
	eng := openTestEngine(t, 1000, "t")
	docs := genDocs(26500)
	writeValues(t, eng, "t", docs[:26000], 500)
	if err := eng.Flush(ctx, "commons", "t"); err != nil {
		t.Fatal(err)
	}
	writeValues(t, eng, "t", docs[26000:], 500)
	compareSerialParallel(t, NewSession(eng, Limits{}), parallelQueries)
}

// TestParallelBlockRuns is TestParallelMatchesSerial over two sealed
// segments of several blocks and a mutable one: too few segments for the
// workers, so plain scans are cut into runs of blocks.
func TestParallelBlockRuns(t *testing.T) {
	ctx := context.Background()
	eng := openTestEngine(t, 20000, "t")
	docs := genDocs(45000)
	writeValues(t, eng, "t", docs[:40000], 5000)
	if err := eng.Flush(ctx, "commons", "t"); err != nil {
		t.Fatal(err)
	}
	writeValues(t, eng, "t", docs[40000:], 2500)
	queries := append([]string{
		// The build side (u) and the probe side (t) are both plain scans.
		"SELECT u.kind, count(*), sum(t.x), min(t._id) FROM t JOIN t AS u ON t._id = u._id GROUP BY u.kind",
		"SELECT t.dev.os, count(*), max(u._id) FROM t JOIN t AS u ON t.x = u.x AND u.dev.os = 'ios' WHERE t.kind LIKE '%u%' GROUP BY t.dev.os",
		"SELECT t.kind, count(u._id), sum(u.dev.v) FROM t LEFT JOIN t AS u ON t._id = u._id AND u.x > 90 GROUP BY t.kind",
	}, parallelQueries...)
	compareSerialParallel(t, NewSession(eng, Limits{}), queries)
}

func compareSerialParallel(t *testing.T, s *Session, queries []string) {
	t.Helper()
	// Each run builds its hash tables, a worker per part or one.
	s.noBuildCache = true
	ctx := context.Background()
	run := func(procs int) []string {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		out := make([]string, len(queries))
		for i, q := range queries {
			res, err := s.Query(ctx, q, Params{})
			if err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			out[i] = roundedRows(res)
		}
		return out
	}
	serial := run(1)
	parallel := run(8)
	for i, q := range queries {
		if serial[i] != parallel[i] {
			t.Errorf("%s\nserial:\n%s\nparallel:\n%s", q, serial[i], parallel[i])
		}
		if serial[i] == "" {
			t.Errorf("%s: no rows", q)
		}
	}
}

// roundedRows is rowsText with floats to 9 digits: partial sums merged in
// another order differ in the last bits.
func roundedRows(res *Result) string {
	var out []byte
	for _, r := range res.Rows {
		for i, v := range r {
			if i > 0 {
				out = append(out, ' ')
			}
			if v.Kind() == types.KindFloat {
				out = strconv.AppendFloat(out, v.Float(), 'g', 9, 64)
			} else {
				out = append(out, v.JSON()...)
			}
		}
		out = append(out, '\n')
	}
	return string(out)
}

// TestTopNLazyColumns compares ORDER BY … LIMIT fused with the scan, where
// columns other than the sort keys are decoded only for blocks with a row
// that enters the heap, with the same query run by the plain sort (a
// subquery in the filter keeps it from being fused).
func TestTopNLazyColumns(t *testing.T) {
	ctx := context.Background()
	eng := openTestEngine(t, 3000, "t")
	writeValues(t, eng, "t", genDocs(20000), 20000)
	if err := eng.Flush(ctx, "commons", "t"); err != nil {
		t.Fatal(err)
	}
	s := NewSession(eng, Limits{})
	for _, q := range []string{
		"SELECT _id, dev, tags, kind FROM t WHERE x > 10 %s ORDER BY x DESC, _id LIMIT 25",
		"SELECT kind, _id FROM t WHERE kind LIKE '%%i%%' %s ORDER BY _event_time DESC LIMIT 7",
		"SELECT dev.os, _id FROM t WHERE dev.v = 3 %s ORDER BY _id LIMIT 40",
	} {
		fused := fmt.Sprintf(q, "")
		plain := fmt.Sprintf(q, "AND EXISTS (SELECT 1)")
		res, err := s.Query(ctx, "EXPLAIN "+plain, Params{})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(rowsText(res), "TopN") {
			t.Fatalf("%s: no TopN:\n%s", plain, rowsText(res))
		}
		a, err := s.Query(ctx, fused, Params{})
		if err != nil {
			t.Fatal(err)
		}
		b, err := s.Query(ctx, plain, Params{})
		if err != nil {
			t.Fatal(err)
		}
		if rowsText(a) != rowsText(b) || len(a.Rows) == 0 {
			t.Errorf("%s\nfused:\n%s\nplain:\n%s", fused, rowsText(a), rowsText(b))
		}
	}
}

// TestTopNFloatKey checks the top-N over one float key, which compares
// floats without building values, against the plain sort: ties (few
// distinct values, decided by position), NaN (above every number), and
// segments where the key is not all floats (ints, nulls, missing).
func TestTopNFloatKey(t *testing.T) {
	ctx := context.Background()
	eng := openTestEngine(t, 3000, "t")
	r := rand.New(rand.NewPCG(11, 12))
	docs := make([]types.Value, 12000)
	for i := range docs {
		f := []types.Field{{Name: "_id", Value: types.String(fmt.Sprintf("d%05d", i))}}
		var v types.Value
		switch {
		case i >= 9000 && r.IntN(4) == 0:
			v = []types.Value{types.Int(int64(r.IntN(5))), types.Null, types.Undefined}[r.IntN(3)]
		case r.IntN(500) == 0:
			v = types.Float(math.NaN())
		default:
			v = types.Float(float64(r.IntN(40)) / 4)
		}
		if !v.IsUndefined() {
			f = append(f, types.Field{Name: "f", Value: v})
		}
		docs[i] = types.Object(f)
	}
	writeValues(t, eng, "t", docs[:9000], 1000)
	if err := eng.Flush(ctx, "commons", "t"); err != nil {
		t.Fatal(err)
	}
	writeValues(t, eng, "t", docs[9000:], 1000) // a mutable tail
	s := NewSession(eng, Limits{})
	for _, order := range []string{"f DESC", "f", "f DESC NULLS LAST", "f NULLS FIRST"} {
		for _, limit := range []int{1, 10, 300} {
			fusedMatchesPlain(t, s, "SELECT _id, f FROM t WHERE _id > 'd' %s ORDER BY "+order+fmt.Sprintf(" LIMIT %d", limit), limit)
		}
	}
}

// fusedMatchesPlain runs q (with %s where a condition may go) as the
// fused operator (a top-N or an aggregate in the scan's workers) and as
// the plain plan (a subquery in the filter keeps it from being fused), and
// checks that both give the same rows: limit of them, or some when limit
// is negative.
func fusedMatchesPlain(t *testing.T, s *Session, q string, limit int) {
	t.Helper()
	ctx := context.Background()
	a, err := s.Query(ctx, fmt.Sprintf(q, ""), Params{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Query(ctx, fmt.Sprintf(q, "AND EXISTS (SELECT 1)"), Params{})
	if err != nil {
		t.Fatal(err)
	}
	if rowsText(a) != rowsText(b) || limit >= 0 && len(a.Rows) != limit || limit < 0 && len(a.Rows) == 0 {
		t.Errorf("%s\nfused:\n%s\nplain:\n%s", q, rowsText(a), rowsText(b))
	}
}

// TestTopNZoneSkips checks the top-N that reads segments in the order
// their zone maps promise the best keys, skips blocks that cannot beat
// the heap's worst, and reads the winners' documents at the end (SELECT
// *), against the plain sort: keys in time order with jitter, ties,
// segments where the key is null or missing, strings and ints, deleted
// rows, a mutable tail, and a filter. The newest ten rows must come from a
// few blocks.
func TestTopNZoneSkips(t *testing.T) {
	ctx := context.Background()
	eng := openTestEngine(t, 10000, "t") // segments of two blocks
	r := rand.New(rand.NewPCG(13, 14))
	docs := make([]types.Value, 24000)
	base := int64(1_700_000_000_000_000)
	for i := range docs {
		f := []types.Field{
			{Name: "_id", Value: types.String(fmt.Sprintf("d%05d", i))},
			{Name: "_event_time", Value: types.Timestamp(base + int64(i)*1_000_000 + r.Int64N(20_000_000))},
			{Name: "tie", Value: types.Int(int64(i / 3000 % 4))}, // 3 in two segments and the tail
			{Name: "s", Value: types.String(fmt.Sprintf("s%03d", r.IntN(400)))},
			{Name: "kind", Value: types.String([]string{"a", "b", "c"}[r.IntN(3)])},
		}
		// f: floats and ints in one column, NaN (above every number) in
		// a few blocks, the infinities in the first.
		switch x := float64(i) + r.Float64()*2000; {
		case i >= 3000 && i < 3200 && i%10 == 0, i >= 19000 && i%500 == 0:
			f = append(f, types.Field{Name: "f", Value: types.Float(math.NaN())})
		case i%997 == 0 && i < 3000:
			f = append(f, types.Field{Name: "f", Value: types.Float(math.Inf(1 - 2*(i%2)))})
		case i%3 == 0:
			f = append(f, types.Field{Name: "f", Value: types.Int(int64(x))})
		default:
			f = append(f, types.Field{Name: "f", Value: types.Float(x)})
		}
		switch {
		case i >= 6000 && i < 9000 && r.IntN(3) == 0:
			f = append(f, types.Field{Name: "n", Value: types.Null})
		case i >= 15000 && i < 18000 && r.IntN(3) == 0: // n missing
		default:
			f = append(f, types.Field{Name: "n", Value: types.Int(int64(i) + r.Int64N(2000))})
		}
		docs[i] = types.Object(f)
	}
	writeValues(t, eng, "t", docs[:21000], 1000)
	if err := eng.Flush(ctx, "commons", "t"); err != nil {
		t.Fatal(err)
	}
	writeValues(t, eng, "t", docs[21000:], 1000) // a mutable tail
	var del []storage.WriteOp
	for i := 0; i < len(docs); i += 7 {
		del = append(del, storage.WriteOp{Kind: storage.OpDelete, ID: fmt.Sprintf("d%05d", i)})
	}
	for i := 20990; i < 21010; i++ { // the newest sealed rows, the oldest mutable ones
		del = append(del, storage.WriteOp{Kind: storage.OpDelete, ID: fmt.Sprintf("d%05d", i)})
	}
	if _, _, err := eng.Write(ctx, "commons", "t", del); err != nil {
		t.Fatal(err)
	}
	s := NewSession(eng, Limits{})
	for _, order := range []string{"_event_time DESC", "_event_time", "tie DESC", "tie", "s DESC", "n DESC", "n", "n DESC NULLS LAST", "n NULLS FIRST", "tie DESC, _event_time", "f DESC", "f", "f DESC, _id DESC"} {
		for _, filter := range []string{"", "AND kind <> 'a'"} {
			for _, limit := range []int{1, 10, 300} {
				fusedMatchesPlain(t, s, "SELECT * FROM t WHERE _id > 'd' "+filter+" %s ORDER BY "+order+fmt.Sprintf(" LIMIT %d", limit), limit)
			}
		}
	}
	if err := eng.Flush(ctx, "commons", "t"); err != nil {
		t.Fatal(err)
	}
	res, err := s.Query(ctx, "EXPLAIN ANALYZE SELECT * FROM t ORDER BY _event_time DESC LIMIT 10", Params{})
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`blocks=(\d+)`).FindStringSubmatch(rowsText(res))
	if n, _ := strconv.Atoi(m[1]); m == nil || n > 3 {
		t.Errorf("the newest ten rows of 24,000 (two blocks a segment) read more than 3 blocks:\n%s", rowsText(res))
	}
	// Float zones order NaN as the sort does: the top ten of f, NaN
	// first, need only the blocks that hold NaN.
	blocksRead := func(q string) int {
		res, err := s.Query(ctx, "EXPLAIN ANALYZE "+q, Params{})
		if err != nil {
			t.Fatal(err)
		}
		m := regexp.MustCompile(`blocks=(\d+)`).FindStringSubmatch(rowsText(res))
		if m == nil {
			t.Fatalf("no blocks= in\n%s", rowsText(res))
		}
		n, _ := strconv.Atoi(m[1])
		return n
	}
	if top, all := blocksRead("SELECT * FROM t ORDER BY f DESC LIMIT 10"), blocksRead("SELECT count(f) FROM t WHERE kind <> ''"); top >= all-1 {
		t.Errorf("the top ten of f read %d blocks of %d", top, all)
	}
	// The ten winners' documents are read at the end; a limit past
	// lateRows reads rows as they enter the heap.
	if !strings.Contains(rowsText(res), " docs=10)") {
		t.Errorf("SELECT * … LIMIT 10 read no documents at the end:\n%s", rowsText(res))
	}
	res, err = s.Query(ctx, "EXPLAIN ANALYZE SELECT * FROM t ORDER BY _event_time DESC LIMIT 300", Params{})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(rowsText(res), "docs=") {
		t.Errorf("SELECT * … LIMIT 300 read documents at the end:\n%s", rowsText(res))
	}
}
