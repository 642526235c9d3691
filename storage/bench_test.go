package storage

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/basaltdb/basalt/catalog"
	"github.com/basaltdb/basalt/index"
	"github.com/basaltdb/basalt/internal/rockbench"
	"github.com/basaltdb/basalt/types"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// benchDocs returns n RockBench documents (decoded, without _id) and their
// average JSON size.
func benchDocs(b *testing.B, n int) ([]types.Value, int) {
	b.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	dec := types.NewDecoder(types.Limits{})
	now := time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC).UnixMicro()
	docs := make([]types.Value, n)
	total := 0
	for i := range docs {
		js := rockbench.AppendDoc(nil, rng, "", now)
		total += len(js) + len(`"_id":"000000000000000000000000",`)
		v, err := dec.Decode(js)
		if err != nil {
			b.Fatal(err)
		}
		docs[i] = v.Clone()
	}
	return docs, total / n
}

// openBenchEngine opens an engine on a real directory (fsync is real) with
// one collection.
func openBenchEngine(b *testing.B, opts Options) *Engine {
	b.Helper()
	opts.Dir = b.TempDir()
	opts.FS = vfs.Default
	opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	opts.DisableBackground = true
	e, err := Open(opts)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := e.CreateCollection("commons", catalog.CollectionSpec{Name: "bench"}); err != nil {
		b.Fatal(err)
	}
	return e
}

func withID(doc types.Value, n int) types.Value {
	return doc.WithField(FieldID, types.String(rockbench.ID(n)))
}

// load writes n documents with ids [0, n) in batches of 1,000.
func load(b *testing.B, e *Engine, docs []types.Value, n int) {
	b.Helper()
	ops := make([]WriteOp, 0, 1000)
	for i := 0; i < n; {
		ops = ops[:0]
		for ; len(ops) < 1000 && i < n; i++ {
			ops = append(ops, WriteOp{Doc: withID(docs[i%len(docs)], i)})
		}
		if _, _, err := e.Write(context.Background(), "commons", "bench", ops); err != nil {
			b.Fatal(err)
		}
	}
}

var patchFields = []string{"/Email", "/About", "/Company", "/Name/First", "/Name/Last", "/Age", "/Balance", "/Phone", "/Picture", "/Guid", "/Address/City", "/Address/ZipCode"}

// benchPatch is a RockBench-style patch: one field replaced, `_ts` set.
func benchPatch(rng *rand.Rand, now int64) []types.PatchOp {
	p := patchFields[rng.IntN(len(patchFields))]
	var v types.Value
	switch p {
	case "/Age", "/Address/ZipCode":
		v = types.Int(int64(rng.IntN(100000)))
	case "/Balance":
		v = types.Float(float64(rng.IntN(1000000)) / 100)
	default:
		v = types.String(strconv.FormatUint(rng.Uint64(), 36))
	}
	return []types.PatchOp{{Op: "replace", Path: p, Value: v}, {Op: "add", Path: "/_ts", Value: types.Int(now)}}
}

// BenchmarkWrite measures durable writes of RockBench documents through
// Engine.Write from one client, on a real file system: each Write is one
// synced commit. mode=insert writes new documents, mode=mixed replaces an
// existing one 30% of the time, mode=patch patches existing ones.
func BenchmarkWrite(b *testing.B) {
	docs, avg := benchDocs(b, 4096)
	for _, batch := range []int{50, 1000} {
		for _, mode := range []string{"insert", "mixed", "patch"} {
			b.Run(fmt.Sprintf("batch=%d/mode=%s", batch, mode), func(b *testing.B) {
				e := openBenchEngine(b, Options{})
				defer e.Close()
				rng := rand.New(rand.NewPCG(3, 4))
				existing := 0
				if mode == "patch" {
					existing = 20000
					load(b, e, docs, existing)
				}
				next := existing
				ops := make([]WriteOp, 0, batch)
				now := time.Now().UnixMicro()
				b.SetBytes(int64(avg))
				if mode == "patch" {
					b.SetBytes(110) // a patch request's JSON, about
				}
				b.ReportAllocs()
				b.ResetTimer()
				start := time.Now()
				for done := 0; done < b.N; {
					ops = ops[:0]
					for ; len(ops) < batch && done < b.N; done++ {
						switch {
						case mode == "patch":
							ops = append(ops, WriteOp{Kind: OpPatch, ID: rockbench.ID(rng.IntN(existing)), Patch: benchPatch(rng, now)})
						case mode == "mixed" && next > 0 && rng.IntN(10) < 3:
							ops = append(ops, WriteOp{Doc: withID(docs[rng.IntN(len(docs))], rng.IntN(next))})
						default:
							ops = append(ops, WriteOp{Doc: withID(docs[next%len(docs)], next)})
							next++
						}
					}
					res, _, err := e.Write(context.Background(), "commons", "bench", ops)
					if err != nil {
						b.Fatal(err)
					}
					for _, r := range res {
						if r.Err != nil {
							b.Fatal(r.Err)
						}
					}
				}
				elapsed := time.Since(start)
				b.StopTimer()
				b.ReportMetric(float64(b.N)/elapsed.Seconds(), "docs/s")
			})
		}
	}
}

