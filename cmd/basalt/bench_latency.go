package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/basaltdb/basalt/internal/rockbench"
	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// latencyBench measures data latency as RockBench does: producers write
// RockBench-shaped documents stamped with the time they are sent, `_ts`, at
// a fixed rate, and a probe asks every 100 ms for the newest `_ts` each
// producer has made visible; now − that is the data latency.
type latencyBench struct {
	apiClient
	embedded   bool
	transport  string
	brokers    string
	partitions int
	modes      string
	rate       int
	mbps       float64
	producers  int
	duration   time.Duration
	warmup     time.Duration
	interval   time.Duration
	window     time.Duration
	preload    int
	cpuProfile string
	out        io.Writer
}

func benchLatencyCmd() *cobra.Command {
	b := &latencyBench{}
	cmd := &cobra.Command{
		Use:   "latency",
		Short: "Measure data latency (produce → queryable) through Kafka or the HTTP write API",
		Long: `Measure data latency, RockBench-style: producers send RockBench-shaped
documents (~1.3 KB, ~45 values; the first GiB generated before the run)
stamped with the time they are sent, _ts, at a fixed rate, and a probe runs
SELECT _producer, MAX(_ts) … GROUP BY _producer every --probe-interval
(100 ms); each answer gives one sample per producer of now − newest visible
_ts. Prints p50/p95/p99/max per workload.

Transports: kafka (documents are produced to a topic that a collection
source consumes; --brokers, or an in-process Kafka cluster when empty) and
http (documents are POSTed/PATCHed to the write API).
Workloads (--modes): insert (new documents), mixed (30% replace existing
ones), patch (updates of existing documents: JSON patches over HTTP, _op
UPDATE records over Kafka). mixed and patch first load --preload documents.

--embedded starts a server (this binary's serve, as a child process) on a
temporary directory; otherwise
--url names a running server (the Kafka cluster must be reachable from it).`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			b.resolve(cmd)
			b.out = cmd.OutOrStdout()
			return b.run(cmd.Context())
		},
	}
	f := cmd.Flags()
	b.addFlags(f)
	f.BoolVar(&b.embedded, "embedded", false, "start a server (basalt serve, a child process) on a temporary data directory")
	f.StringVar(&b.transport, "transport", "kafka", "kafka or http")
	f.StringVar(&b.brokers, "brokers", "", "Kafka bootstrap servers (empty: an in-process Kafka cluster)")
	f.IntVar(&b.partitions, "partitions", 8, "partitions of the benchmark topic")
	f.StringVar(&b.modes, "modes", "insert,mixed,patch", "comma-separated workloads: insert, mixed, patch")
	f.IntVar(&b.rate, "rate", 0, "documents per second across producers (0: from --mbps)")
	f.Float64Var(&b.mbps, "mbps", 20, "target MB/s of documents when --rate is 0")
	f.IntVar(&b.producers, "producers", 4, "producers (each gets its own latency samples)")
	f.DurationVar(&b.duration, "duration", 30*time.Second, "measured time per workload")
	f.DurationVar(&b.warmup, "warmup", 5*time.Second, "time per workload before sampling starts")
	f.DurationVar(&b.interval, "probe-interval", 100*time.Millisecond, "how often the probe queries")
	f.DurationVar(&b.window, "probe-window", 2*time.Second, "the probe reads documents whose _event_time is this recent (insert and mixed; 0: all); a producer with none counts as this stale, and the report says how often")
	f.IntVar(&b.preload, "preload", 50000, "documents loaded before a mixed or patch workload")
	f.StringVar(&b.cpuProfile, "cpuprofile", "", "write a CPU profile of this process (the producers, the probe and the in-process Kafka) to this file")
	return cmd
}

