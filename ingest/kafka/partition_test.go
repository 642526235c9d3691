package kafka

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/basaltdb/basalt/ingest"
	"github.com/basaltdb/basalt/internal/ingesttest"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestPartitionWorkerMergesPollsDuringCommit: the polls a partition receives
// while its previous batch commits are committed together, in one write,
// not one commit each. The disk's syncs take 100 ms; 20 polls of 5 records
// are queued as soon as the first commit starts. They must take at most 3
// commits (one each would be 21), and every record must land with the
// partition's position after the last one.
func TestPartitionWorkerMergesPollsDuringCommit(t *testing.T) {
	const (
		polls     = 20
		perPoll   = 5
		syncDelay = 100 * time.Millisecond
	)
	var slow atomic.Bool
	fs := slowSyncFS(&slow, syncDelay)
	reg := prometheus.NewRegistry()
	type outcome struct {
		pos map[string]int64
		err error
	}
	done := make(chan outcome, 1)
	commits := func() float64 {
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, mf := range mfs {
			if mf.GetName() == "basalt_storage_commits_total" {
				return mf.GetMetric()[0].GetCounter().GetValue()
			}
		}
		return 0
	}
	var before float64
	// The connector drives one partition worker of a real job by hand:
	// the test decides when polls arrive.
	connector := func(ctx context.Context, j *ingest.Job) error {
		c := &consumer{j: j, topic: "events", decode: decodeJSON, budget: newByteBudget(1 << 30), decoders: newDecoderPool(j.Decoder, 2),
			next: map[int32]int64{}, ends: map[int32]int64{}}
		w := newPartitionWorker(c, 0)
		errc := make(chan error, 1)
		finished := make(chan struct{})
		go func() {
			defer close(finished)
			w.run(ctx, errc)
		}()
		before = commits()
		slow.Store(true)
		offset := int64(0)
		for p := 0; p < polls+1; p++ {
			var recs []*kgo.Record
			for i := 0; i < perPoll; i++ {
				v := fmt.Sprintf(`{"_id":"r%d","v":%d}`, offset, offset)
				recs = append(recs, &kgo.Record{Topic: "events", Partition: 0, Offset: offset, Value: []byte(v)})
				offset++
			}
			size := recordBytes(recs)
			c.noteInFlight(size, int64(len(recs)))
			w.queue <- polledBatch{records: recs, size: size}
			if p == 0 {
				// Let the first batch reach its commit.
				time.Sleep(syncDelay / 4)
			}
		}
		close(w.queue)
		<-finished
		select {
		case err := <-errc:
			done <- outcome{err: err}
			return err
		default:
		}
		pos, err := j.Positions()
		done <- outcome{pos: pos, err: err}
		<-ctx.Done()
		return nil
	}
	n, out := runConnector(t, fs, reg, connector, done)
	slow.Store(false)
	if out.err != nil {
		t.Fatal(out.err)
	}
	made := commits() - before
	if made > 3 {
		t.Errorf("%d polls took %.0f commits, want at most 3: polls that arrive during a commit are not merged", polls+1, made)
	}
	const total = (polls + 1) * perPoll
	if got := out.pos["0"]; got != total {
		t.Errorf("partition 0 committed up to offset %d, want %d", got, total)
	}
	docs, sum := n.Count("events")
	if docs != total || sum != total*(total-1)/2 {
		t.Errorf("%d documents summing to %d, want %d and %d", docs, sum, total, total*(total-1)/2)
	}
	if st := n.Status("events"); st.InFlightRecords != 0 || st.InFlightBytes != 0 {
		t.Errorf("%d records (%d bytes) still in flight after the worker finished", st.InFlightRecords, st.InFlightBytes)
	}
	t.Logf("%d polls of %d records: %.0f commits", polls+1, perPoll, made)
}

// TestPartitionWorkersShareDecoders: four partition workers share two
// decoders (a source has two per core, not two per partition), and their
// small polls take decoders of their own when both are lent. With slow
// syncs their commits overlap; every record must still land with each
// partition's position after its last one, and every shared decoder must
// be back in the pool once the workers finish.
func TestPartitionWorkersShareDecoders(t *testing.T) {
	const (
		parts, polls, perPoll = 4, 6, 5
		decoders              = 2
	)
	var slow atomic.Bool
	fs := slowSyncFS(&slow, 20*time.Millisecond)
	type outcome struct {
		pos  map[string]int64
		free int
		err  error
	}
	done := make(chan outcome, 1)
	connector := func(ctx context.Context, j *ingest.Job) error {
		c := &consumer{j: j, topic: "events", decode: decodeJSON, budget: newByteBudget(1 << 30), decoders: newDecoderPool(j.Decoder, decoders),
			next: map[int32]int64{}, ends: map[int32]int64{}}
		errc := make(chan error, parts)
		var wg sync.WaitGroup
		var workers []*partitionWorker
		for p := range parts {
			w := newPartitionWorker(c, int32(p))
			workers = append(workers, w)
			wg.Add(1)
			go func() {
				defer wg.Done()
				w.run(ctx, errc)
			}()
		}
		slow.Store(true)
		for poll := range polls {
			for p, w := range workers {
				var recs []*kgo.Record
				for i := range perPoll {
					off := int64(poll*perPoll + i)
					v := fmt.Sprintf(`{"_id":"p%d-%d","v":%d}`, p, off, off)
					recs = append(recs, &kgo.Record{Topic: "events", Partition: int32(p), Offset: off, Value: []byte(v)})
				}
				size := recordBytes(recs)
				c.noteInFlight(size, int64(len(recs)))
				w.queue <- polledBatch{records: recs, size: size}
			}
		}
		for _, w := range workers {
			close(w.queue)
		}
		wg.Wait()
		select {
		case err := <-errc:
			done <- outcome{err: err}
			return err
		default:
		}
		pos, err := j.Positions()
		done <- outcome{pos: pos, free: c.decoders.free(), err: err}
		<-ctx.Done()
		return nil
	}
	n, out := runConnector(t, fs, prometheus.NewRegistry(), connector, done)
	slow.Store(false)
	if out.err != nil {
		t.Fatal(out.err)
	}
	for p := range parts {
		if got := out.pos[fmt.Sprint(p)]; got != polls*perPoll {
			t.Errorf("partition %d committed up to offset %d, want %d", p, got, polls*perPoll)
		}
	}
	if out.free != decoders {
		t.Errorf("%d of %d decoders back in the pool", out.free, decoders)
	}
	const per = polls * perPoll
	docs, sum := n.Count("events")
	if docs != parts*per || sum != parts*per*(per-1)/2 {
		t.Errorf("%d documents summing to %d, want %d and %d", docs, sum, parts*per, parts*per*(per-1)/2)
	}
}

// runConnector opens a node on fs whose kafka connector is connector,
// creates a source of topic events into collection events, and returns
// the node and what the connector sends on done, failing the test after
// 30 s. The node is closed once the test ends (the connector may still be
// blocked on its context until then).
func runConnector[T any](t *testing.T, fs vfs.FS, reg prometheus.Registerer, connector ingest.Connector, done <-chan T) (*testNode, T) {
	t.Helper()
	n := &testNode{ingesttest.OpenWith(t, t.TempDir(), map[string]ingest.Connector{"kafka": connector},
		ingesttest.Options{FS: fs, Registerer: reg})}
	t.Cleanup(n.Close)
	n.createSource([]string{"127.0.0.1:1"}, "events", "events", "EARLIEST")
	select {
	case out := <-done:
		return n, out
	case <-time.After(30 * time.Second):
		t.Fatal("the connector did not finish")
	}
	panic("unreachable")
}
