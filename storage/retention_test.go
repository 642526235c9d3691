package storage

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/basaltdb/basalt/catalog"
	"github.com/basaltdb/basalt/types"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// TestRetention writes documents with event times spread over the past
// hours, some already past the horizon, then moves the clock and runs
// maintenance: exactly the documents whose event time is before now minus
// the retention period must go, whether they sit in the mutable segment, at
// the edge of a sealed segment or in sealed segments that expire whole, and
// a document replaced by a version with a recent event time must stay.
func TestRetention(t *testing.T) {
	for _, seed := range testSeeds(t, 2) {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) { runRetention(t, seed) })
	}
}

func runRetention(t *testing.T, seed uint64) {
	t.Logf("seed %d (replay with BASALT_SEED=%d)", seed, seed)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(seed, 0x7e7))
	t0 := time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)
	clock := newTestClock(t0)
	fs := vfs.NewMem()
	opts := Options{Dir: "data", FS: fs, Now: clock.Now, Logger: testLogger(t), DisableBackground: true,
		SealRows: 20 + rng.IntN(20), CompactMinSegments: 2, Registerer: prometheus.NewRegistry()}
	e, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { e.Close() }()
	meta, err := e.CreateCollection("commons", catalog.CollectionSpec{Name: "ret", RetentionSecs: 3600, PartitionResolution: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	m := newModel(meta)
	var ids []string
	for i := range 400 {
		ids = append(ids, strconv.Itoa(i))
	}
	g := &gen{rng: rng, now: clock.Now, days: 1, ids: ids}
	doc := func(id string, et time.Time) types.Value {
		d := g.object(2, rng.IntN(4))
		return normalizedBody(d).WithField(FieldID, types.String(id)).WithField(FieldEventTime, types.Int(et.UnixMicro()))
	}
	retained := false // retention has run since the last write
	write := func(what string, ops []WriteOp) {
		t.Helper()
		retained = false
		now := clock.Now()
		res, _, err := e.Write(ctx, "commons", "ret", ops)
		if err != nil {
			t.Fatal(err)
		}
		m.checkResults(t, what, ops, res, now)
	}
	// expire drops from the model what is past the horizon.
	expire := func() int {
		horizon := clock.Now().Add(-time.Hour).UnixMicro()
		n := 0
		for id, d := range m.docs {
			if d.Get(FieldEventTime).Micros() < horizon {
				delete(m.docs, id)
				n++
			}
		}
		return n
	}
	check := func(stage string) {
		t.Helper()
		s, err := e.Snapshot("commons", "ret")
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		checkState(t, stage, s, m, rng, g, checkOpts{lookups: 40, zones: 3})
		if !retained {
			return
		}
		horizon := clock.Now().Add(-time.Hour).UnixMicro()
		for _, v := range s.Segments() {
			if lo, hi := v.EventTimeRange(); v.Sealed() && hi < horizon {
				t.Fatalf("%s: sealed segment %d (event times %d..%d) is past the horizon %d but still there", stage, v.ID(), lo, hi, horizon)
			}
		}
	}
	// Event times over the last six hours, some in the future, one exactly
	// at the horizon as it will be after the first clock move.
	spread := func(n int, first int) []WriteOp {
		var ops []WriteOp
		for i := range n {
			et := t0.Add(-time.Duration(rng.Int64N(int64(6 * time.Hour))))
			if rng.IntN(20) == 0 {
				et = t0.Add(time.Duration(rng.IntN(600)) * time.Second)
			}
			ops = append(ops, WriteOp{Doc: doc(ids[first+i], et)})
		}
		return ops
	}
	write("sealed batch", spread(200, 0))
	write("edge", []WriteOp{{Doc: doc("edge", t0.Add(-30*time.Minute))}, {Doc: doc("edge-1", t0.Add(-30*time.Minute-time.Microsecond))}})
	// Replacements: "moved-up" gets a recent event time and must survive;
	// "moved-down" gets an old one and must go.
	write("to move", []WriteOp{{Doc: doc("moved-up", t0.Add(-5*time.Hour))}, {Doc: doc("moved-down", t0.Add(-5*time.Minute))},
		{Doc: doc("patched-old", t0.Add(-4*time.Hour))}, {Doc: doc("updated-new", t0.Add(-10*time.Minute))}})
	if err := e.Flush(ctx, "commons", "ret"); err != nil {
		t.Fatal(err)
	}
	write("mutable batch", spread(100, 200))
	write("moves", []WriteOp{
		{Doc: doc("moved-up", t0.Add(-2*time.Minute))},
		{Doc: doc("moved-down", t0.Add(-5*time.Hour))},
		// A patch and an _op UPDATE keep the event time of the version
		// they change.
		{Kind: OpPatch, ID: "patched-old", Patch: []types.PatchOp{{Op: "add", Path: "/p", Value: types.Int(1)}}},
		{Kind: OpUpdate, Doc: types.Object([]types.Field{{Name: FieldID, Value: types.String("updated-new")}, {Name: FieldEventTime, Value: types.Int(t0.Add(-5 * time.Hour).UnixMicro())}, {Name: "u", Value: types.Int(2)}})},
	})
	check("before retention")
	before, err := e.Stats("commons", "ret")
	if err != nil {
		t.Fatal(err)
	}

	// A snapshot taken before retention keeps answering as it did,
	// though its segments are dropped and their files removed.
	old, err := e.Snapshot("commons", "ret")
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	oldModel := m.clone()

	// Move 30 minutes on: the horizon is t0-30m.
	clock.Advance(30 * time.Minute)
	maintainFully(t, e, "commons", "ret")
	retained = true
	gone := expire()
	check("after retention at t0+30m")
	checkState(t, "snapshot from before retention", old, oldModel, rng, g, checkOpts{lookups: 20, zones: 2})
	old.Close()
	if got, want := segmentFiles(t, fs, meta.ID), liveSegmentFiles(t, e, "commons", "ret"); !slices.Equal(got, want) {
		t.Fatalf("segment files after retention:\n got  %v\n want %v", got, want)
	}
	for _, id := range []string{"edge", "moved-up", "updated-new"} {
		if _, ok := m.docs[id]; !ok {
			t.Fatalf("model lost %s", id)
		}
	}
	for _, id := range []string{"edge-1", "moved-down", "patched-old"} {
		if _, ok := m.docs[id]; ok {
			t.Fatalf("model kept %s", id)
		}
	}
	dropped := counterValue(t, e.metrics.retentionDropped)
	expired := counterValue(t, e.metrics.retentionExpired)
	after, err := e.Stats("commons", "ret")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("t0+30m: %d documents expired; %v segments dropped whole, %v rows expired one by one; segments %d -> %d",
		gone, dropped, expired, before.Segments, after.Segments)
	if dropped == 0 || expired == 0 {
		t.Fatalf("retention dropped %v segments whole and expired %v rows; want both", dropped, expired)
	}

	// Later documents, some already past the horizon when written.
	write("late batch", spread(80, 300))
	check("late batch")
	clock.Advance(2 * time.Hour)
	maintainFully(t, e, "commons", "ret")
	retained = true
	expire()
	check("after retention at t0+2h30m")
	if err := e.Flush(ctx, "commons", "ret"); err != nil {
		t.Fatal(err)
	}
	// Expired documents do not come back after a restart.
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if e, err = Open(opts); err != nil {
		t.Fatal(err)
	}
	check("reopened")
	clock.Advance(5 * time.Hour)
	maintainFully(t, e, "commons", "ret")
	retained = true
	expire()
	if len(m.docs) != 0 {
		t.Fatalf("model still has %d documents", len(m.docs))
	}
	check("everything expired")
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if e, err = Open(opts); err != nil {
		t.Fatal(err)
	}
	check("everything expired, reopened")
}

// normalizedBody drops the reserved fields from a generated object.
func normalizedBody(v types.Value) types.Value {
	for _, f := range []string{FieldID, FieldEventTime, FieldOp, FieldMeta} {
		v = v.WithoutField(f)
	}
	return v
}

func counterValue(t testing.TB, c prometheus.Counter) float64 {
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}
