// Package heaptarget keeps the Go heap of a server near a target size.
//
// Go's collector lets the heap grow to twice what survived the last
// collection (GOGC=100) before it runs again. A server whose live heap is a
// gigabyte of mutable segments and primary keys then holds two: half of it
// garbage. Past the target, Run lowers GOGC so that the heap stays under the
// target, but never below GOGC=50 (the heap at 1.5 times the live one), so
// that the collector never runs more than twice as often as by default: a
// live heap over the target costs memory, never a collector that runs
// without pause, as a hard limit (GOMEMLIMIT) would.
package heaptarget

import (
	"context"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// MinPercent and MaxPercent bound the GOGC that Percent chooses.
const (
	MinPercent = 50
	MaxPercent = 100
)

// Percent returns the GOGC that keeps a heap whose live part is live bytes
// under target bytes, within [MinPercent, MaxPercent].
func Percent(live, target uint64) int {
	switch {
	case live == 0: // nothing measured yet
		return MaxPercent
	case target <= live:
		return MinPercent
	}
	p := (target - live) * 100 / live
	return int(min(max(p, MinPercent), MaxPercent))
}

// Run adjusts GOGC every interval from the live heap of the last
// collection until ctx ends, then restores the GOGC it found. It does
// nothing when target is 0 or when the GOGC environment variable is set:
// the operator's choice wins.
func Run(ctx context.Context, target uint64, interval time.Duration) {
	if target == 0 || os.Getenv("GOGC") != "" {
		return
	}
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	orig := debug.SetGCPercent(MaxPercent)
	defer debug.SetGCPercent(orig)
	cur := MaxPercent
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		metrics.Read(sample)
		if sample[0].Value.Kind() != metrics.KindUint64 {
			return
		}
		if p := Percent(sample[0].Value.Uint64(), target); p != cur {
			debug.SetGCPercent(p)
			cur = p
		}
	}
}
