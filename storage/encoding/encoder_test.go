package encoding

import (
	"fmt"
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
	// The pool must not keep the caller's strings alive: not after a
	// block, nor after a small block that followed a large one, in the
	// same use of the encoder or in the next (putEncoder clears only the
	// slices' lengths).
	section := func(e *encoder, n, distinct int) {
		var v rows
		for i := range n {
			v.add(types.String(fmt.Sprintf("s%d", i%distinct)))
			v.add(types.Array([]types.Value{types.Int(int64(i))}))
		}
		e.appendSection(nil, v.vec(), types.KindString, n)
		e.appendSection(nil, v.vec(), types.KindArray, n)
	}
	check := func(e *encoder) {
		t.Helper()
		for _, buf := range [][]string{e.str[:cap(e.str)], e.sdict[:cap(e.sdict)], e.stmp[:cap(e.stmp)]} {
			for _, s := range buf {
				if s != "" {
					t.Fatal("pooled encoder keeps a string")
				}
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
	e := getEncoder()
	section(e, 100, 3)
	putEncoder(e)
	check(e)
	// A large block with a dictionary of 200 strings, then small ones.
	section(e, 5000, 200)
	section(e, 10, 3)
	putEncoder(e)
	check(e)
	section(e, 5000, 200)
	putEncoder(e)
	section(e, 10, 3)
	putEncoder(e)
	check(e)
}
