package ingest_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/basaltdb/basalt/catalog"
	"github.com/basaltdb/basalt/ingest"
	"github.com/basaltdb/basalt/internal/ingesttest"
	"github.com/basaltdb/basalt/storage"
	"github.com/prometheus/client_golang/prometheus"
)

// scripted is a connector that writes batches of JSON records, each with
// the position after it ("p"), from the committed position on, or from the
// start when replay is set. Record i is at position "p/i".
type scripted struct {
	batches [][]string
	replay  bool
}

func (s scripted) connector(ctx context.Context, j *ingest.Job) error {
	pos, err := j.Positions()
	if err != nil {
		return err
	}
	next := pos["p"]
	if s.replay {
		next = 0
	}
	n := 0
	for _, b := range s.batches {
		start := n
		n += len(b)
		if int64(n) <= next {
			continue
		}
		recs := make([]ingest.Record, len(b))
		for i, v := range b {
			p := fmt.Sprintf("p/%d", start+i)
			doc, err := j.Decoder().Decode([]byte(v))
			if err != nil {
				recs[i] = ingest.Record{Err: fmt.Errorf("record %s is not valid JSON: %w", p, err), Raw: []byte(v), Position: p}
				continue
			}
			recs[i] = ingest.Record{Doc: doc, Position: p}
		}
		if err := j.Write(ctx, recs, []ingest.Position{{Name: "p", Offset: int64(n)}}); err != nil {
			return err
		}
	}
	<-ctx.Done()
	return nil
}

// warnings counts the Warn lines about records kept in _meta.bad.
type warnings struct {
	mu sync.Mutex
	n  int
}

func (w *warnings) Enabled(context.Context, slog.Level) bool { return true }
func (w *warnings) WithAttrs([]slog.Attr) slog.Handler       { return w }
func (w *warnings) WithGroup(string) slog.Handler            { return w }
func (w *warnings) Handle(_ context.Context, r slog.Record) error {
	if r.Level == slog.LevelWarn && strings.Contains(r.Message, "kept in _meta.bad") {
		w.mu.Lock()
		w.n++
		w.mu.Unlock()
	}
	return nil
}

func (w *warnings) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.n
}

