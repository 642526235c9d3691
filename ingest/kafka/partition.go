package kafka

import (
	"context"
	"fmt"
	"strconv"

	"github.com/basaltdb/basalt/ingest"
	"github.com/basaltdb/basalt/types"
	"github.com/twmb/franz-go/pkg/kgo"
)

// partitionWorker decodes and commits one partition's share of a poll.
type partitionWorker struct {
	c         *consumer
	partition int32
	dec       *types.Decoder
	queue     chan []*kgo.Record
	recs      []ingest.Record
}

// run commits the batches of its queue in order until the queue closes or
// a commit fails (the error goes to errc, and the connector restarts from
// the committed positions).
func (w *partitionWorker) run(ctx context.Context, errc chan<- error) {
	for records := range w.queue {
		if ctx.Err() != nil {
			continue // drain: the batches are not committed
		}
		if err := w.process(ctx, records); err != nil {
			if ctx.Err() == nil {
				select {
				case errc <- err:
				default:
				}
			}
		}
	}
}

func (w *partitionWorker) process(ctx context.Context, records []*kgo.Record) error {
	w.recs = w.recs[:0]
	for _, r := range records {
		pos := w.c.topic + "/" + strconv.Itoa(int(r.Partition)) + "/" + strconv.FormatInt(r.Offset, 10)
		w.recs = w.c.decode(w.dec, r.Value, pos, w.recs)
	}
	last := records[len(records)-1]
	next := last.Offset + 1
	err := w.c.j.Write(ctx, w.recs, []ingest.Position{{Name: strconv.Itoa(int(w.partition)), Offset: next}})
	// The documents are committed (or not): their decoded values, which
	// alias the decoder's memory, are no longer needed.
	w.dec.Reset()
	clear(w.recs)
	if err != nil {
		return fmt.Errorf("commit partition %d of topic %q up to offset %d: %w", w.partition, w.c.topic, next, err)
	}
	w.c.mu.Lock()
	w.c.next[w.partition] = next
	w.c.mu.Unlock()
	return nil
}
