package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/basaltdb/basalt/internal/rockbench"
	"github.com/spf13/cobra"
)

type ingestBench struct {
	url        string
	workspace  string
	collection string
	mode       string
	batch      int
	writers    int
	duration   time.Duration
	maxDocs    int
	rate       int
	preload    int
	dataDir    string
	keep       bool
	transport  string
	brokers    string
	partitions int
	cpuProfile string

	client *http.Client
	// pool holds pre-generated documents without their opening brace and
	// _id: a request stitches an _id onto them, so the client spends its
	// CPU on sending, not on generating (it shares the 2 cores with the
	// server it measures).
	pool [][]byte
}

// docPoolSize is as many documents as a mutable segment seals with (the
// server's default --seal-rows), and new documents take them in turn: the
// values of a segment are as distinct as RockBench's, which generates each
// document anew. A pool of 16,384 picked at random repeated every string
// about four times per segment: its smaller indexes and better compressed
// columns put 0.84× the raw JSON on disk where distinct documents put
// 1.03× (the server's CPU a document moved 1–2%).
const docPoolSize = 65536

func (b *ingestBench) buildPool() {
	rng := rand.New(rand.NewPCG(42, 42))
	now := time.Now().UnixMicro()
	b.pool = make([][]byte, docPoolSize)
	for i := range b.pool {
		d := rockbench.AppendDoc(nil, rng, "", now)
		b.pool[i] = d[1:] // without '{'
	}
}

// appendDoc appends pooled document n (modulo the pool) with the given _id.
func (b *ingestBench) appendDoc(buf []byte, n int64, id string) []byte {
	buf = append(buf, `{"_id":"`...)
	buf = append(buf, id...)
	buf = append(buf, `",`...)
	return append(buf, b.pool[n%int64(len(b.pool))]...)
}

func benchIngestCmd() *cobra.Command {
	b := &ingestBench{}
	cmd := &cobra.Command{
		Use:   "ingest",
		Short: "Drive a running server's write API with RockBench-shaped documents",
		Long: `Drive a running server's HTTP write API with RockBench-shaped documents
(~1.3 KB of nested JSON, ~45 values) and print docs/s, MiB/s, write latency
(p50/p99; an acknowledged write is already visible), bytes on disk per
document and the server's RSS.

Modes: insert (new documents only), mixed (30% of each batch replaces an
existing _id), patch (JSON patches of existing documents, as RockBench's
patch workload). mixed and patch first load --preload documents.`,
		RunE: func(cmd *cobra.Command, _ []string) error { return b.run(cmd.Context(), cmd.OutOrStdout()) },
	}
	f := cmd.Flags()
	f.StringVar(&b.url, "url", "http://127.0.0.1:3030", "server URL")
	f.StringVar(&b.workspace, "workspace", "commons", "workspace")
	f.StringVar(&b.collection, "collection", "", "collection (default rockbench_<mode>_<time>; created if absent)")
	f.StringVar(&b.mode, "mode", "insert", "insert, mixed or patch")
	f.IntVar(&b.batch, "batch", 1000, "documents per request")
	f.IntVar(&b.writers, "writers", 2, "concurrent writers")
	f.DurationVar(&b.duration, "duration", 30*time.Second, "how long to write")
	f.IntVar(&b.maxDocs, "docs", 0, "stop after this many documents, or at --duration if sooner (0: run for --duration)")
	f.IntVar(&b.rate, "rate", 0, "target documents per second across writers (0: as fast as possible)")
	f.IntVar(&b.preload, "preload", 100000, "documents loaded before a mixed or patch run")
	f.StringVar(&b.dataDir, "data-dir", "", "the server's data directory, to measure bytes on disk (optional)")
	f.BoolVar(&b.keep, "keep", true, "keep the collection afterwards")
	f.StringVar(&b.transport, "transport", "http", "http (the write API) or kafka (a collection source consuming a backlog of --docs documents, default 300000)")
	f.StringVar(&b.brokers, "brokers", "", "with --transport kafka: bootstrap servers the server can reach (empty: an in-process Kafka cluster)")
	f.IntVar(&b.partitions, "partitions", 8, "with --transport kafka: partitions of the topic")
	f.StringVar(&b.cpuProfile, "cpuprofile", "", "write a CPU profile of this process to this file: the writers, or with --transport kafka the in-process Kafka while the server consumes")
	return cmd
}