// BenchmarkSeal measures sealing a 65,536-row mutable segment of RockBench
// documents into a segment file (Flush: freeze, write, sync, swap).
//
// BenchmarkSeal/patched seals documents as RockBench's patch workload leaves
// them: one row in two carries a field of its own (a patch added it under
// a random name), so a segment holds tens of thousands of paths, nearly
// all in one row.
func BenchmarkSeal(b *testing.B) {
	b.Run("rockbench", func(b *testing.B) { benchmarkSeal(b, 0) })
	b.Run("patched", func(b *testing.B) { benchmarkSeal(b, 0.5) })
}

func benchmarkSeal(b *testing.B, ownFields float64) {
	const rows = 1 << 16
	// As many distinct documents as a column block has rows (8,192) and
	// more: a smaller pool repeats within a block, and zstd finds the
	// repeats, which real data (and bench ingest's pool of 16,384) do not
	// have.
	docs, avg := benchDocs(b, 16384)
	rng := rand.New(rand.NewPCG(3, 4))
	e := openBenchEngine(b, Options{SealRows: 1 << 24, SealBytes: 1 << 40})
	defer e.Close()
	b.SetBytes(int64(avg) * rows)
	b.ReportAllocs()
	var sealing, sealCPU time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		// Fresh ids each round, so every round seals rows instead of
		// replacing them.
		ops := make([]WriteOp, 0, 1000)
		for r := 0; r < rows; {
			ops = ops[:0]
			for ; len(ops) < 1000 && r < rows; r++ {
				doc := withID(docs[r%len(docs)], i*rows+r)
				if rng.Float64() < ownFields {
					doc = doc.WithField("f"+strconv.FormatUint(rng.Uint64(), 36), types.String(strconv.FormatUint(rng.Uint64(), 36)))
				}
				ops = append(ops, WriteOp{Doc: doc})
			}
			if _, _, err := e.Write(context.Background(), "commons", "bench", ops); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		start, cpu := time.Now(), processCPU()
		if err := e.Flush(context.Background(), "commons", "bench"); err != nil {
			b.Fatal(err)
		}
		sealing += time.Since(start)
		sealCPU += processCPU() - cpu
	}
	b.StopTimer()
	b.ReportMetric(float64(rows*b.N)/sealing.Seconds(), "rows/s")
	// CPU time is what sealing costs the machine, and what other work on
	// it disturbs least.
	b.ReportMetric(float64(sealCPU.Microseconds())/float64(rows*b.N), "cpu-µs/row")
	st, err := e.Stats("commons", "bench")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(st.TotalBytes)/float64(rows*b.N), "B/doc")
}

// processCPU returns the CPU time the process has used, user and system.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkLookup measures inverted-index lookups over a collection of
// 65,536 RockBench documents, sealed or mutable, and point reads by _id.
func BenchmarkLookup(b *testing.B) {
	const rows = 1 << 16
	docs, _ := benchDocs(b, 4096)
	for _, state := range []string{"mutable", "sealed"} {
		b.Run("state="+state, func(b *testing.B) {
			e := openBenchEngine(b, Options{SealRows: 1 << 24, SealBytes: 1 << 40})
			defer e.Close()
			load(b, e, docs, rows)
			if state == "sealed" {
				if err := e.Flush(context.Background(), "commons", "bench"); err != nil {
					b.Fatal(err)
				}
			}
			s, err := e.Snapshot("commons", "bench")
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			ctx := context.Background()
			rng := rand.New(rand.NewPCG(5, 6))
			email := docs[7].Get("Email")
			cases := []struct {
				name string
				path string
				p    func() index.Predicate
			}{
				{"eq_unique", "Email", func() index.Predicate { return index.Eq(email) }},
				{"eq_common", "Company", func() index.Predicate { return index.Eq(types.String("rockset")) }},
				{"range", "Balance", func() index.Predicate {
					lo := float64(rng.IntN(9900))
					return index.Range(types.Float(lo), true, types.Float(lo+100), false)
				}},
				{"array_contains", "Tags[*]", func() index.Predicate { return index.Eq(docs[rng.IntN(len(docs))].Get("Tags").Index(3)) }},
			}
			for _, tc := range cases {
				b.Run("q="+tc.name, func(b *testing.B) {
					b.ReportAllocs()
					hits := 0
					for i := 0; i < b.N; i++ {
						p := tc.p()
						for _, v := range s.Segments() {
							bm, err := v.Lookup(ctx, tc.path, p)
							if err != nil {
								b.Fatal(err)
							}
							hits += int(bm.GetCardinality())
						}
					}
					if hits == 0 {
						b.Fatal("no hits")
					}
					b.ReportMetric(float64(hits)/float64(b.N), "rows/op")
				})
			}
			b.Run("q=get", func(b *testing.B) {
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					if _, ok, err := s.Get(rockbench.ID(rng.IntN(rows))); err != nil || !ok {
						b.Fatal(ok, err)
					}
				}
			})
		})
	}
}

