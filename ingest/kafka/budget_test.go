package kafka

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/basaltdb/basalt/ingest"
	"github.com/basaltdb/basalt/internal/ingesttest"
)

// TestByteBudget: acquire waits until enough is released, a request larger
// than the whole budget takes all of it, and a cancelled wait gives up.
func TestByteBudget(t *testing.T) {
	b := newByteBudget(100)
	ctx := context.Background()
	if n, err := b.acquire(ctx, 60); n != 60 || err != nil {
		t.Fatalf("acquire 60: %d %v", n, err)
	}
	got := make(chan int64)
	go func() {
		n, _ := b.acquire(ctx, 50)
		got <- n
	}()
	select {
	case n := <-got:
		t.Fatalf("acquired %d with 40 free", n)
	case <-time.After(50 * time.Millisecond):
	}
	b.release(60)
	if n := <-got; n != 50 {
		t.Fatalf("acquired %d, want 50", n)
	}
	b.release(50)
	if n, _ := b.acquire(ctx, 1000); n != 100 {
		t.Fatalf("an oversized request took %d, want the whole budget", n)
	}
	cctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := b.acquire(cctx, 1); err == nil {
		t.Fatal("acquire from an empty budget returned before its context ended")
	}
}

// TestKafkaInFlightBudget consumes a backlog through a budget smaller than
// one poll of one partition: polling waits for commits again and again,
// and every record still arrives exactly once.
func TestKafkaInFlightBudget(t *testing.T) {
	const parts = 4
	addrs := startCluster(t, parts, "events")
	prod := newProducer(t, addrs)
	var wantDocs, wantSum int64
	pad := strings.Repeat("x", 200)
	for p := int32(0); p < parts; p++ {
		var vals []string
		for i := 0; i < 500; i++ {
			v := int(p)*1000 + i
			vals = append(vals, fmt.Sprintf(`{"_id":"p%d-%d","v":%d,"pad":%q}`, p, i, v, pad))
			wantDocs++
			wantSum += int64(v)
		}
		produce(t, prod, "events", p, vals...)
	}
	n := &testNode{ingesttest.Open(t, t.TempDir(), map[string]ingest.Connector{
		"kafka": Connector(Options{LagInterval: 50 * time.Millisecond, InFlightBytes: 16 << 10}),
	})}
	defer n.Close()
	n.createSource(addrs, "events", "events", "EARLIEST")
	ingesttest.WaitFor(t, "the whole backlog", 30*time.Second, func() bool {
		d, _ := n.Count("events")
		return d >= wantDocs
	})
	if docs, sum := n.Count("events"); docs != wantDocs || sum != wantSum {
		t.Fatalf("%d documents summing to %d, want %d and %d", docs, sum, wantDocs, wantSum)
	}
}