func (b *ingestBench) run(ctx context.Context, out io.Writer) error {
	switch b.mode {
	case "insert", "mixed", "patch":
	default:
		return fmt.Errorf("--mode %q: want insert, mixed or patch", b.mode)
	}
	if b.batch < 1 || b.writers < 1 {
		return fmt.Errorf("--batch and --writers must be positive")
	}
	if b.mode == "patch" && b.preload < 1 {
		return fmt.Errorf("--mode patch patches the documents it preloads: --preload must be positive")
	}
	if ctx == nil {
		ctx = context.Background()
	}
	b.client = &http.Client{Timeout: 5 * time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: b.writers + 2}}
	if b.collection == "" {
		b.collection = fmt.Sprintf("rockbench_%s_%d", b.mode, time.Now().Unix())
	}
	b.buildPool()
	if b.transport == "kafka" {
		return b.runKafka(ctx, out)
	}
	if b.transport != "http" {
		return fmt.Errorf("--transport %q: want http or kafka", b.transport)
	}
	stopProfile, err := startCPUProfile(b.cpuProfile)
	if err != nil {
		return err
	}
	defer stopProfile()
	if b.duration <= 0 {
		// A run ends at --duration or --docs, whichever comes first: zero
		// would write nothing and report nonsense per document.
		return fmt.Errorf("--duration %v: want a positive duration (a run ends at --duration or --docs, whichever comes first)", b.duration)
	}
	if err := b.ensureCollection(ctx); err != nil {
		return err
	}
	var nextID atomic.Int64
	if b.mode != "insert" && b.preload > 0 {
		fmt.Fprintf(out, "preloading %d documents...\n", b.preload)
		pre := *b
		pre.mode, pre.maxDocs, pre.duration, pre.rate = "insert", b.preload, 24*time.Hour, 0
		pre.pool = b.pool
		if _, err := pre.drive(ctx, &nextID); err != nil {
			return fmt.Errorf("preload: %w", err)
		}
	}
	cpu0, _ := b.serverMetric(ctx, "process_cpu_seconds_total")
	res, err := b.drive(ctx, &nextID)
	if err != nil {
		return err
	}
	if cpu1, err := b.serverSettled(ctx); err == nil && cpu0 > 0 {
		res.serverCPU = cpu1 - cpu0
	}
	b.report(ctx, out, res)
	return nil
}

func (b *ingestBench) collURL() string {
	return fmt.Sprintf("%s/v1/orgs/self/ws/%s/collections/%s", b.url, b.workspace, b.collection)
}

func (b *ingestBench) ensureCollection(ctx context.Context) error {
	req, _ := http.NewRequestWithContext(ctx, "GET", b.collURL(), nil)
	resp, err := b.client.Do(req)
	if err != nil {
		return fmt.Errorf("reach %s: %w", b.url, err)
	}
	resp.Body.Close()
	if resp.StatusCode == 200 {
		return nil
	}
	body := fmt.Sprintf(`{"name":%q}`, b.collection)
	req, _ = http.NewRequestWithContext(ctx, "POST", fmt.Sprintf("%s/v1/orgs/self/ws/%s/collections", b.url, b.workspace), strings.NewReader(body))
	resp, err = b.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		msg, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("create collection: %s", msg)
	}
	return nil
}

type benchResult struct {
	docs      int64
	bytes     int64
	errors    int64
	elapsed   time.Duration
	latencies []time.Duration
	// serverCPU is the server's CPU time over the run, in seconds (0: not
	// known). Per document it is the figure that contention on a shared
	// machine disturbs least.
	serverCPU float64
}