// BenchmarkCompact measures compacting four sealed segments of 32,768 rows
// each that later writes replaced the documents of, as RockBench's patch
// workload leaves them: a quarter to three quarters of their rows are
// deleted. cpu-µs/row is per row written. In BenchmarkCompact/patched one
// document in two carries a field of its own (added by a patch under a
// random name), so the segments hold tens of thousands of paths.
func BenchmarkCompact(b *testing.B) {
	b.Run("rockbench", func(b *testing.B) { benchmarkCompact(b, false) })
	b.Run("patched", func(b *testing.B) { benchmarkCompact(b, true) })
}

func benchmarkCompact(b *testing.B, ownFields bool) {
	const (
		segments = 4
		segRows  = 1 << 15
		ids      = 1 << 16
	)
	docs, _ := benchDocs(b, 16384)
	e := openBenchEngine(b, Options{SealRows: 1 << 24, SealBytes: 1 << 40})
	defer e.Close()
	c, err := e.collection("commons", "bench")
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	ctx := context.Background()
	b.ReportAllocs()
	var compacting, cpu time.Duration
	written := 0
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		ops := make([]WriteOp, 0, 1000)
		for s := 0; s < segments; s++ {
			for r := 0; r < segRows; {
				ops = ops[:0]
				for ; len(ops) < 1000 && r < segRows; r++ {
					id := rng.IntN(ids)
					doc := withID(docs[rng.IntN(len(docs))], id)
					if ownFields && id%2 == 0 {
						doc = doc.WithField("f"+strconv.FormatUint(uint64(id)*0x9e3779b97f4a7c15, 36), types.String(strconv.Itoa(r)))
					}
					ops = append(ops, WriteOp{Doc: doc})
				}
				if _, _, err := e.Write(ctx, "commons", "bench", ops); err != nil {
					b.Fatal(err)
				}
			}
			if err := e.Flush(ctx, "commons", "bench"); err != nil {
				b.Fatal(err)
			}
		}
		c.mu.RLock()
		var inputs []*segHandle
		live := 0
		for _, h := range c.segs {
			if h.file != nil {
				inputs = append(inputs, h)
				live += h.visible - h.deletedCount(h.dels.entries, len(h.dels.entries))
			}
		}
		c.mu.RUnlock()
		b.StartTimer()
		start, cpu0 := time.Now(), processCPU()
		if err := e.compact(c, inputs); err != nil {
			b.Fatal(err)
		}
		compacting += time.Since(start)
		cpu += processCPU() - cpu0
		written += live
	}
	b.StopTimer()
	b.ReportMetric(float64(written)/compacting.Seconds(), "rows/s")
	b.ReportMetric(float64(cpu.Microseconds())/float64(written), "cpu-µs/row")
}

// BenchmarkPrepareWhileDecoding decodes requests of 1,000 RockBench
// documents and prepares their operations (op kind, _id, event time, row
// encoding), in a pass of its own after the whole request was decoded
// (pass=separate, how the HTTP API did it) or each document as soon as it
// is decoded (pass=fused, PreparedWrite.Add): the fused pass finds the
// document in the CPU's caches.
func BenchmarkPrepareWhileDecoding(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	const n = 1000
	bodies := make([][]byte, 16)
	next := 0
	for k := range bodies {
		buf := []byte{'['}
		for i := 0; i < n; i++ {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = rockbench.AppendDoc(buf, rng, rockbench.ID(next), 1e15)
			next++
		}
		bodies[k] = append(buf, ']')
	}
	col := catalog.Collection{}
	now := time.Now()
	// Row values each in a buffer of its own (docRow), or in a slab.
	for _, v := range []struct {
		name        string
		fused, slab bool
	}{{"pass=separate", false, false}, {"pass=fused", true, false}, {"pass=fused/rows=slab", true, true}} {
		fused := v.fused
		b.Run(v.name, func(b *testing.B) {
			dec := types.NewDecoder(types.DefaultLimits)
			for i := 0; i < b.N; i++ {
				body := bodies[i%len(bodies)]
				dec.Reset()
				var docs []types.Value
				prep := make([]prepared, 0, n)
				var rows *rowSlab
				if v.slab {
					rows = new(rowSlab)
				}
				_, err := types.ScanArray(body, 0, func(_, start int) (int, error) {
					v, end, err := dec.DecodeAt(body, start)
					if err != nil {
						return end, err
					}
					if fused {
						kind, _ := OpFromDocument(v)
						prep = append(prep, prepare(col, WriteOp{Kind: kind, Doc: v}, now, types.DefaultLimits, rows))
					} else {
						docs = append(docs, v)
					}
					return end, nil
				})
				if err != nil {
					b.Fatal(err)
				}
				if !fused {
					ops := make([]WriteOp, len(docs))
					for j, v := range docs {
						kind, _ := OpFromDocument(v)
						ops[j] = WriteOp{Kind: kind, Doc: v}
					}
					for _, op := range ops {
						prep = append(prep, prepare(col, op, now, types.DefaultLimits, rows))
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/doc")
		})
	}
}