// startChildServer runs `basalt serve` on a temporary data directory as a
// child process: in the benchmark's own process, the producers and the
// in-process Kafka cluster shared the Go scheduler with the server and
// tripled its data latency p95 (a separate process, as in production,
// measured p95 11 ms where in-process gave 93 ms at 3,000 docs/s).
func startChildServer(ctx context.Context) (url string, stop func(), err error) {
	dir, err := os.MkdirTemp("", "basalt-bench-latency-")
	if err != nil {
		return "", nil, err
	}
	exe, err := os.Executable()
	if err != nil {
		return "", nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.CommandContext(ctx, exe, "serve", "--data-dir", dir, "--http-addr", addr, "--pg-addr", "127.0.0.1:0")
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	stop = func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
		os.RemoveAll(dir)
	}
	url = "http://" + addr
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if resp, err := http.Get(url + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return url, stop, nil
			}
		}
	}
	stop()
	return "", nil, fmt.Errorf("the child server did not start within 30 s")
}

// meanDocBytes is the mean size of the documents the producers send (with
// their _producer field), measured on a sample, for --mbps.
func meanDocBytes() float64 {
	rng := rand.New(rand.NewPCG(3, 3))
	n := 0
	for i := 0; i < 500; i++ {
		n += len(doc(nil, rng, i, 0, time.Now().UnixMicro()))
	}
	return float64(n) / 500
}

func (b *latencyBench) run(ctx context.Context) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if b.transport != "kafka" && b.transport != "http" {
		return fmt.Errorf("--transport %q: want kafka or http", b.transport)
	}
	if b.producers < 1 {
		return fmt.Errorf("--producers must be positive")
	}
	if b.rate == 0 {
		b.rate = int(b.mbps * 1e6 / meanDocBytes())
	}
	if b.embedded {
		url, stop, err := startChildServer(ctx)
		if err != nil {
			return err
		}
		defer stop()
		b.url = url
	}
	if b.http == nil {
		b.http = &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: b.producers + 4}}
	}
	if b.transport == "kafka" && b.brokers == "" {
		c, err := newBenchCluster()
		if err != nil {
			return err
		}
		defer c.Close()
		b.brokers = strings.Join(c.ListenAddrs(), ",")
	}
	stopProfile, err := startCPUProfile(b.cpuProfile)
	if err != nil {
		return err
	}
	defer stopProfile()
	fmt.Fprintf(b.out, "data latency, %s transport, %d producers, %d docs/s (~%.1f MB/s), probe every %s, %s per workload after %s warm-up\n",
		b.transport, b.producers, b.rate, float64(b.rate)*meanDocBytes()/1e6, b.interval, b.duration, b.warmup)
	for _, mode := range strings.Split(b.modes, ",") {
		mode = strings.TrimSpace(mode)
		switch mode {
		case "insert", "mixed", "patch":
		default:
			return fmt.Errorf("--modes: %q is not insert, mixed or patch", mode)
		}
		if err := b.runMode(ctx, mode); err != nil {
			return fmt.Errorf("%s: %w", mode, err)
		}
	}
	return nil
}

// latencyRun is one workload's state.
type latencyRun struct {
	b        *latencyBench
	mode     string
	coll     string
	kcl      *kgo.Client
	sent     atomic.Int64
	bytes    atomic.Int64
	failed   atomic.Int64
	lastErr  atomic.Value
	existing int // ids 0..existing-1 exist (preloaded)
	beyond   int // samples with nothing visible within the probe window
}

func (b *latencyBench) runMode(ctx context.Context, mode string) error {
	r := &latencyRun{b: b, mode: mode, coll: fmt.Sprintf("latency_%s_%s_%d", b.transport, mode, time.Now().Unix())}
	if err := r.setup(ctx); err != nil {
		return err
	}
	if r.kcl != nil {
		defer r.kcl.Close()
	}
	if mode != "insert" && b.preload > 0 {
		if err := r.load(ctx); err != nil {
			return fmt.Errorf("preload: %w", err)
		}
		r.sent.Store(0)
		r.bytes.Store(0)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	plans := make([][]planned, b.producers)
	var wg sync.WaitGroup
	for p := range plans {
		wg.Add(1)
		go func() {
			defer wg.Done()
			plans[p] = r.plan(p)
		}()
	}
	wg.Wait()
	restoreGC := quietGC(windowHeadroom(memAvailable()))
	for p := range plans {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.produce(ctx, p, plans[p])
		}()
	}
	samples, probeTimes, err := r.probe(ctx)
	cancel()
	wg.Wait()
	restoreGC()
	if err != nil {
		return err
	}
	r.report(samples, probeTimes)
	return nil
}