// drive runs the writers and collects what they did.
func (b *ingestBench) drive(ctx context.Context, nextID *atomic.Int64) (benchResult, error) {
	ctx, cancel := context.WithTimeout(ctx, b.duration)
	defer cancel()
	var (
		mu     sync.Mutex
		res    benchResult
		budget atomic.Int64
		wg     sync.WaitGroup
		first  error
	)
	budget.Store(int64(b.maxDocs))
	base := nextID.Load()
	start := time.Now()
	perWriterRate := float64(b.rate) / float64(b.writers)
	for w := 0; w < b.writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), uint64(w)))
			var buf []byte
			var lats []time.Duration
			var docs, bytesSent, errs int64
			wstart := time.Now().Add(writerOffset(w, b.batch, b.rate))
			for ctx.Err() == nil {
				n := b.batch
				if b.maxDocs > 0 {
					left := budget.Add(-int64(n))
					if left < 0 {
						n += int(left)
						if n <= 0 {
							break
						}
					}
				}
				if perWriterRate > 0 {
					due := wstart.Add(time.Duration(float64(docs) / perWriterRate * float64(time.Second)))
					if d := time.Until(due); d > 0 {
						select {
						case <-time.After(d):
						case <-ctx.Done():
						}
						if ctx.Err() != nil {
							break
						}
					}
				}
				buf = b.request(buf[:0], rng, n, nextID, base)
				method := "POST"
				if b.mode == "patch" {
					method = "PATCH"
				}
				t0 := time.Now()
				nerr, err := b.send(ctx, method, buf)
				if err != nil {
					if ctx.Err() != nil {
						break
					}
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					cancel()
					break
				}
				lats = append(lats, time.Since(t0))
				docs += int64(n)
				bytesSent += int64(len(buf))
				errs += int64(nerr)
			}
			mu.Lock()
			res.docs += docs
			res.bytes += bytesSent
			res.errors += errs
			res.latencies = append(res.latencies, lats...)
			mu.Unlock()
		}(w)
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	return res, first
}

// writerOffset is when writer w starts its schedule at a fixed rate
// (documents a second across writers; 0: no schedule): the writers take
// turns, evenly spaced, a request of batch documents apart. In step,
// their requests all arrived at once.
func writerOffset(w, batch, rate int) time.Duration {
	if rate <= 0 {
		return 0
	}
	return time.Duration(float64(w) * float64(batch) / float64(rate) * float64(time.Second))
}

// request builds one request body of n operations.
func (b *ingestBench) request(buf []byte, rng *rand.Rand, n int, nextID *atomic.Int64, base int64) []byte {
	buf = append(buf, `{"data":[`...)
	now := time.Now().UnixMicro()
	for i := 0; i < n; i++ {
		if i > 0 {
			buf = append(buf, ',')
		}
		existing := nextID.Load()
		switch {
		case b.mode == "patch" && existing > 0:
			buf = rockbench.AppendPatch(buf, rng, rockbench.ID(int(rng.Int64N(existing))), now)
		case b.mode == "mixed" && existing > base && rng.IntN(10) < 3:
			buf = b.appendDoc(buf, rng.Int64N(int64(len(b.pool))), rockbench.ID(int(rng.Int64N(existing))))
		default:
			n := nextID.Add(1) - 1
			buf = b.appendDoc(buf, n, rockbench.ID(int(n)))
		}
	}
	return append(buf, `]}`...)
}

// send posts one request and returns how many operations failed.
func (b *ingestBench) send(ctx context.Context, method string, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, method, b.collURL()+"/docs", bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := b.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	if resp.StatusCode != 200 {
		return 0, fmt.Errorf("write: HTTP %d: %s", resp.StatusCode, out)
	}
	return bytes.Count(out, []byte(`"status":"ERROR"`)), nil
}

