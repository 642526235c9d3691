package transform

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/basaltdb/basalt/catalog"
	"github.com/basaltdb/basalt/sql"
	"github.com/basaltdb/basalt/storage"
	"github.com/basaltdb/basalt/types"
	"github.com/cockroachdb/pebble/v2/vfs"
)

const rollupSQL = `SELECT device, DATE_TRUNC('minute', _event_time) AS _event_time,
	COUNT(*) AS n, COUNT(v) AS nv, SUM(v) AS total, MIN(v) AS lo, MAX(v) AS hi, AVG(v) AS mean,
	APPROX_COUNT_DISTINCT(usr) AS users, COUNT_IF(v > 50) AS big, SUM(v) / COUNT(*) AS per_event
	FROM _input WHERE device <> 'ignored' GROUP BY device, DATE_TRUNC('minute', _event_time)`

// rawSQL is the same aggregation over the raw events, as a query.
const rawSQL = `SELECT device, DATE_TRUNC('minute', _event_time) AS m,
	COUNT(*) AS n, COUNT(v) AS nv, SUM(v) AS total, MIN(v) AS lo, MAX(v) AS hi, AVG(v) AS mean,
	APPROX_COUNT_DISTINCT(usr) AS users, COUNT_IF(v > 50) AS big, SUM(v) / COUNT(*) AS per_event
	FROM raw WHERE device <> 'ignored' GROUP BY device, DATE_TRUNC('minute', _event_time) ORDER BY device, m`

const rolledSQL = `SELECT device, _event_time AS m, n, nv, total, lo, hi, mean, users, big, per_event
	FROM roll WHERE _id <> '` + offsetID + `' ORDER BY device, m`

// offsetID is the document where the test's source commits its offset,
// in the same write as the batch: what storage's source checkpoints do
// for Kafka, emulated inside the collection.
const offsetID = "_source_offset"

// randomEvent makes an event of one of a few devices, in a 20-minute
// window; values are ints or odd halves (exact in floating point, so SUM in
// any order gives the same float), null or absent.
func randomEvent(r *rand.Rand, i int) types.Value {
	base := time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)
	et := base.Add(time.Duration(r.IntN(20*60*1000)) * time.Millisecond)
	f := []types.Field{
		{Name: "_id", Value: types.String(fmt.Sprintf("e%d", i))},
		{Name: "device", Value: types.String([]string{"d0", "d1", "d2", "d3", "ignored"}[r.IntN(5)])},
		{Name: "usr", Value: types.String(fmt.Sprintf("u%d", r.IntN(40)))},
	}
	// Event time as the sources send it: ISO strings or epoch micros.
	if r.IntN(2) == 0 {
		f = append(f, types.Field{Name: "_event_time", Value: types.String(et.Format(time.RFC3339Nano))})
	} else {
		f = append(f, types.Field{Name: "_event_time", Value: types.Int(et.UnixMicro())})
	}
	switch r.IntN(10) {
	case 0:
		f = append(f, types.Field{Name: "v", Value: types.Null})
	case 1:
	case 2, 3:
		// Never integral: MIN and MAX of 60 and 60.0 keep whichever came
		// first, in a query too (its parallel scans merge in any order),
		// so a tie between an int and an equal float has no one answer.
		f = append(f, types.Field{Name: "v", Value: types.Float(float64(2*r.IntN(100)-51) / 2)})
	default:
		f = append(f, types.Field{Name: "v", Value: types.Int(int64(r.IntN(100)))})
	}
	return types.Object(f)
}

// source is an exactly-once source: it commits its offset with each batch,
// in the same atomic write, and on a retry asks storage where it got to.
type source struct {
	t   *testing.T
	e   *storage.Engine
	tr  *Transform
	now time.Time
}

// committed returns the offset committed in the rollup collection.
func (s *source) committed() int64 {
	snap, err := s.e.Snapshot("commons", "roll")
	if err != nil {
		s.t.Fatal(err)
	}
	defer snap.Close()
	doc, ok, err := snap.Get(offsetID)
	if err != nil {
		s.t.Fatal(err)
	}
	if !ok {
		return -1
	}
	return doc.Get("offset").Int()
}

// deliver writes batch number off, unless it was committed already (a
// replay after a lost acknowledgement).
func (s *source) deliver(off int64, docs []types.Value) {
	if off <= s.committed() {
		return
	}
	b := s.tr.ApplyAt(context.Background(), docs, s.now)
	ops := append(b.Ops, storage.WriteOp{Kind: storage.OpUpsert, Doc: types.Object([]types.Field{
		{Name: "_id", Value: types.String(offsetID)}, {Name: "offset", Value: types.Int(off)}})})
	res, _, err := s.e.Write(context.Background(), "commons", "roll", ops)
	if err != nil {
		s.t.Fatal(err)
	}
	for i, r := range b.Results(res[:len(b.Ops)]) {
		if r.Err != nil {
			s.t.Fatalf("batch %d doc %d: %v", off, i, r.Err)
		}
	}
}