// newBenchCluster starts the in-process Kafka cluster the benchmarks use
// without --brokers. Its log segments are 8 MiB rather than kfake's 100:
// kfake keeps each partition's active segment in one growing buffer, and
// doubling one of 32-64 MiB held its single request loop for 30-60 ms, no
// produce or fetch answered meanwhile, which the latency probe saw as data
// latency of 100-200 ms (an execution trace of the benchmark put the loop
// in kfake's memFile.Write then).
func newBenchCluster() (*kfake.Cluster, error) {
	return kfake.NewCluster(kfake.NumBrokers(1), kfake.BrokerConfigs(map[string]string{"log.segment.bytes": strconv.Itoa(8 << 20)}))
}

// quietGC keeps this process's garbage collector out of the window a run
// measures, and returns what restores it. The producers, the in-process
// Kafka cluster and the probe share this process: with the planned
// documents and the cluster's log it holds about 2 GB, and a collection of
// it marked for 100-190 ms, during which the cluster answered neither
// produce nor fetch requests, which the probe saw as 100-240 ms of data
// latency, the largest samples of most runs (gctrace against the cluster's
// request log). So it collects once before the window and not within it
// unless the process grows headroom past what it holds then (a memory
// limit), as a deployment's producers and brokers, on other machines,
// never stall the database's latency figures.
func quietGC(headroom int64) (restore func()) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	percent := debug.SetGCPercent(-1)
	limit := debug.SetMemoryLimit(int64(ms.Sys-ms.HeapReleased) + headroom)
	return func() {
		debug.SetMemoryLimit(limit)
		debug.SetGCPercent(percent)
	}
}

// measuredHeadroom is how much the process may grow within a measured
// window before it collects: a 35 s window at 20 MB/s grew it 1.9 GB (the
// cluster's log 0.7 GB of it).
const measuredHeadroom = 4 << 30

// windowHeadroom is measuredHeadroom, or half of the memory the machine
// has available (bytes; 0: unknown) when that is less: the server under
// test, on the same machine, needs its share, and a collection within the
// window is better than running the machine out of memory.
func windowHeadroom(available int64) int64 {
	if available > 0 {
		return min(measuredHeadroom, available/2)
	}
	return measuredHeadroom
}

// memAvailable returns the machine's available memory in bytes
// (MemAvailable of /proc/meminfo), or 0 where that cannot be read.
func memAvailable() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	return parseMemAvailable(f)
}