// TestKeptRecordsSurviveACrash: the records of a batch that cannot be
// stored (the transformation fails, the commit finds an _op REPLACE of a
// missing _id, a record does not decode) commit with the batch's position
// and reach _meta.bad even when the process dies between that commit and
// the write to _meta.bad; read again from an earlier position, they
// replace their _meta.bad records instead of adding others. A source logs
// one Warn line about them, not one per batch.
func TestKeptRecordsSurviveACrash(t *testing.T) {
	src := scripted{batches: [][]string{{
		`{"_id":"a","p":"1"}`,
		`{"_id":"b","p":"zz"}`,                 // the CAST fails
		`{"_id":"zz","_op":"REPLACE","p":"3"}`, // the commit finds no zz
	}, {
		`not json`, // does not decode
		`{"_id":"d","p":"4"}`,
	}}}
	const query = `SELECT _id, _op, CAST(p AS int) AS p FROM _input`
	dir := t.TempDir()
	reg := prometheus.NewRegistry() // of the last node opened
	open := func(s scripted) (*ingesttest.Node, *warnings) {
		w := &warnings{}
		reg = prometheus.NewRegistry()
		n := ingesttest.OpenWith(t, dir, map[string]ingest.Connector{catalog.KindFile: s.connector}, ingesttest.Options{Logger: slog.New(w), Registerer: reg})
		return n, w
	}
	pending := func(n *ingesttest.Node, col catalog.Collection) int {
		t.Helper()
		ck, err := n.Eng.Checkpoints("commons", "tx", col.Sources[0].ID+"/"+ingest.PendingName)
		if err != nil {
			t.Fatal(err)
		}
		return len(ck)
	}
	checkBad := func(n *ingesttest.Node, when string) {
		t.Helper()
		ingesttest.WaitFor(t, "the records in _meta.bad "+when, 10*time.Second, func() bool { return len(n.BadRows("tx")) >= 3 })
		time.Sleep(150 * time.Millisecond) // a record kept twice would show now
		bad := n.BadRows("tx")
		want := []struct{ pos, msg, rec string }{
			{"p/1", `record p/1: field mapping query: field "p" (CAST(p AS int))`, `"zz"`},
			{"p/2", `record p/2: document with _id "zz" does not exist`, `"REPLACE"`},
			{"p/3", `record p/3 is not valid JSON`, `not json`},
		}
		if len(bad) != len(want) {
			t.Fatalf("%s: %d _meta.bad records, want %d:\n%s", when, len(bad), len(want), ingesttest.RowsText(bad))
		}
		for i, w := range want {
			if bad[i][0].Str() != w.pos || !strings.Contains(bad[i][1].Str(), w.msg) || !strings.Contains(bad[i][2].Str(), w.rec) {
				t.Fatalf("%s: _meta.bad record %d is %s; want position %s, error with %q, record with %q", when, i, bad[i], w.pos, w.msg, w.rec)
			}
		}
		if got, want := ingesttest.RowsText(n.Query(`SELECT _id, p FROM tx ORDER BY _id`)), "\"a\" 1\n\"d\" 4\n"; got != want {
			t.Fatalf("%s: documents\n%s\nwant\n%s", when, got, want)
		}
	}

	// An error collection every write to fails (its event time is mapped
	// to a field that holds no timestamp): each batch commits, and its
	// records stay pending, as when the process dies right after the
	// commit.
	n, _ := open(src)
	if _, err := n.Eng.Catalog().CreateWorkspace(ingest.BadWorkspace, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Eng.CreateCollection(ingest.BadWorkspace, catalog.CollectionSpec{Name: ingest.BadCollection, EventTimeInfo: &catalog.EventTimeInfo{Field: "error"}}); err != nil {
		t.Fatal(err)
	}
	col := n.CreateCollection("tx", catalog.Source{File: &catalog.FileSource{Path: "/nonexistent/*.ndjson"}}, query)
	ingesttest.WaitFor(t, "the first batch to commit", 10*time.Second, func() bool {
		st := n.Status("tx")
		return st.ErrorDocuments == 2 && st.State == ingest.StateError
	})
	if got := len(n.BadRows("tx")); got != 0 {
		t.Fatalf("%d records in the failing _meta.bad", got)
	}
	if got := pending(n, col); got != 1 {
		t.Fatalf("%d pending entries, want 1", got)
	}
	n.Close()
	eng, err := storage.Open(storage.Options{Dir: dir, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eng.DropCollection(ingest.BadWorkspace, ingest.BadCollection); err != nil {
		t.Fatal(err)
	}
	if err := eng.Close(); err != nil {
		t.Fatal(err)
	}

	// Restarted, the source keeps the pending records before it goes on
	// from its position with the second batch.
	n, w := open(src)
	checkBad(n, "after the restart")
	if st := n.Status("tx"); st.Records != 2 || st.BadRecords != 1 || st.ErrorDocuments != 0 {
		t.Fatalf("after the restart: %d records read, %d bad, %d error documents; want 2, 1, 0", st.Records, st.BadRecords, st.ErrorDocuments)
	}
	if got := w.count(); got != 1 {
		t.Fatalf("after the restart: %d Warn lines about kept records, want 1", got)
	}
	n.Close()

	// Read again from the start: the same records, kept once.
	n, w = open(scripted{batches: src.batches, replay: true})
	ingesttest.WaitFor(t, "the records read again", 10*time.Second, func() bool { return n.Status("tx").Records == 5 })
	checkBad(n, "after reading again")
	if st := n.Status("tx"); st.BadRecords != 1 || st.ErrorDocuments != 2 || st.Documents != 2 {
		t.Fatalf("after reading again: %d bad records, %d error documents, %d documents; want 1, 2, 2", st.BadRecords, st.ErrorDocuments, st.Documents)
	}
	if got := w.count(); got != 1 {
		t.Fatalf("two batches with kept records logged %d Warn lines, want 1", got)
	}
	// The metrics count what the status counts.
	for name, want := range map[string]float64{"basalt_source_bad_records_total": 1, "basalt_source_error_documents_total": 2, "basalt_source_records_total": 5} {
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		got := -1.0
		for _, mf := range mfs {
			if mf.GetName() == name && len(mf.GetMetric()) == 1 {
				got = mf.GetMetric()[0].GetCounter().GetValue()
			}
		}
		if got != want {
			t.Fatalf("after reading again: %s = %v, want %v (-1: no one series)", name, got, want)
		}
	}
	if got := pending(n, col); got > 1 {
		t.Fatalf("%d pending entries left: each write deletes those kept before it", got)
	}
	n.Close()
	n, _ = open(src)
	defer n.Close()
	checkBad(n, "after the last restart")
	if got := pending(n, col); got != 0 {
		t.Fatalf("%d pending entries after a restart", got)
	}
}
