package kafka

import (
	"context"
	"testing"
	"time"

	"github.com/basaltdb/basalt/types"
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