// parseMemAvailable reads MemAvailable (in kB) from a /proc/meminfo; 0
// when it has none.
func parseMemAvailable(r io.Reader) int64 {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok || name != "MemAvailable" {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 || f[1] != "kB" {
			return 0
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil || kb < 0 {
			return 0
		}
		return kb << 10
	}
	return 0
}

// setup creates the collection (and for Kafka the topic, integration and
// source).
func (r *latencyRun) setup(ctx context.Context) error {
	b := r.b
	if b.transport == "http" {
		_, err := b.do(ctx, "POST", "/v1/orgs/self/ws/commons/collections", map[string]any{"name": r.coll}, nil)
		return err
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(strings.Split(b.brokers, ",")...), kgo.ProducerLinger(2*time.Millisecond),
		kgo.ProducerBatchMaxBytes(1<<20), kgo.MaxBufferedRecords(1<<16))
	if err != nil {
		return err
	}
	r.kcl = cl
	if _, err := kadm.NewClient(cl).CreateTopic(ctx, int32(b.partitions), 1, nil, r.coll); err != nil {
		return fmt.Errorf("create topic %s: %w", r.coll, err)
	}
	_, err = b.do(ctx, "POST", "/v1/orgs/self/integrations", map[string]any{"name": "bench_latency", "kafka": map[string]any{"bootstrap_servers": b.brokers}}, nil)
	var ae *apiError
	if err != nil && !(errors.As(err, &ae) && ae.Status == http.StatusConflict) {
		return err
	}
	_, err = b.do(ctx, "POST", "/v1/orgs/self/ws/commons/collections", map[string]any{
		"name": r.coll,
		"sources": []any{map[string]any{"integration_name": "bench_latency", "format_params": map[string]any{"json": true},
			"kafka": map[string]any{"kafka_topic_name": r.coll, "offset_reset_policy": "EARLIEST"}}},
	}, nil)
	return err
}

// doc appends a new document of producer p.
func doc(buf []byte, rng *rand.Rand, id int, p int, now int64) []byte {
	d := rockbench.AppendDoc(buf, rng, rockbench.ID(id), now)
	// Stitch the producer's identifier in after the opening brace.
	tail := slices.Clone(d[len(buf)+1:])
	d = append(d[:len(buf)+1], `"_producer":`...)
	d = strconv.AppendInt(d, int64(p), 10)
	d = append(d, ',')
	return append(d, tail...)
}

// load writes the preloaded documents and waits until they are visible.
func (r *latencyRun) load(ctx context.Context) error {
	b := r.b
	rng := rand.New(rand.NewPCG(1, 1))
	const chunk = 1000
	for start := 0; start < b.preload; start += chunk {
		var docs [][]byte
		for id := start; id < min(start+chunk, b.preload); id++ {
			docs = append(docs, doc(nil, rng, id, id%b.producers, time.Now().UnixMicro()))
		}
		if err := r.send(ctx, "insert", docs, nil); err != nil {
			return err
		}
	}
	if r.kcl != nil {
		if err := r.kcl.Flush(ctx); err != nil {
			return err
		}
	}
	r.existing = b.preload
	deadline := time.Now().Add(5 * time.Minute)
	for time.Now().Before(deadline) {
		var res struct {
			Results []struct {
				N int64 `json:"n"`
			} `json:"results"`
		}
		if _, err := b.do(ctx, "POST", "/v1/orgs/self/queries", map[string]any{"sql": map[string]any{"query": "SELECT count(*) AS n FROM " + r.coll}}, &res); err != nil {
			return err
		}
		if len(res.Results) == 1 && res.Results[0].N >= int64(b.preload) {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("the %d preloaded documents did not become visible within 5 minutes", b.preload)
}

// send writes documents (or patches, with ids) through the transport.
func (r *latencyRun) send(ctx context.Context, kind string, docs [][]byte, ids []string) error {
	b := r.b
	if r.kcl != nil {
		for i, d := range docs {
			key := []byte(nil)
			if ids != nil {
				key = []byte(ids[i])
			}
			r.bytes.Add(int64(len(d)))
			r.kcl.Produce(ctx, &kgo.Record{Topic: r.coll, Key: key, Value: d}, func(_ *kgo.Record, err error) {
				if err != nil && ctx.Err() == nil {
					r.failed.Add(1)
					r.lastErr.Store(err.Error())
				}
			})
		}
		r.sent.Add(int64(len(docs)))
		return nil
	}
	method, path := "POST", fmt.Sprintf("/v1/orgs/self/ws/commons/collections/%s/docs", r.coll)
	if kind == "patch" {
		method = "PATCH"
	}
	body := append([]byte(`{"data":[`), bytes.Join(docs, []byte(","))...)
	body = append(body, "]}"...)
	r.bytes.Add(int64(len(body)))
	_, err := b.doRaw(ctx, method, path, body, nil)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		r.failed.Add(int64(len(docs)))
		r.lastErr.Store(err.Error())
		return nil
	}
	r.sent.Add(int64(len(docs)))
	return nil
}

// produce sends producer p's share of the rate in small timed batches.
func (r *latencyRun) produce(ctx context.Context, p int, plan []planned) {
	b := r.b
	tick := 10 * time.Millisecond
	if b.transport == "http" {
		tick = 20 * time.Millisecond
	}
	perSec := float64(b.rate) / float64(b.producers)
	gen := r.generator(p)
	t := time.NewTicker(tick)
	defer t.Stop()
	// The documents owed follow the clock, not the ticks: a send that
	// takes longer than a tick makes the next batch bigger, so the rate
	// holds as long as the server keeps up.
	start, done := time.Now(), 0
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n := int(time.Since(start).Seconds()*perSec) - done
		if n <= 0 {
			continue
		}
		done += n
		now := time.Now().UnixMicro()
		docs := make([][]byte, 0, n)
		ids := make([]string, 0, n)
		for i := 0; i < n; i++ {
			var d planned
			if len(plan) > 0 {
				d, plan = plan[0], plan[1:]
			} else {
				d = gen() // the plan ran out: the server fell behind
			}
			stamp(d.doc, d.stamps, now)
			docs = append(docs, d.doc)
			ids = append(ids, d.id)
		}
		if err := r.send(ctx, r.sendKind(), docs, ids); err != nil {
			return
		}
	}
}

// planned is a document generated before the run, stamped when sent.
type planned struct {
	doc    []byte
	id     string
	stamps []int // where its timestamps' digits are (see stamp)
}

// stampPlaceholder is the timestamp documents are generated with: 16
// digits, as every time in microseconds since 2001 and until 2286, so
// the time of sending overwrites it in place.
const stampPlaceholder int64 = 1_111_111_111_111_111

// plan generates producer p's documents ahead of the run: generating them
// as they were sent took ~0.4 of the two cores the benchmark shares with
// the server at 20 MB/s (now ~0.26). The producers plan at most
// maxPlannedBytes between them; a longer run generates the rest as it
// sends.
func (r *latencyRun) plan(p int) []planned {
	b := r.b
	n := int(float64(b.rate)/float64(b.producers)*(b.warmup+b.duration).Seconds()*1.02) + 100
	n = min(n, int(float64(maxPlannedBytes)/float64(b.producers)/meanDocBytes()))
	gen := r.generator(p)
	out := make([]planned, n)
	for i := range out {
		out[i] = gen()
	}
	return out
}

// maxPlannedBytes bounds the documents generated before a run: about 50 s
// at 20 MB/s.
var maxPlannedBytes int64 = 1 << 30

// generator returns producer p's document source: new documents, replaces
// of existing ones (mixed) or updates (patch), as the mode sends them.
func (r *latencyRun) generator(p int) func() planned {
	b := r.b
	rng := rand.New(rand.NewPCG(uint64(p), 99))
	next := r.existing + p // new ids: producer p takes every producers-th
	// An existing document of this producer (preloaded ids are spread
	// over producers by id % producers).
	old := func() int { return (rng.IntN(max(r.existing/b.producers, 1)))*b.producers + p }
	now := stampPlaceholder
	return func() planned {
		var d planned
		switch {
		case r.mode == "patch" && r.kcl == nil:
			d.id = rockbench.ID(old())
			d.doc = rockbench.AppendPatch(nil, rng, d.id, now)
		case r.mode == "patch":
			d.id = rockbench.ID(old())
			d.doc = fmt.Appendf(nil, `{"_id":%q,"_op":"UPDATE","_producer":%d,"_ts":%d,"Age":%d}`, d.id, p, now, rng.IntN(100))
		case r.mode == "mixed" && rng.IntN(10) < 3:
			id := old()
			d.id = rockbench.ID(id)
			d.doc = doc(nil, rng, id, p, now)
		default:
			d.id = rockbench.ID(next)
			d.doc = doc(nil, rng, next, p, now)
			next += b.producers
		}
		d.stamps = stampsOf(d.doc)
		return d
	}
}

// sendKind is how the mode's documents are sent.
func (r *latencyRun) sendKind() string {
	if r.mode == "patch" && r.kcl == nil {
		return "patch"
	}
	return "insert"
}

// stampsOf returns the offsets of the placeholder timestamps in doc.
func stampsOf(doc []byte) []int {
	ph := strconv.AppendInt(nil, stampPlaceholder, 10)
	var at []int
	for off := 0; ; {
		i := bytes.Index(doc[off:], ph)
		if i < 0 {
			return at
		}
		at = append(at, off+i)
		off += i + len(ph)
	}
}

// stamp writes the time now (16 digits, as the placeholder) at each of
// the offsets.
func stamp(doc []byte, at []int, now int64) {
	var digits [20]byte
	d := strconv.AppendInt(digits[:0], now, 10)
	if len(d) != 16 {
		panic(fmt.Sprintf("bench latency: timestamp %d is not 16 digits", now))
	}
	for _, off := range at {
		copy(doc[off:], d)
	}
}

// probe samples now − newest visible _ts per producer until the run ends.
func (r *latencyRun) probe(ctx context.Context) (samples, probeTimes []time.Duration, err error) {
	b := r.b
	// The newest _ts of insert and mixed documents is among those with a
	// recent _event_time (both are the time of sending), and that filter
	// lets time pruning skip the older blocks: probing every row made the
	// probe the server's biggest CPU consumer as the collection grew.
	// Patches keep the document's _event_time, so the patch probe reads all.
	where := ""
	if b.window > 0 && r.mode != "patch" {
		where = fmt.Sprintf(" WHERE _event_time > CURRENT_TIMESTAMP - INTERVAL '%d milliseconds'", b.window.Milliseconds())
	}
	q := map[string]any{"sql": map[string]any{"query": fmt.Sprintf("SELECT _producer AS p, MAX(_ts) AS ts FROM %s%s GROUP BY _producer", r.coll, where)}}
	start := time.Now()
	end := start.Add(b.warmup + b.duration)
	t := time.NewTicker(b.interval)
	defer t.Stop()
	for time.Now().Before(end) {
		select {
		case <-ctx.Done():
			return samples, probeTimes, ctx.Err()
		case <-t.C:
		}
		var res struct {
			Results []struct {
				P  int   `json:"p"`
				TS int64 `json:"ts"`
			} `json:"results"`
		}
		qs := time.Now()
		if _, err := b.do(ctx, "POST", "/v1/orgs/self/queries", q, &res); err != nil {
			return nil, nil, fmt.Errorf("probe: %w", err)
		}
		now := time.Now()
		if now.Sub(start) < b.warmup {
			continue
		}
		probeTimes = append(probeTimes, now.Sub(qs))
		seen := 0
		for _, row := range res.Results {
			// The newest document was visible when the query started.
			samples = append(samples, qs.Sub(time.UnixMicro(row.TS)))
			seen++
		}
		for ; seen < b.producers && where != ""; seen++ {
			samples = append(samples, b.window) // nothing as recent as the window
			r.beyond++
		}
	}
	return samples, probeTimes, nil
}

func (r *latencyRun) report(samples, probeTimes []time.Duration) {
	b := r.b
	secs := (b.warmup + b.duration).Seconds()
	slices.Sort(samples)
	slices.Sort(probeTimes)
	fmt.Fprintf(b.out, "%-6s sent %.0f docs/s (%.1f MB/s), %d failed; data latency p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, max %.1f ms (%d samples); probe query p50 %.1f ms\n",
		r.mode, float64(r.sent.Load())/secs, float64(r.bytes.Load())/secs/1e6, r.failed.Load(),
		ms(percentile(samples, 0.50)), ms(percentile(samples, 0.95)), ms(percentile(samples, 0.99)), ms(percentile(samples, 1)),
		len(samples), ms(percentile(probeTimes, 0.5)))
	if r.beyond > 0 {
		fmt.Fprintf(b.out, "       %d of %d samples found nothing newer than --probe-window %s: the latency was at least that\n", r.beyond, len(samples), b.window)
	}
	if e, ok := r.lastErr.Load().(string); ok {
		fmt.Fprintf(b.out, "       last error: %s\n", e)
	}
}