func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p * float64(len(sorted)-1))
	return sorted[i]
}

func (b *ingestBench) report(ctx context.Context, out io.Writer, r benchResult) {
	slices.Sort(r.latencies)
	secs := r.elapsed.Seconds()
	fmt.Fprintf(out, "mode=%s batch=%d writers=%d rate=%d\n", b.mode, b.batch, b.writers, b.rate)
	fmt.Fprintf(out, "  written      %d docs in %.1fs (%d errors)\n", r.docs, secs, r.errors)
	fmt.Fprintf(out, "  throughput   %.0f docs/s, %.1f MiB/s of JSON\n", float64(r.docs)/secs, float64(r.bytes)/secs/(1<<20))
	fmt.Fprintf(out, "  latency      p50 %.1f ms, p99 %.1f ms, max %.1f ms per request (acknowledged = durable and visible)\n",
		ms(percentile(r.latencies, 0.50)), ms(percentile(r.latencies, 0.99)), ms(percentile(r.latencies, 1)))
	var docCount, totalSize int64
	req, _ := http.NewRequestWithContext(ctx, "GET", b.collURL(), nil)
	if resp, err := b.client.Do(req); err == nil {
		var body struct {
			Data struct {
				Stats struct {
					DocCount  int64 `json:"doc_count"`
					TotalSize int64 `json:"total_size"`
				} `json:"stats"`
			} `json:"data"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		docCount, totalSize = body.Data.Stats.DocCount, body.Data.Stats.TotalSize
	}
	avgDoc := float64(r.bytes) / float64(max(r.docs, 1))
	fmt.Fprintf(out, "  collection   doc_count %d, total_size %d bytes (%.0f B/doc)\n", docCount, totalSize, float64(totalSize)/float64(max(docCount, 1)))
	if b.dataDir != "" {
		if du, err := dirSize(b.dataDir); err == nil && docCount > 0 {
			perDoc := float64(du) / float64(docCount)
			fmt.Fprintf(out, "  on disk      %.1f MiB in %s = %.0f B/doc = %.2fx the raw JSON (%.0f B/doc)\n", float64(du)/(1<<20), b.dataDir, perDoc, perDoc/avgDoc, avgDoc)
		}
	}
	if r.serverCPU > 0 {
		fmt.Fprintf(out, "  server CPU   %.1f µs per document (%.2f cores)\n", r.serverCPU/float64(max(r.docs, 1))*1e6, r.serverCPU/secs)
	}
	if rss, err := b.serverMetric(ctx, "process_resident_memory_bytes"); err == nil {
		fmt.Fprintf(out, "  server RSS   %.0f MiB\n", rss/(1<<20))
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func dirSize(dir string) (int64, error) {
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n, err
}

// serverSettled waits (up to a minute) until the server has finished the
// work the run left behind, sealing mostly, and returns its CPU seconds
// then: the CPU a document costs includes what it costs after the ack.
func (b *ingestBench) serverSettled(ctx context.Context) (float64, error) {
	last, err := b.serverMetric(ctx, "process_cpu_seconds_total")
	for deadline := time.Now().Add(time.Minute); err == nil && time.Now().Before(deadline); {
		time.Sleep(time.Second)
		var now float64
		if now, err = b.serverMetric(ctx, "process_cpu_seconds_total"); err != nil {
			break
		}
		busy := now - last
		last = now
		if busy < 0.05 {
			break
		}
	}
	return last, err
}

// serverMetric reads an unlabelled metric, such as
// process_resident_memory_bytes, from the server's /metrics.
func (b *ingestBench) serverMetric(ctx context.Context, name string) (float64, error) {
	req, _ := http.NewRequestWithContext(ctx, "GET", b.url+"/metrics", nil)
	resp, err := b.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			return strconv.ParseFloat(strings.TrimSpace(v), 64)
		}
	}
	return 0, fmt.Errorf("no %s in /metrics", name)
}
