package kafka

import (
	"context"
	"sync"

	"github.com/twmb/franz-go/pkg/kgo"
)

// byteBudget bounds the bytes of records polled but not yet committed,
// across a source's partitions. Each partition worker held up to four
// polled batches of up to 4 MiB (compressed) and their decoded documents:
// a backlog of 8 partitions took the server to 2.8 GiB of RSS. Once the
// budget is spent the poll loop waits, and the backlog stays in Kafka.
type byteBudget struct {
	mu     sync.Mutex
	free   int64
	total  int64
	notify chan struct{}
}

func newByteBudget(total int64) *byteBudget {
	return &byteBudget{free: total, total: total, notify: make(chan struct{}, 1)}
}

// acquire takes n bytes, or the whole budget when n is more, waiting until
// they are free; it returns what it took. One goroutine acquires (the poll
// loop); any may release.
func (b *byteBudget) acquire(ctx context.Context, n int64) (int64, error) {
	n = min(n, b.total)
	for {
		b.mu.Lock()
		if b.free >= n {
			b.free -= n
			b.mu.Unlock()
			return n, nil
		}
		b.mu.Unlock()
		select {
		case <-b.notify:
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
}

// release gives back n bytes taken by acquire.
func (b *byteBudget) release(n int64) {
	if n == 0 {
		return
	}
	b.mu.Lock()
	b.free += n
	b.mu.Unlock()
	select {
	case b.notify <- struct{}{}:
	default:
	}
}

// recordBytes is what a batch of records counts against the budget.
func recordBytes(records []*kgo.Record) int64 {
	var n int64
	for _, r := range records {
		n += int64(len(r.Key) + len(r.Value))
	}
	return n
}