func queryRows(t *testing.T, e *storage.Engine, q string) []string {
	t.Helper()
	res, err := sql.NewSession(e, sql.Limits{}).Query(context.Background(), q, sql.Params{})
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	out := make([]string, len(res.Rows))
	for i, r := range res.Rows {
		out[i] = types.Array(r).JSON()
	}
	return out
}

// TestRollupDifferential feeds the same random events, shuffled and in
// batches (so late and out-of-order events arrive after their minute was
// rolled up), to a raw collection and to a rollup collection, sealing and
// compacting along the way, and replaying some batches as a source does
// after a lost acknowledgement. The rollup queried with SQL must equal the
// same GROUP BY over the raw events, row for row, APPROX_COUNT_DISTINCT
// included (the sketch merges exactly).
func TestRollupDifferential(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 7))
	ctx := context.Background()
	e, err := storage.Open(storage.Options{Dir: "data", FS: vfs.NewMem(), DisableBackground: true, SealRows: 40})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	for _, spec := range []catalog.CollectionSpec{{Name: "raw"}, {Name: "roll", FieldMappingQuery: rollupSQL}} {
		if _, err := e.CreateCollection("commons", spec); err != nil {
			t.Fatal(err)
		}
	}
	tr, err := Compile(rollupSQL)
	if err != nil {
		t.Fatal(err)
	}
	src := &source{t: t, e: e, tr: tr, now: time.Date(2024, 3, 1, 11, 0, 0, 0, time.UTC)}
	n := 1500 + r.IntN(1000)
	events := make([]types.Value, n)
	for i := range events {
		events[i] = randomEvent(r, i)
	}
	r.Shuffle(n, func(i, j int) { events[i], events[j] = events[j], events[i] })
	// final checks also that the comparison was not of nothing (a first
	// batch of one ignored event has no group yet, as seed
	// 1795831838627142954 found).
	check := func(stage string, final bool) {
		t.Helper()
		raw, rolled := queryRows(t, e, rawSQL), queryRows(t, e, rolledSQL)
		if strings.Join(raw, "\n") != strings.Join(rolled, "\n") {
			t.Fatalf("%s: rollup differs from the raw GROUP BY\nraw:\n%s\nrollup:\n%s", stage, strings.Join(raw, "\n"), strings.Join(rolled, "\n"))
		}
		if final && len(raw) == 0 {
			t.Fatalf("%s: no groups", stage)
		}
	}
	var off int64
	for start := 0; start < n; off++ {
		end := min(n, start+1+r.IntN(120))
		batch := events[start:end]
		ops := make([]storage.WriteOp, len(batch))
		for i, d := range batch {
			ops[i] = storage.WriteOp{Doc: d}
		}
		if _, _, err := e.Write(ctx, "commons", "raw", ops); err != nil {
			t.Fatal(err)
		}
		src.deliver(off, batch)
		if r.IntN(4) == 0 {
			// The acknowledgement was lost: the source sends it again.
			src.deliver(off, batch)
		}
		switch r.IntN(8) {
		case 0:
			for _, c := range []string{"raw", "roll"} {
				if err := e.Flush(ctx, "commons", c); err != nil {
					t.Fatal(err)
				}
			}
		case 1:
			e.RunMaintenance(ctx)
		}
		if off%10 == 0 {
			check(fmt.Sprintf("after batch %d", off), false)
		}
		start = end
	}
	check("end", true)
	for _, c := range []string{"raw", "roll"} {
		if err := e.Flush(ctx, "commons", c); err != nil {
			t.Fatal(err)
		}
	}
	for range 5 {
		e.RunMaintenance(ctx)
	}
	check("sealed and compacted", true)
	st, _ := e.Stats("commons", "roll")
	t.Logf("%d events in %d batches -> %d rollup documents in %d segments", n, off, st.DocCount, st.Segments)
}

// TestInsertRefused: SQL INSERT does not go through the transformation, so
// it is refused rather than allowed to bypass it.
func TestInsertRefused(t *testing.T) {
	e, err := storage.Open(storage.Options{Dir: "data", FS: vfs.NewMem(), DisableBackground: true})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if _, err := e.CreateCollection("commons", catalog.CollectionSpec{Name: "roll", FieldMappingQuery: rollupSQL}); err != nil {
		t.Fatal(err)
	}
	_, err = sql.NewSession(e, sql.Limits{}).Query(context.Background(), `INSERT INTO roll SELECT 'd' AS device`, sql.Params{})
	if err == nil || !strings.Contains(err.Error(), "field_mapping_query") {
		t.Fatalf("INSERT into a rollup: %v", err)
	}
}
