package kafka

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/basaltdb/basalt/types"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestDecoderPool: a large batch waits for one of the shared decoders; a
// small one takes a decoder of its own when they are all lent, and only
// then; small decoders are kept idle up to maxIdleSmall, shared ones always.
func TestDecoderPool(t *testing.T) {
	made := 0
	p := newDecoderPool(func() *types.Decoder { made++; return &types.Decoder{} }, 2)
	ctx := context.Background()
	a, small, err := p.get(ctx, 10)
	if err != nil || small {
		t.Fatalf("first small batch: small=%v err=%v, want a shared decoder while one is free", small, err)
	}
	b, small, _ := p.get(ctx, 1<<20)
	if small {
		t.Fatal("a large batch took a small decoder")
	}
	if p.free() != 0 || made != 2 {
		t.Fatalf("free %d, made %d: want 0 and 2", p.free(), made)
	}

	// Every shared decoder lent: a small batch gets one of its own.
	c, small, err := p.get(ctx, smallBatchBytes)
	if err != nil || !small || made != 3 {
		t.Fatalf("small batch with none free: small=%v err=%v made=%d, want a new small decoder", small, err, made)
	}

	// A large one waits until a shared decoder comes back.
	got := make(chan *types.Decoder)
	go func() {
		d, small, err := p.get(ctx, smallBatchBytes+1)
		if err != nil || small {
			t.Errorf("large batch: small=%v err=%v", small, err)
		}
		got <- d
	}()
	select {
	case <-got:
		t.Fatal("a large batch got a decoder while all shared ones were lent")
	case <-time.After(20 * time.Millisecond):
	}
	p.put(a, false, 1)
	if d := <-got; d != a {
		t.Fatal("the large batch did not get the shared decoder put back")
	}

	// Its context ending stops the wait.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, _, err := p.get(cctx, 1<<20); err == nil {
		t.Fatal("a large batch's wait outlived its context")
	}

	// Small decoders are reused, and dropped past maxIdleSmall idle.
	p.put(c, true, smallBatchBytes)
	d, small, _ := p.get(ctx, 1)
	if !small || d != c || made != 3 {
		t.Fatalf("small=%v reused=%v made=%d: want the idle small decoder again", small, d == c, made)
	}
	// One that decoded a large merge is not kept.
	p.put(d, true, 2*smallBatchBytes+1)
	if len(p.small) != 0 {
		t.Fatal("a small decoder that decoded a large batch was kept idle")
	}
	for range maxIdleSmall + 3 {
		p.put(&types.Decoder{}, true, 1)
	}
	if len(p.small) != maxIdleSmall {
		t.Fatalf("%d idle small decoders kept, want %d", len(p.small), maxIdleSmall)
	}
	p.put(b, false, 1<<20)
	p.put(a, false, 1)
	if p.free() != 2 {
		t.Fatalf("%d shared decoders free, want 2", p.free())
	}
}

// TestSmallBatchMergeBounded: a batch decoded with a small batch's own
// decoder merges the polls that arrive while it waits for the committer
// only up to smallBatchBytes (such decoders are kept idle for reuse, so
// they must stay small); then the polls wait in the worker's queue.
func TestSmallBatchMergeBounded(t *testing.T) {
	const polls, pollBytes = 10, 64 << 10
	c := &consumer{topic: "events", decode: decodeJSON,
		decoders: newDecoderPool(func() *types.Decoder { return types.NewDecoder(types.Limits{}) }, 0)}
	w := newPartitionWorker(c, 0)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	decoded := make(chan decodedBatch)
	go w.decodeAll(ctx, decoded)
	var sent atomic.Int32
	go func() {
		for i := range polls {
			v := fmt.Appendf(nil, `{"_id":"d%d","s":%q}`, i, strings.Repeat("x", pollBytes-32))
			rec := &kgo.Record{Topic: "events", Offset: int64(i), Value: v}
			w.queue <- polledBatch{records: []*kgo.Record{rec}, size: pollBytes}
			sent.Add(1)
		}
		close(w.queue)
	}()
	// Nothing takes the decoded batch: the worker merges what it may,
	// then stops taking polls.
	deadline := time.Now().Add(5 * time.Second)
	for last, still := int32(-1), 0; still < 10 && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if n := sent.Load(); n == last {
			still++
		} else {
			last, still = n, 0
		}
	}
	b := <-decoded
	if !b.small {
		t.Fatal("the batch did not take a small batch's decoder")
	}
	if want := int64(smallBatchBytes); b.size != want {
		t.Fatalf("first batch merged %d bytes (%d polls), want %d", b.size, b.n, want)
	}
	total := b.n
	for b := range decoded {
		total += b.n
	}
	if total != polls {
		t.Fatalf("%d records decoded, want %d", total, polls)
	}
}
