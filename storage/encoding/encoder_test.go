package encoding

import (
	"sync"
	"testing"

	"github.com/basaltdb/basalt/coldata"
	"github.com/basaltdb/basalt/types"
)

func TestConcurrentUse(t *testing.T) {
	// Encoders come from a pool and zstd state is shared by the process:
	// concurrent blocks must not see each other's scratch (run with -race).
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			g := newGen(uint64(100 + w))
			var d Decoder
			var got coldata.Vec
			for i := range 30 {
				v := g.mixedVec(500+i, i%2 == 0)
				if err := d.DecodeBlock(AppendBlock(nil, v), &got); err != nil {
					t.Error(err)
					return
				}
				requireSameVec(t, v, &got)
			}
		}()
	}
	wg.Wait()
}

func TestPooledEncoderDropsReferences(t *testing.T) {
	// The pool must not keep the caller's strings alive.
	e := getEncoder()
	var v rows
	for i := range 100 {
		v.add(types.String(string(rune('a' + i%3))))
		v.add(types.Array([]types.Value{types.Int(int64(i))}))
	}
	e.appendSection(nil, v.vec(), types.KindString, 100)
	e.appendSection(nil, v.vec(), types.KindArray, 100)
	putEncoder(e)
	for _, s := range e.str[:cap(e.str)] {
		if s != "" {
			t.Fatal("pooled encoder keeps a string")
		}
	}
	for _, s := range e.sdict[:cap(e.sdict)] {
		if s != "" {
			t.Fatal("pooled encoder keeps a dictionary string")
		}
	}
	for _, a := range e.any[:cap(e.any)] {
		if !a.IsUndefined() {
			t.Fatal("pooled encoder keeps a value")
		}
	}
	if len(e.smap) != 0 {
		t.Fatal("pooled encoder keeps its string map")
	}
}
