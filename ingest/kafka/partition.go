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
	// decoders alternate between the two stages: a batch's documents alias
	// its decoder's memory until the batch is committed.
	decoders chan *types.Decoder
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
}

func newPartitionWorker(c *consumer, partition int32) *partitionWorker {
	w := &partitionWorker{c: c, partition: partition, queue: make(chan polledBatch, workerQueue), decoders: make(chan *types.Decoder, 2)}
	w.decoders <- c.j.Decoder()
	w.decoders <- c.j.Decoder()
	return w
}

// run decodes and commits the batches of its queue in order until the
// queue closes or a commit fails (the error goes to errc, and the connector
// restarts from the committed positions).
func (w *partitionWorker) run(ctx context.Context, errc chan<- error) {
	decoded := make(chan decodedBatch, 1)
	go func() {
		defer close(decoded)
		for pb := range w.queue {
			if ctx.Err() != nil {
				w.drop(pb.bytes, pb.size, int64(len(pb.records)))
				continue // drain: the batches are not committed
			}
			var dec *types.Decoder
			select {
			case dec = <-w.decoders:
			case <-ctx.Done():
				w.drop(pb.bytes, pb.size, int64(len(pb.records)))
				continue
			}
			b := w.decode(dec, pb.records)
			b.bytes, b.size, b.n = pb.bytes, pb.size, int64(len(pb.records))
			decoded <- b
		}
	}()
	for b := range decoded {
		if ctx.Err() == nil {
			if err := w.commit(ctx, b); err != nil && ctx.Err() == nil {
				select {
				case errc <- err:
				default:
				}
			}
		}
		b.dec.Reset()
		w.decoders <- b.dec
		w.drop(b.bytes, b.size, b.n)
	}
}

// drop forgets a batch committed or given up: its bytes go back to the
// budget and leave the in-flight counts.
func (w *partitionWorker) drop(taken, size, n int64) {
	w.c.noteInFlight(-size, -n)
	w.c.budget.release(taken)
}

func (w *partitionWorker) decode(dec *types.Decoder, records []*kgo.Record) decodedBatch {
	recs := make([]ingest.Record, 0, len(records))
	for _, r := range records {
		pos := w.c.topic + "/" + strconv.Itoa(int(r.Partition)) + "/" + strconv.FormatInt(r.Offset, 10)
		recs = w.c.decode(dec, r.Value, pos, recs)
	}
	return decodedBatch{recs: recs, dec: dec, next: records[len(records)-1].Offset + 1}
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
