package main

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/basaltdb/basalt/internal/rockbench"
)

// TestBenchIngestFlags: a run that could write nothing is refused before
// it reaches a server, with the flag named.
func TestBenchIngestFlags(t *testing.T) {
	for _, args := range [][]string{
		{"bench", "ingest", "--duration", "0"},
		{"bench", "ingest", "--duration", "-1s", "--docs", "10"},
		{"bench", "ingest", "--mode", "upsert"},
	} {
		_, _, err := runBasalt(append(args, "--url", "http://127.0.0.1:1")...)
		if err == nil || !strings.Contains(err.Error(), args[2]) {
			t.Errorf("%v: %v, want an error naming %s", args, err, args[2])
		}
	}
}

// TestBenchIngestDistinctDocs: inserts as many documents as a segment
// seals with are all distinct, as RockBench's generator makes them (a
// random pool repeated every string about four times a segment, and the
// server's indexes and disk looked smaller than real data makes them).
func TestBenchIngestDistinctDocs(t *testing.T) {
	b := &ingestBench{mode: "insert"}
	b.buildPool()
	rng := rand.New(rand.NewPCG(1, 2))
	var nextID atomic.Int64
	guids := map[string]bool{}
	var buf []byte
	for len(guids) < docPoolSize {
		buf = b.request(buf[:0], rng, 1000, &nextID, 0)
		var body struct {
			Data []struct {
				ID   string `json:"_id"`
				Guid string `json:"Guid"`
			} `json:"data"`
		}
		if err := json.Unmarshal(buf, &body); err != nil {
			t.Fatal(err)
		}
		for _, d := range body.Data {
			if want := rockbench.ID(len(guids)); d.ID != want {
				t.Fatalf("_id %q, want %q", d.ID, want)
			}
			if guids[d.Guid] {
				t.Fatalf("document %d repeats Guid %s of an earlier one", len(guids), d.Guid)
			}
			guids[d.Guid] = true
			if len(guids) == docPoolSize {
				break
			}
		}
	}
}

// TestWriterOffset: at a fixed rate two writers of 1,000-document requests
// at 5,000 documents a second send 200 ms apart, each every 400 ms; with
// no rate they start at once.
func TestWriterOffset(t *testing.T) {
	for _, c := range []struct {
		w, batch, rate int
		want           time.Duration
	}{
		{0, 1000, 5000, 0},
		{1, 1000, 5000, 200 * time.Millisecond},
		{2, 100, 5000, 40 * time.Millisecond},
		{1, 1000, 0, 0},
	} {
		if got := writerOffset(c.w, c.batch, c.rate); got != c.want {
			t.Errorf("writerOffset(%d, %d, %d) = %v, want %v", c.w, c.batch, c.rate, got, c.want)
		}
	}
}
