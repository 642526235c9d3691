package kafka

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/basaltdb/basalt/ingest"
	"github.com/basaltdb/basalt/internal/ingesttest"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestKafkaBackpressureSlowCollection: the collection is the slow part.
// Its disk syncs take 100 ms (every commit waits for one) while a backlog
// of 5 MB sits in the topic. For a second and a half the test samples:
//
//   - the records handed to partition workers and not committed
//     (Status.InFlightBytes) never pass the byte budget;
//   - what the consumer has fetched from the cluster past its committed
//     offsets (seen from the cluster's side, in the offsets of its fetch
//     requests) never passes the budget plus what franz-go buffers (two
//     fetches): the backlog stays in Kafka, not in memory;
//   - the lag shows meanwhile, in the source's status (PROCESSING, per
//     partition) and in basalt_source_consumer_lag.
//
// Then the disk is fast again, and every record lands exactly once (count
// and sum, and no document written twice).
func TestKafkaBackpressureSlowCollection(t *testing.T) {
	const (
		parts     = 8
		perPart   = 2500
		recSize   = 256 // every record value is this long
		budget    = 48 << 10
		fetchMax  = 32 << 10
		syncDelay = 100 * time.Millisecond
		slowFor   = 1500 * time.Millisecond
	)
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(parts, "events"))
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Close()
	// The cluster's view: the highest offset the consumer asked for in
	// each partition, i.e. everything below it has been fetched.
	var fetchedMu sync.Mutex
	fetched := map[int32]int64{}
	cluster.ControlKey(int16(kmsg.Fetch), func(req kmsg.Request) (kmsg.Response, error, bool) {
		fetchedMu.Lock()
		defer fetchedMu.Unlock()
		for _, tp := range req.(*kmsg.FetchRequest).Topics {
			for _, p := range tp.Partitions {
				fetched[p.Partition] = max(fetched[p.Partition], p.FetchOffset)
			}
		}
		return nil, nil, false // observe only: the cluster answers
	})
	addrs := cluster.ListenAddrs()

	// Small uncompressed producer batches. A fetch returns at least one
	// whole batch, and FetchMaxBytes counts compressed bytes: the padding
	// compresses a hundredfold, so one snappy batch of it is bigger than
	// the budget by itself once decompressed (the budget then admits that
	// one batch alone).
	prod, err := kgo.NewClient(kgo.SeedBrokers(addrs...), kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.ProducerBatchMaxBytes(16<<10), kgo.ProducerBatchCompression(kgo.NoCompression()))
	if err != nil {
		t.Fatal(err)
	}
	defer prod.Close()
	var wantDocs, wantSum int64
	for p := int32(0); p < parts; p++ {
		recs := make([]*kgo.Record, 0, perPart)
		for i := 0; i < perPart; i++ {
			v := int64(p)*100000 + int64(i)
			val := fmt.Sprintf(`{"_id":"p%d-%d","v":%d,"pad":""}`, p, i, v)
			val = strings.Replace(val, `"pad":""`, `"pad":"`+strings.Repeat("x", recSize-len(val))+`"`, 1)
			if len(val) != recSize {
				t.Fatalf("record of %d bytes", len(val))
			}
			recs = append(recs, &kgo.Record{Topic: "events", Partition: p, Value: []byte(val)})
			wantDocs++
			wantSum += v
		}
		if err := prod.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}

	// A disk whose syncs take syncDelay while slow is set: every commit
	// of the collection waits for one.
	var slow atomic.Bool
	slow.Store(true)
	fs := slowSyncFS(&slow, syncDelay)
	reg := prometheus.NewRegistry()
	n := &testNode{ingesttest.OpenWith(t, t.TempDir(), map[string]ingest.Connector{
		"kafka": Connector(Options{LagInterval: 50 * time.Millisecond, InFlightBytes: budget, FetchMaxBytes: fetchMax}),
	}, ingesttest.Options{FS: fs, Registerer: reg})}
	defer n.Close()
	n.createSource(addrs, "events", "events", "EARLIEST")

	metricLag := func() float64 {
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		var sum float64
		for _, mf := range mfs {
			if mf.GetName() == "basalt_source_consumer_lag" {
				for _, m := range mf.GetMetric() {
					sum += m.GetGauge().GetValue()
				}
			}
		}
		return sum
	}
	var maxInFlight, maxInFlightRecs, maxAhead, samples int64
	var sawLag, sawMetricLag bool
	end := time.Now().Add(slowFor)
	for time.Now().Before(end) {
		st := n.Status("events")
		maxInFlight = max(maxInFlight, st.InFlightBytes)
		maxInFlightRecs = max(maxInFlightRecs, st.InFlightRecords)
		if st.InFlightBytes > budget {
			t.Errorf("%d bytes (%d records) in flight, over the budget of %d", st.InFlightBytes, st.InFlightRecords, budget)
		}
		// Offsets are committed before the status shows them, and the
		// fetch offsets read after: ahead can only be overstated.
		var ahead int64
		fetchedMu.Lock()
		for _, ps := range st.Partitions {
			if f, ok := fetched[ps.Partition]; ok && f > ps.Offset {
				ahead += f - ps.Offset
			}
		}
		fetchedMu.Unlock()
		maxAhead = max(maxAhead, ahead)
		if ahead*recSize > budget+2*fetchMax {
			t.Errorf("%d records (%d bytes) fetched past the committed offsets, over the budget and two fetches (%d)", ahead, ahead*recSize, budget+2*fetchMax)
		}
		if st.State == ingest.StateProcessing {
			for _, ps := range st.Partitions {
				if ps.Lag > 0 {
					sawLag = true
				}
			}
		}
		if !sawMetricLag && metricLag() > 0 {
			sawMetricLag = true
		}
		samples++
		time.Sleep(5 * time.Millisecond)
	}
	docs, _ := n.Count("events")
	t.Logf("slow phase: %d samples, at most %d bytes (%d records) in flight, at most %d records (%d bytes) fetched ahead; %d of %d documents committed",
		samples, maxInFlight, maxInFlightRecs, maxAhead, maxAhead*recSize, docs, wantDocs)
	if docs >= wantDocs {
		t.Fatal("the backlog was consumed while the disk was slow; the test proves nothing")
	}
	if maxInFlight == 0 || maxAhead == 0 {
		t.Fatal("nothing was ever in flight; the test proves nothing")
	}
	if !sawLag {
		t.Error("the source's status never showed lag while it was behind")
	}
	if !sawMetricLag {
		t.Error("basalt_source_consumer_lag never showed lag while the source was behind")
	}

	slow.Store(false)
	ingesttest.WaitFor(t, "the whole backlog", 30*time.Second, func() bool {
		d, _ := n.Count("events")
		return d >= wantDocs
	})
	if docs, sum := n.Count("events"); docs != wantDocs || sum != wantSum {
		t.Fatalf("%d documents summing to %d, want %d and %d", docs, sum, wantDocs, wantSum)
	}
	if r := n.replaced("events"); r != 0 {
		t.Fatalf("%d documents were written twice", r)
	}
	ingesttest.WaitFor(t, "no lag and nothing in flight", 10*time.Second, func() bool {
		st := n.Status("events")
		if st.State != ingest.StateWatching || st.InFlightBytes != 0 || st.InFlightRecords != 0 || len(st.Partitions) != parts {
			return false
		}
		for _, ps := range st.Partitions {
			if ps.Lag != 0 {
				return false
			}
		}
		return metricLag() == 0
	})
}

// slowSyncFS is the operating system's file system with syncs that take
// delay while slow is set.
func slowSyncFS(slow *atomic.Bool, delay time.Duration) vfs.FS {
	return errorfs.Wrap(vfs.Default, errorfs.InjectorFunc(func(op errorfs.Op) error {
		switch op.Kind {
		case errorfs.OpFileSync, errorfs.OpFileSyncData, errorfs.OpFileSyncTo:
			if slow.Load() {
				time.Sleep(delay)
			}
		}
		return nil
	}))
}
