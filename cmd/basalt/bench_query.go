package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/basaltdb/basalt/catalog"
	"github.com/basaltdb/basalt/internal/webevents"
	"github.com/basaltdb/basalt/sql"
	"github.com/basaltdb/basalt/storage"
	"github.com/basaltdb/basalt/types"
	"github.com/spf13/cobra"
)

type queryBench struct {
	events        int
	users         int
	rockbenchDocs int
	runs          int
	minTime       time.Duration
	dataDir       string
	cpuProfile    string
	reuse         bool
	ingestRate    int
	ingestMode    string
	ingestWarmup  time.Duration
	jsonOut       bool
	seed          uint64
	timeout       time.Duration
	logLevel      string
	only          []string
	// end, when set, fixes the end of the generated history (tests);
	// otherwise it is the time loading starts.
	end time.Time
}

func benchQueryCmd() *cobra.Command {
	b := &queryBench{}
	cmd := &cobra.Command{
		Use:   "query",
		Short: "Load the web-events workload in-process and time a fixed query suite",
		Long: `Load the web-events workload into an embedded engine (no server) and time a
fixed query suite: filtered counts, top-K group-bys and per-minute buckets over
the last hour, COUNT(DISTINCT), a point lookup by _id, a selective needle
(session_id = …), top-N under a nested-field filter, a join with the users
dimension, p95 by page, array membership, LIKE, and a few queries over
RockBench documents. Each query runs once to warm (after a garbage
collection, so that it does not pay for the query before), then --runs
times, and again until its timed runs add up to --min-time (200ms): a
query of a tenth of a millisecond is timed a few thousand times, so that
its median is not five samples of whatever else the machine (or, under
ingest, the writer) did in that millisecond. The median and minimum
latency, the rows returned and the SQL are printed.

The workload (internal/webevents): --events web events of about 1 KB spread
over the two hours before the load (so "last hour" holds about half), by
--users users of a dimension collection, plus --rockbench-docs RockBench
documents. Everything is sealed into segment files before timing.

With --ingest-rate N the suite runs twice: idle, then while a writer writes
N events/s, and the ratio of the medians is printed. By default the writer
replaces loaded events (--ingest-mode upsert), so the collection keeps its
size and the ratio is the cost of ingest itself; with --ingest-mode insert it
adds new events, and the collection grows by N/s while the suite runs (at
10,000/s, by a quarter of 2 million events every 50 seconds). The writer
runs --ingest-warmup (10s) before the suite is timed again, so that the
queries meet a steady stream: a full mutable segment, a seal under way and
deleted rows in the sealed segments, not the first seconds of it.

The data lives in a temporary directory removed afterwards, unless
--data-dir names one; --reuse then times an already loaded directory.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			rep, err := b.run(cmd.Context(), cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			if b.jsonOut {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(rep)
			}
			rep.print(cmd.OutOrStdout())
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVar(&b.events, "events", 2_000_000, "web events to load")
	f.IntVar(&b.users, "users", 200_000, "users in the dimension collection")
	f.IntVar(&b.rockbenchDocs, "rockbench-docs", 200_000, "RockBench documents to load (0: none, and no RockBench queries)")
	f.IntVar(&b.runs, "runs", 5, "timed runs of each query (after one warm-up run)")
	f.DurationVar(&b.minTime, "min-time", 200*time.Millisecond, "time each query until its timed runs add up to this much, after --runs")
	f.StringVar(&b.dataDir, "data-dir", "", "data directory (default: a temporary one, removed afterwards)")
	f.BoolVar(&b.reuse, "reuse", false, "time the data already loaded in --data-dir instead of loading")
	f.IntVar(&b.ingestRate, "ingest-rate", 0, "also time the suite while writing this many events/s (0: off)")
	f.DurationVar(&b.ingestWarmup, "ingest-warmup", 10*time.Second, "with --ingest-rate, how long the writer runs before the suite is timed again")
	f.StringVar(&b.ingestMode, "ingest-mode", liveUpsert, "what the writer of --ingest-rate does: upsert (replace loaded events, so the collection keeps its size) or insert (new events: it grows by the rate while the suite runs)")
	f.BoolVar(&b.jsonOut, "json", false, "print the report as JSON")
	f.Uint64Var(&b.seed, "seed", 1, "seed of the generated data")
	f.DurationVar(&b.timeout, "query-timeout", 5*time.Minute, "timeout of one query")
	f.StringVar(&b.logLevel, "log-level", "warn", "the engine's log level: debug, info, warn, error")
	f.StringVar(&b.cpuProfile, "cpuprofile", "", "write a CPU profile of the timed queries to this file (go tool pprof)")
	f.StringSliceVar(&b.only, "queries", nil, "time only these queries of the suite, by name (comma-separated)")
	return cmd
}

// queryStat is what one suite query measured.
type queryStat struct {
	Name     string  `json:"name"`
	What     string  `json:"what"`
	SQL      string  `json:"sql"`
	MedianMS float64 `json:"median_ms"`
	MinMS    float64 `json:"min_ms"`
	Runs     int     `json:"timed_runs"` // --runs, or more for --min-time
	Rows     int     `json:"rows"`
	Error    string  `json:"error,omitempty"`
	// Under ingest (with --ingest-rate).
	IngestMedianMS float64 `json:"ingest_median_ms,omitempty"`
	IngestMinMS    float64 `json:"ingest_min_ms,omitempty"`
	IngestRuns     int     `json:"ingest_timed_runs,omitempty"`
	IngestRows     int     `json:"ingest_rows,omitempty"`
	IngestError    string  `json:"ingest_error,omitempty"`
	Ratio          float64 `json:"ingest_ratio,omitempty"`

	// result is the answer of the last idle run (tests check it).
	result *sql.Result
}

// queryReport is the whole run.
type queryReport struct {
	Events        int         `json:"events"`
	Users         int         `json:"users"`
	RockbenchDocs int         `json:"rockbench_docs"`
	Runs          int         `json:"runs"`
	DataDir       string      `json:"data_dir"`
	Reused        bool        `json:"reused"`
	End           time.Time   `json:"history_end"`
	Load          []loadStat  `json:"load,omitempty"`
	FlushSeconds  float64     `json:"flush_seconds,omitempty"`
	Collections   []collStat  `json:"collections"`
	Queries       []queryStat `json:"queries"`
	Ingest        *liveStat   `json:"ingest,omitempty"`
	// After is the events collection once the ingest pass is over.
	After *collStat `json:"events_after_ingest,omitempty"`
}

func (b *queryBench) run(ctx context.Context, progress io.Writer) (*queryReport, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	if b.minTime < 0 {
		return nil, fmt.Errorf("--min-time must not be negative")
	}
	if b.runs < 1 {
		return nil, fmt.Errorf("--runs must be at least 1")
	}
	if b.reuse && b.dataDir == "" {
		return nil, fmt.Errorf("--reuse needs --data-dir")
	}
	if !b.reuse && (b.events < 3 || b.users < 1 || b.rockbenchDocs < 0) {
		return nil, fmt.Errorf("--events must be at least 3, --users at least 1, --rockbench-docs not negative")
	}
	if b.ingestRate < 0 {
		return nil, fmt.Errorf("--ingest-rate must not be negative")
	}
	if b.ingestWarmup < 0 {
		return nil, fmt.Errorf("--ingest-warmup %s: must not be negative", b.ingestWarmup)
	}
	switch b.ingestMode {
	case "":
		b.ingestMode = liveUpsert
	case liveInsert, liveUpsert:
	default:
		return nil, fmt.Errorf("--ingest-mode %q: want insert or upsert", b.ingestMode)
	}
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(b.logLevel)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", b.logLevel)
	}
	dir := b.dataDir
	if dir == "" {
		tmp, err := os.MkdirTemp("", "basalt-bench-query-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	eng, err := storage.Open(storage.Options{
		Dir:    dir,
		Logger: slog.New(slog.NewTextHandler(progress, &slog.HandlerOptions{Level: lv})),
	})
	if err != nil {
		return nil, err
	}
	defer eng.Close()

	rep := &queryReport{Runs: b.runs, DataDir: dir, Reused: b.reuse}
	if b.dataDir == "" {
		rep.DataDir = "(temporary)"
	}
	var p suiteParams
	if b.reuse {
		m, err := readMeta(eng)
		if err != nil {
			return nil, err
		}
		rep.Events, rep.Users, rep.RockbenchDocs, b.seed = m.events, m.users, m.rockbenchDocs, m.seed
		p = suiteParams{End: m.end, NeedleID: m.needleID, NeedleSession: m.needleSession, Rockbench: m.rockbenchDocs > 0}
		fmt.Fprintf(progress, "reusing %s: %d events, %d users, %d RockBench documents\n", dir, m.events, m.users, m.rockbenchDocs)
		// An earlier --ingest-rate run may have left rows in mutable
		// segments: seal them, so every run starts from the same state.
		if err := flushAll(ctx, eng); err != nil {
			return nil, err
		}
	} else {
		rep.Events, rep.Users, rep.RockbenchDocs = b.events, b.users, b.rockbenchDocs
		if p, err = b.load(ctx, eng, progress, rep); err != nil {
			return nil, err
		}
	}
	rep.End = p.End
	for _, c := range []string{qbEvents, qbUsers, qbRockbench} {
		if c == qbRockbench && rep.RockbenchDocs == 0 {
			continue
		}
		cs, err := statCollection(eng, c)
		if err != nil {
			return nil, err
		}
		rep.Collections = append(rep.Collections, cs)
	}

	s := sql.NewSession(eng, sql.Limits{Timeout: b.timeout})
	suite := querySuite(p)
	if len(b.only) > 0 {
		var names []string
		suite = slices.DeleteFunc(suite, func(q suiteQuery) bool {
			names = append(names, q.Name)
			return !slices.Contains(b.only, q.Name)
		})
		if len(suite) == 0 {
			return nil, fmt.Errorf("--queries %s: no such query; the suite has %s", strings.Join(b.only, ","), strings.Join(names, ", "))
		}
	}
	fmt.Fprintf(progress, "timing %d queries, %d runs each and for at least %s...\n", len(suite), b.runs, b.minTime)
	stopProfile, err := startCPUProfile(b.cpuProfile)
	if err != nil {
		return nil, err
	}
	defer stopProfile()
	for _, q := range suite {
		st := queryStat{Name: q.Name, What: q.What, SQL: q.SQL}
		st.MedianMS, st.MinMS, st.Runs, st.result, st.Error = timeQuery(ctx, s, q.SQL, b.runs, b.minTime)
		if st.result != nil {
			st.Rows = len(st.result.Rows)
		}
		progressLine(progress, q.Name, st.MedianMS, st.Error)
		rep.Queries = append(rep.Queries, st)
	}
	if b.ingestRate > 0 {
		fmt.Fprintf(progress, "timing again while writing %d events/s (%s)...\n", b.ingestRate, b.ingestMode)
		lw := startLive(ctx, eng, b.ingestMode, b.ingestRate, b.seed, rep.Events, rep.Users)
		select {
		case <-time.After(b.ingestWarmup):
		case <-ctx.Done():
		}
		for i, q := range suite {
			st := &rep.Queries[i]
			var res *sql.Result
			st.IngestMedianMS, st.IngestMinMS, st.IngestRuns, res, st.IngestError = timeQuery(ctx, s, q.SQL, b.runs, b.minTime)
			if res != nil {
				st.IngestRows = len(res.Rows)
			}
			progressLine(progress, q.Name, st.IngestMedianMS, st.IngestError)
			if st.Error == "" && st.IngestError == "" && st.MedianMS > 0 {
				st.Ratio = st.IngestMedianMS / st.MedianMS
			}
		}
		ls := lw.stop()
		rep.Ingest = &ls
		if ls.Err != "" {
			return rep, fmt.Errorf("writer under the suite: %s", ls.Err)
		}
		cs, err := statCollection(eng, qbEvents)
		if err != nil {
			return nil, err
		}
		rep.After = &cs
	}
	return rep, nil
}

// load generates and writes the workload, seals it and records the
// parameters in bench_meta for --reuse.
func (b *queryBench) load(ctx context.Context, eng *storage.Engine, progress io.Writer, rep *queryReport) (suiteParams, error) {
	end := b.end
	if end.IsZero() {
		end = time.Now().Truncate(time.Second)
	}
	cfg := webevents.Config{Seed: b.seed, Events: b.events, Users: b.users, End: end}
	if err := createCollections(eng); err != nil {
		return suiteParams{}, err
	}
	p := suiteParams{End: end, Rockbench: b.rockbenchDocs > 0}
	step := func(coll string, n int, f func() error) error {
		fmt.Fprintf(progress, "loading %d documents into %s...\n", n, coll)
		t0 := time.Now()
		if err := f(); err != nil {
			return err
		}
		el := time.Since(t0)
		rep.Load = append(rep.Load, loadStat{Collection: coll, Docs: n, Elapsed: el, Seconds: el.Seconds(), DocsPerSec: float64(n) / el.Seconds()})
		return nil
	}
	if err := step(qbUsers, b.users, func() error { return loadUsers(ctx, eng, cfg) }); err != nil {
		return p, err
	}
	if err := step(qbEvents, b.events, func() error {
		var err error
		p.NeedleID, p.NeedleSession, err = loadEvents(ctx, eng, cfg)
		return err
	}); err != nil {
		return p, err
	}
	if b.rockbenchDocs > 0 {
		if err := step(qbRockbench, b.rockbenchDocs, func() error { return loadRockbench(ctx, eng, b.rockbenchDocs, b.seed, cfg) }); err != nil {
			return p, err
		}
	}
	m := benchMeta{seed: b.seed, events: b.events, users: b.users, rockbenchDocs: b.rockbenchDocs, end: end, needleID: p.NeedleID, needleSession: p.NeedleSession}
	if err := writeBatch(ctx, eng, qbMeta, []storage.WriteOp{{Kind: storage.OpUpsert, Doc: m.value()}}); err != nil {
		return p, err
	}
	fmt.Fprintf(progress, "sealing...\n")
	t0 := time.Now()
	if err := flushAll(ctx, eng); err != nil {
		return p, err
	}
	rep.FlushSeconds = time.Since(t0).Seconds()
	return p, nil
}

// flushAll seals every collection, then runs one round of compaction, so
// the background loop does not merge the last small segments while queries
// are timed.
func flushAll(ctx context.Context, eng *storage.Engine) error {
	for _, c := range []string{qbUsers, qbEvents, qbRockbench, qbMeta} {
		if err := eng.Flush(ctx, catalog.DefaultWorkspace, c); err != nil {
			return fmt.Errorf("flush %s: %w", c, err)
		}
	}
	eng.RunMaintenance(ctx)
	return nil
}

// maxTimedRuns bounds the runs --min-time adds to a query.
const maxTimedRuns = 100000

// timeQuery runs text once to warm, then runs times and on until the runs
// add up to minTime, and returns the median and minimum latency in
// milliseconds, the runs timed and the last answer.
func timeQuery(ctx context.Context, s *sql.Session, text string, runs int, minTime time.Duration) (median, minimum float64, timed int, res *sql.Result, errMsg string) {
	// The garbage of the query timed before is collected first, as Go's
	// own benchmarks do before each one: a point lookup timed right after
	// COUNT(DISTINCT) over two million rows paid for its collection.
	runtime.GC()
	if _, err := s.Query(ctx, text, sql.Params{}); err != nil {
		return 0, 0, 0, nil, err.Error()
	}
	d := make([]time.Duration, 0, runs)
	var total time.Duration
	for len(d) < runs || (total < minTime && len(d) < maxTimedRuns) {
		t0 := time.Now()
		r, err := s.Query(ctx, text, sql.Params{})
		took := time.Since(t0)
		if err != nil {
			return 0, 0, 0, nil, err.Error()
		}
		d = append(d, took)
		total += took
		res = r
	}
	slices.Sort(d)
	m := ms(d[len(d)/2])
	if len(d)%2 == 0 {
		m = (ms(d[len(d)/2-1]) + m) / 2
	}
	return m, ms(d[0]), len(d), res, ""
}

func progressLine(w io.Writer, name string, median float64, errMsg string) {
	if errMsg != "" {
		fmt.Fprintf(w, "  %-18s error: %s\n", name, firstLine(errMsg))
		return
	}
	fmt.Fprintf(w, "  %-18s %10.2f ms\n", name, median)
}

// benchMeta is what --reuse needs to know about loaded data: the sizes,
// the seed, the end of the history and the needles.
type benchMeta struct {
	seed                    uint64
	events, users           int
	rockbenchDocs           int
	end                     time.Time
	needleID, needleSession string
}

const metaID = "params"

func (m benchMeta) value() types.Value {
	return types.Object([]types.Field{
		{Name: "_id", Value: types.String(metaID)},
		{Name: "seed", Value: types.Int(int64(m.seed))},
		{Name: "events", Value: types.Int(int64(m.events))},
		{Name: "users", Value: types.Int(int64(m.users))},
		{Name: "rockbench_docs", Value: types.Int(int64(m.rockbenchDocs))},
		{Name: "history_end", Value: types.TimestampOf(m.end)},
		{Name: "needle_id", Value: types.String(m.needleID)},
		{Name: "needle_session", Value: types.String(m.needleSession)},
	})
}

func readMeta(eng *storage.Engine) (benchMeta, error) {
	snap, err := eng.Snapshot(catalog.DefaultWorkspace, qbMeta)
	if err != nil {
		return benchMeta{}, fmt.Errorf("--reuse: no data loaded by basalt bench query here (%w)", err)
	}
	defer snap.Close()
	v, ok, err := snap.Get(metaID)
	if err != nil {
		return benchMeta{}, fmt.Errorf("--reuse: read %s: %w", qbMeta, err)
	}
	if !ok {
		return benchMeta{}, fmt.Errorf("--reuse: %s has no %q document: the load did not finish", qbMeta, metaID)
	}
	return benchMeta{
		seed:          uint64(v.Get("seed").Int()),
		events:        int(v.Get("events").Int()),
		users:         int(v.Get("users").Int()),
		rockbenchDocs: int(v.Get("rockbench_docs").Int()),
		end:           v.Get("history_end").Time(),
		needleID:      v.Get("needle_id").Str(),
		needleSession: v.Get("needle_session").Str(),
	}, nil
}

func (r *queryReport) print(out io.Writer) {
	fmt.Fprintf(out, "basalt bench query: %d events, %d users, %d RockBench documents, runs=%d, data in %s\n",
		r.Events, r.Users, r.RockbenchDocs, r.Runs, r.DataDir)
	for _, l := range r.Load {
		fmt.Fprintf(out, "  loaded      %-10s %9d docs in %6.1fs = %.0f docs/s\n", l.Collection, l.Docs, l.Seconds, l.DocsPerSec)
	}
	if !r.Reused {
		fmt.Fprintf(out, "  sealed      in %.1fs\n", r.FlushSeconds)
	}
	for _, c := range r.Collections {
		fmt.Fprintf(out, "  collection  %-10s %9d docs, %d segments (%d mutable, %d rows), %.1f MiB\n",
			c.Collection, c.Docs, c.Segments, c.MutableSegments, c.MutableRows, float64(c.Bytes)/(1<<20))
	}
	fmt.Fprintf(out, "  last hour   _event_time > %s\n\n", r.End.Add(-time.Hour).UTC().Format(time.RFC3339))
	ingest := r.Ingest != nil
	w := len("query")
	for _, q := range r.Queries {
		w = max(w, len(q.Name))
	}
	if ingest {
		fmt.Fprintf(out, "%-*s %10s %10s %7s %12s %6s  %s\n", w, "query", "median ms", "min ms", "rows", "ingest ms", "ratio", "sql")
	} else {
		fmt.Fprintf(out, "%-*s %10s %10s %7s  %s\n", w, "query", "median ms", "min ms", "rows", "sql")
	}
	for _, q := range r.Queries {
		sqlText := q.SQL
		if q.Error != "" {
			sqlText = "ERROR: " + firstLine(q.Error) + " -- " + q.SQL
		}
		if ingest {
			im, ratio := fmt.Sprintf("%.2f", q.IngestMedianMS), fmt.Sprintf("%.2f", q.Ratio)
			if q.IngestError != "" {
				im, ratio = "error", "-"
			}
			if q.Error != "" {
				ratio = "-"
			}
			fmt.Fprintf(out, "%-*s %10s %10s %7d %12s %6s  %s\n", w, q.Name, fmtMS(q.MedianMS, q.Error), fmtMS(q.MinMS, q.Error), q.Rows, im, ratio, sqlText)
		} else {
			fmt.Fprintf(out, "%-*s %10s %10s %7d  %s\n", w, q.Name, fmtMS(q.MedianMS, q.Error), fmtMS(q.MinMS, q.Error), q.Rows, sqlText)
		}
	}
	if ingest {
		l := r.Ingest
		fmt.Fprintf(out, "\n  ingest      %s: %d events in %.1fs = %.0f events/s (target %d), write p50 %.1f ms, p99 %.1f ms\n",
			l.Mode, l.Docs, l.Seconds, l.DocsPerSec, l.Target, l.P50MS, l.P99MS)
		if r.After != nil {
			fmt.Fprintf(out, "  afterwards  events %d docs, %d segments (%d mutable, %d rows)\n",
				r.After.Docs, r.After.Segments, r.After.MutableSegments, r.After.MutableRows)
		}
	}
}

func fmtMS(v float64, errMsg string) string {
	if errMsg != "" {
		return "error"
	}
	return fmt.Sprintf("%.2f", v)
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
