package rockbench

import (
	"encoding/json"
	"math/rand/v2"
	"testing"
)

func TestDocShape(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	total := 0
	for i := 0; i < 200; i++ {
		b := AppendDoc(nil, rng, ID(i), 1700000000000000)
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("doc %d is not JSON: %v\n%s", i, err, b)
		}
		if m["_id"] != ID(i) || len(m["Tags"].([]any)) != 9 || len(m["Friends"].(map[string]any)) != 5 {
			t.Fatalf("doc %d has the wrong shape: %s", i, b)
		}
		total += len(b)
		p := AppendPatch(nil, rng, ID(i), 1)
		if err := json.Unmarshal(p, &m); err != nil {
			t.Fatalf("patch %d is not JSON: %v\n%s", i, err, p)
		}
	}
	// RockBench documents are about 1.3 KB (its generator's fields with
	// go-faker's lengths); the target of 40,000 docs/s is ~50 MiB/s.
	if avg := total / 200; avg < 1200 || avg > 1400 {
		t.Fatalf("average document is %d bytes, want about 1,300", avg)
	}
}
