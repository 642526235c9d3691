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
	records   []*kgo.Record
	recs      []ingest.Record
}

func (w *partitionWorker) process(ctx context.Context) error {
	w.recs = w.recs[:0]
	for _, r := range w.records {
		pos := w.c.topic + "/" + strconv.Itoa(int(r.Partition)) + "/" + strconv.FormatInt(r.Offset, 10)
		w.recs = w.c.decode(w.dec, r.Value, pos, w.recs)
	}
	last := w.records[len(w.records)-1]
	next := last.Offset + 1
	err := w.c.j.Write(ctx, w.recs, []ingest.Position{{Name: strconv.Itoa(int(w.partition)), Offset: next}})
	// The documents are committed (or not): their decoded values, which
	// alias the decoder's memory, are no longer needed.
	w.dec.Reset()
	clear(w.recs)
	w.records = nil
	if err != nil {
		return fmt.Errorf("commit partition %d of topic %q up to offset %d: %w", w.partition, w.c.topic, next, err)
	}
	w.c.mu.Lock()
	w.c.next[w.partition] = next
	w.c.mu.Unlock()
	return nil
}
