package kafka

import (
	"context"
	"fmt"
	"strconv"

	"github.com/basaltdb/basalt/ingest"
	"github.com/basaltdb/basalt/types"
	"github.com/twmb/franz-go/pkg/kgo"
)

// partitionWorker decodes and commits one partition's share of each poll,
// in order. It is a two-stage pipeline: one goroutine decodes the next
// batch while another waits for the previous one's commit. Without the
// overlap every worker sat in the commit queue while the committer worked,
// then all decoded while it idled.
type partitionWorker struct {
	c         *consumer
	partition int32
	queue     chan polledBatch
}

// polledBatch is a partition's records from one poll, with the bytes they
// took from the consumer's budget and their real size.
type polledBatch struct {
	records []*kgo.Record
	bytes   int64
	size    int64
}

// decodedBatch is a batch ready to commit.
type decodedBatch struct {
	recs  []ingest.Record
	dec   *types.Decoder
	next  int64 // the partition's next offset once committed
	bytes int64 // taken from the budget, given back once committed
	size  int64 // the records' real size
	n     int64 // how many records
	small bool  // dec is a small batch's (decoderPool)
}

func newPartitionWorker(c *consumer, partition int32) *partitionWorker {
	return &partitionWorker{c: c, partition: partition, queue: make(chan polledBatch, workerQueue)}
}

// run decodes and commits the batches of its queue in order until the
// queue closes or a commit fails (the error goes to errc, and the connector
// restarts from the committed positions).
func (w *partitionWorker) run(ctx context.Context, errc chan<- error) {
	// Unbuffered: a decoded batch is handed over only when the committer
	// is ready for it, and keeps absorbing newer polls until then.
	decoded := make(chan decodedBatch)
	go w.decodeAll(ctx, decoded)
	for b := range decoded {
		if ctx.Err() == nil {
			if err := w.commit(ctx, b); err != nil && ctx.Err() == nil {
				select {
				case errc <- err:
				default:
				}
			}
		}
		w.c.decoders.put(b.dec, b.small, b.size)
		w.drop(b.bytes, b.size, b.n)
	}
}

// maxMergeBytes bounds the records merged into one commit. A backlog polls
// batches of up to 1 MiB per partition (compressed; a few MiB of JSON),
// which commit as they are. Decoded, 2 MiB of RockBench JSON is about 5 MB
// of values: within what a decoder keeps for reuse (types.Decoder.Reset),
// so the decoders stop allocating once warm (at 4 MiB merges, and
// 4 MiB fetches, they allocated every batch anew: the collector's work
// doubled).
const maxMergeBytes = 2 << 20

// decodeAll decodes the queue's batches and hands them to the committer.
// While the committer is busy, the polls that arrive are decoded into the
// batch waiting for it, so a partition commits everything it received
// during the previous commit at once. One commit per poll made a steady
// stream of small polls queue behind each other's commits (data latency
// p99 230-270 ms at 20 MB/s, most of it in this queue).
func (w *partitionWorker) decodeAll(ctx context.Context, decoded chan<- decodedBatch) {
	defer close(decoded)
	var pending decodedBatch
	has := false
	for {
		if !has {
			pb, ok := <-w.queue
			if !ok {
				return
			}
			if pending, ok = w.start(ctx, pb); !ok {
				continue
			}
			has = true
			continue
		}
		queue := w.queue
		if pending.size >= maxMergeBytes || pending.small && pending.size >= smallBatchBytes {
			queue = nil // full: wait for the committer
		}
		select {
		case decoded <- pending:
			has = false
		case pb, ok := <-queue:
			if !ok {
				decoded <- pending
				return
			}
			if ctx.Err() != nil {
				w.drop(pb.bytes, pb.size, int64(len(pb.records)))
				continue // drain: the batches are not committed
			}
			w.decodeInto(&pending, pb)
		}
	}
}

// start decodes a batch with a decoder from the pool; false when the
// context ended first (the batch is dropped, not committed).
func (w *partitionWorker) start(ctx context.Context, pb polledBatch) (decodedBatch, bool) {
	if ctx.Err() != nil {
		w.drop(pb.bytes, pb.size, int64(len(pb.records)))
		return decodedBatch{}, false
	}
	dec, small, err := w.c.decoders.get(ctx, pb.size)
	if err != nil {
		w.drop(pb.bytes, pb.size, int64(len(pb.records)))
		return decodedBatch{}, false
	}
	b := decodedBatch{dec: dec, small: small}
	w.decodeInto(&b, pb)
	return b, true
}

// drop forgets a batch committed or given up: its bytes go back to the
// budget and leave the in-flight counts.
func (w *partitionWorker) drop(taken, size, n int64) {
	w.c.noteInFlight(-size, -n)
	w.c.budget.release(taken)
}

// decodeInto appends the documents of a polled batch to b, with b's
// decoder: they alias its memory until b is committed.
func (w *partitionWorker) decodeInto(b *decodedBatch, pb polledBatch) {
	if b.recs == nil {
		b.recs = make([]ingest.Record, 0, len(pb.records))
	}
	for _, r := range pb.records {
		pos := w.c.topic + "/" + strconv.Itoa(int(r.Partition)) + "/" + strconv.FormatInt(r.Offset, 10)
		b.recs = w.c.decode(b.dec, r.Value, pos, b.recs)
	}
	b.next = pb.records[len(pb.records)-1].Offset + 1
	b.bytes += pb.bytes
	b.size += pb.size
	b.n += int64(len(pb.records))
}

func (w *partitionWorker) commit(ctx context.Context, b decodedBatch) error {
	err := w.c.j.Write(ctx, b.recs, []ingest.Position{{Name: strconv.Itoa(int(w.partition)), Offset: b.next}})
	if err != nil {
		return fmt.Errorf("commit partition %d of topic %q up to offset %d: %w", w.partition, w.c.topic, b.next, err)
	}
	w.c.mu.Lock()
	w.c.next[w.partition] = b.next
	w.c.mu.Unlock()
	return nil
}
