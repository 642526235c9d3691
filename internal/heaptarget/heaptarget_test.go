package heaptarget

import (
	"context"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
	"time"
)

func TestPercent(t *testing.T) {
	const gib = 1 << 30
	for _, c := range []struct {
		live, target uint64
		want         int
	}{
		{0, gib, 100},           // nothing measured yet
		{gib / 4, gib, 100},     // 2x the live heap fits
		{gib / 2, gib, 100},     // exactly
		{gib * 6 / 10, gib, 66}, // lower GOGC to stay under the target
		{gib * 7 / 10, gib, 50}, // 42 would be needed: not below 50
		{gib, gib, 50},          // live at the target
		{3 * gib, gib, 50},      // live beyond it: 1.5x, never a spin
		{gib / 2, 4 * gib, 100}, // a larger target changes nothing
	} {
		if got := Percent(c.live, c.target); got != c.want {
			t.Errorf("Percent(%d, %d) = %d, want %d", c.live, c.target, got, c.want)
		}
	}
}

// TestRunLowersGOGC holds a live heap above a small target and checks that
// Run lowers GOGC, then restores it when its context ends.
func TestRunLowersGOGC(t *testing.T) {
	t.Setenv("GOGC", "")
	before := debug.SetGCPercent(100)
	defer debug.SetGCPercent(before)
	live := make([]byte, 64<<20)
	for i := range live {
		live[i] = byte(i)
	}
	runtime.GC()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		Run(ctx, 80<<20, 5*time.Millisecond)
		close(done)
	}()
	deadline := time.Now().Add(5 * time.Second)
	for {
		p := gogc()
		if p == MinPercent {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("GOGC %d, want %d with a live heap of 64 MiB and a target of 80", p, MinPercent)
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-done
	runtime.KeepAlive(live)
	if p := gogc(); p != 100 {
		t.Fatalf("GOGC %d after Run, want the 100 it found", p)
	}
}

func gogc() int {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	return int(s[0].Value.Uint64())
}
