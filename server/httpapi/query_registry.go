package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/basaltdb/basalt/auth"
	"github.com/basaltdb/basalt/sql"
	"github.com/basaltdb/basalt/sql/sqlerr"
	"github.com/basaltdb/basalt/storage"
	"github.com/basaltdb/basalt/types"
)

// queryState is a query's status in Rockset's vocabulary (QueryInfo.status).
type queryState string

const (
	stateQueued    queryState = "QUEUED"
	stateRunning   queryState = "RUNNING"
	stateCompleted queryState = "COMPLETED"
	stateError     queryState = "ERROR"
	stateCancelled queryState = "CANCELLED"
)

func (s queryState) final() bool {
	return s == stateCompleted || s == stateError || s == stateCancelled
}

// Causes of a query context's end; they decide the final state.
var (
	errCancelRequested = errors.New("canceling statement due to user request")
	errClientGone      = errors.New("canceling statement: the client closed the connection")
	errShutdown        = errors.New("canceling statement: the server is shutting down")
	errQueryTimeout    = errors.New("canceling statement due to statement timeout")
)

// querySpec is what a query runs and how its results are kept.
type querySpec struct {
	id      string
	sql     string
	params  sql.Params
	timeout time.Duration
	async   bool
	// rowLimit is default_row_limit (-1: none).
	rowLimit int64
	// maxInitial is max_initial_results (-1: none). A synchronous query
	// whose results exceed it keeps them for /pages.
	maxInitial int64
	// principal submitted the query: the session checks each collection
	// the SQL touches against it, and only it (or an admin) sees the query.
	principal auth.Principal
	// lambdaPath is "ws.lambda::version" for a query a lambda runs.
	lambdaPath string
}

// queryEntry is one query the registry tracks, from submission until its
// results are evicted (asynchronous or paginated queries) or its answer is
// written (other synchronous queries).
type queryEntry struct {
	id        string
	spec      querySpec
	submitted time.Time
	// done is closed when the state becomes final.
	done   chan struct{}
	cancel context.CancelCauseFunc

	// Guarded by queryRegistry.mu.
	state    queryState
	started  time.Time // when it got a slot; zero while queued
	finished time.Time
	err      error // ERROR and CANCELLED
	res      *sql.Result
	// rows are res.Rows after default_row_limit; total is the count
	// reported by the first answer (before default_row_limit, as the
	// synchronous answer always reported it). rows are never mutated, so
	// readers copy the slice header under the lock and render outside it.
	rows  [][]types.Value
	total int
	// kept: the entry stays after finishing, for GET and /pages, until it
	// expires or is evicted.
	kept bool
}

// queryRegistry runs queries and tracks them so that they can be listed,
// polled, paged through and cancelled. It owns every query goroutine; Close
// cancels them and waits.
//
// Memory is bounded: at most maxRunning queries execute at once (the rest
// wait in QUEUED, at most maxQueued of them), and finished results are kept
// for ttl and for at most maxKept queries, oldest evicted first. Eviction is
// lazy, on every registry call, so no timer goroutine is needed.
type queryRegistry struct {
	eng *storage.Engine
	// transformer applies field_mapping_query to INSERTs (the API's cache).
	transformer sql.Transformer
	log         *slog.Logger
	ttl         time.Duration
	maxKept     int
	maxQueued   int
	memory      int64
	slots       chan struct{}
	now         func() time.Time
	base        context.Context
	stopAll     context.CancelCauseFunc
	goroutines  sync.WaitGroup
	// submitted, when set (by tests), runs in the handler after each
	// submission, before the handler looks at the query's state.
	submitted func(*queryEntry)

	mu     sync.Mutex
	closed bool
	byID   map[string]*queryEntry
	// active counts QUEUED and RUNNING entries.
	active int
	// kept holds finished entries that stay, in the order they finished.
	kept []*queryEntry
}

func newQueryRegistry(cfg Config) *queryRegistry {
	base, stop := context.WithCancelCause(context.Background())
	return &queryRegistry{
		eng:       cfg.Engine,
		log:       cfg.Logger,
		ttl:       cfg.QueryResultTTL,
		maxKept:   cfg.MaxKeptQueryResults,
		maxQueued: cfg.MaxQueuedQueries,
		memory:    cfg.QueryMemoryBytes,
		slots:     make(chan struct{}, cfg.MaxRunningQueries),
		now:       time.Now,
		base:      base,
		stopAll:   stop,
		byID:      map[string]*queryEntry{},
	}
}

// submit registers a query and starts it in the background.
func (g *queryRegistry) submit(spec querySpec) (*queryEntry, *APIError) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return nil, apiError(ErrUnavailable, "the server is shutting down")
	}
	g.evictLocked()
	if g.active >= cap(g.slots)+g.maxQueued {
		return nil, apiError(ErrResourceExceeded, "too many queries are queued or running ("+itoa(int64(g.active))+"); retry later")
	}
	if spec.id == "" {
		spec.id = newQueryID()
	}
	e := &queryEntry{id: spec.id, spec: spec, submitted: g.now(), done: make(chan struct{}), state: stateQueued}
	ctx, cancel := context.WithCancelCause(g.base)
	e.cancel = cancel
	// The timeout counts from submission, queueing included, on the real
	// clock (g.now is the registry's clock for ages and eviction).
	ctx, cancelDeadline := context.WithTimeoutCause(ctx, spec.timeout, errQueryTimeout)
	// The executor notices a cancelled context only between batches of
	// some operators; the entry turns final at once regardless, so that
	// pollers and waiting handlers see CANCELLED or the timeout without
	// waiting for it.
	stopWatch := context.AfterFunc(ctx, func() { g.interrupt(e, ctx) })
	g.byID[e.id] = e
	g.active++
	g.goroutines.Add(1)
	go func() {
		defer g.goroutines.Done()
		defer cancelDeadline()
		defer stopWatch()
		g.run(ctx, e)
	}()
	return e, nil
}

// run waits for a slot, executes the query and records the outcome. The slot
// is held until the executor returns, even after a cancel, because until
// then the query still uses a core.
func (g *queryRegistry) run(ctx context.Context, e *queryEntry) {
	select {
	case g.slots <- struct{}{}:
	case <-ctx.Done():
		g.interrupt(e, ctx)
		return
	}
	defer func() { <-g.slots }()
	g.mu.Lock()
	if e.state.final() {
		g.mu.Unlock()
		return
	}
	e.state, e.started = stateRunning, g.now()
	g.mu.Unlock()
	res, err := g.execute(ctx, e)
	g.mu.Lock()
	defer g.mu.Unlock()
	switch {
	case e.state.final():
		// Cancelled or timed out while the executor finished: its rows
		// are dropped.
	case err != nil && ctx.Err() != nil:
		g.interruptLocked(e, ctx)
	case err != nil:
		e.err = err
		g.finishLocked(e, stateError)
	default:
		res.Columns = uniqueFieldNames(res.Columns)
		e.res, e.rows, e.total = res, res.Rows, len(res.Rows)
		if l := e.spec.rowLimit; l >= 0 && int64(len(e.rows)) > l {
			e.rows = e.rows[:l]
		}
		g.finishLocked(e, stateCompleted)
	}
}

// uniqueFieldNames returns cols with every name unique: results are JSON
// objects, so a second column named like an earlier one (SELECT count(*),
// count(DISTINCT x)) would hide it. Later duplicates take the first free
// name_1, name_2, … (as DuckDB names them); cols itself, which a cached
// plan may share, is never changed.
func uniqueFieldNames(cols []sql.Column) []sql.Column {
	seen := make(map[string]bool, len(cols))
	var out []sql.Column
	for i, c := range cols {
		if !seen[c.Name] {
			seen[c.Name] = true
			continue
		}
		if out == nil {
			out = slices.Clone(cols)
		}
		for n := 1; ; n++ {
			name := c.Name + "_" + strconv.Itoa(n)
			if !seen[name] && !slices.ContainsFunc(cols[i+1:], func(l sql.Column) bool { return l.Name == name }) {
				out[i].Name, seen[name] = name, true
				break
			}
		}
	}
	if out == nil {
		return cols
	}
	return out
}

// execute runs the statement; a panic becomes an internal error, so a query
// never takes the server down.
func (g *queryRegistry) execute(ctx context.Context, e *queryEntry) (res *sql.Result, err error) {
	defer func() {
		if p := recover(); p != nil {
			g.log.Error("panic in query", "query_id", e.id, "panic", p)
			res, err = nil, sqlerr.New(sqlerr.Internal, "internal error: %v", p)
		}
	}()
	sess := sql.NewSession(g.eng, sql.Limits{MemoryBytes: g.memory})
	sess.Auth = e.spec.principal
	sess.Transformer = g.transformer
	return sess.Query(ctx, e.spec.sql, e.spec.params)
}

// interrupt makes an entry final after its context ended: ERROR with
// QUERY_TIMEOUT past the deadline, CANCELLED otherwise.
func (g *queryRegistry) interrupt(e *queryEntry, ctx context.Context) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.interruptLocked(e, ctx)
}

func (g *queryRegistry) interruptLocked(e *queryEntry, ctx context.Context) {
	if e.state.final() {
		return
	}
	cause := context.Cause(ctx)
	if errors.Is(cause, errQueryTimeout) {
		e.err = &sqlerr.Error{Code: sqlerr.QueryCanceled, Message: errQueryTimeout.Error(), Timeout: true}
		g.finishLocked(e, stateError)
		return
	}
	if cause == nil || errors.Is(cause, context.Canceled) {
		cause = errCancelRequested
	}
	e.err = sqlerr.New(sqlerr.QueryCanceled, "%s", cause.Error())
	g.finishLocked(e, stateCancelled)
}

// finishLocked records the final state, keeps or drops the entry, and
// evicts what no longer fits.
func (g *queryRegistry) finishLocked(e *queryEntry, s queryState) {
	e.state, e.finished = s, g.now()
	g.active--
	close(e.done)
	e.kept = e.spec.async || (s == stateCompleted && e.spec.maxInitial >= 0 && int64(len(e.rows)) > e.spec.maxInitial)
	if !e.kept {
		// The waiting handler holds the entry and writes its answer.
		delete(g.byID, e.id)
		return
	}
	g.kept = append(g.kept, e)
	g.evictLocked()
}

// evictLocked drops kept entries past their time to live, then the oldest
// beyond the count bound.
func (g *queryRegistry) evictLocked() {
	now := g.now()
	n := 0
	for n < len(g.kept) && (!now.Before(g.kept[n].finished.Add(g.ttl)) || len(g.kept)-n > g.maxKept) {
		g.dropLocked(g.kept[n])
		n++
	}
	if n > 0 {
		g.kept = append(g.kept[:0], g.kept[n:]...)
	}
}

func (g *queryRegistry) dropLocked(e *queryEntry) {
	delete(g.byID, e.id)
	e.res, e.rows = nil, nil
}

func (g *queryRegistry) cancelLocked(e *queryEntry, cause error) {
	if e.state.final() {
		return
	}
	e.err = sqlerr.New(sqlerr.QueryCanceled, "%s", cause.Error())
	g.finishLocked(e, stateCancelled)
	e.cancel(cause)
}

// cancelEntry requests that a queued or running query the caller holds
// stop (a cancel request, or a synchronous request whose client went
// away); it is CANCELLED at once. A finished query is left as it is.
func (g *queryRegistry) cancelEntry(e *queryEntry, cause error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.cancelLocked(e, cause)
}

// get returns a tracked query.
func (g *queryRegistry) get(id string) (*queryEntry, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.evictLocked()
	e, ok := g.byID[id]
	return e, ok
}

// list returns the queued and running queries, oldest first.
func (g *queryRegistry) list() []*queryEntry {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.evictLocked()
	var out []*queryEntry
	for _, e := range g.byID {
		if !e.state.final() {
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b *queryEntry) int {
		if c := a.submitted.Compare(b.submitted); c != 0 {
			return c
		}
		return strings.Compare(a.id, b.id)
	})
	return out
}

// snapshot copies what an answer about e needs, under the lock.
func (g *queryRegistry) snapshot(e *queryEntry) entrySnapshot {
	g.mu.Lock()
	defer g.mu.Unlock()
	return entrySnapshot{
		id: e.id, sql: e.spec.sql, state: e.state, submitted: e.submitted, started: e.started,
		finished: e.finished, now: g.now(), err: e.err, res: e.res, rows: e.rows, total: e.total,
		kept: e.kept, expires: e.finished.Add(g.ttl), lambdaPath: e.spec.lambdaPath,
	}
}

// entrySnapshot is a consistent copy of an entry's state.
type entrySnapshot struct {
	id, sql                           string
	state                             queryState
	submitted, started, finished, now time.Time
	expires                           time.Time
	err                               error
	res                               *sql.Result
	rows                              [][]types.Value
	total                             int
	kept                              bool
	lambdaPath                        string
}

// elapsed is the time since submission, queueing included.
func (s entrySnapshot) elapsed() time.Duration {
	end := s.now
	if s.state.final() {
		end = s.finished
	}
	return end.Sub(s.submitted)
}

// queued is the time spent waiting for a slot.
func (s entrySnapshot) queued() time.Duration {
	switch {
	case !s.started.IsZero():
		return s.started.Sub(s.submitted)
	case s.state.final():
		return s.finished.Sub(s.submitted)
	}
	return s.now.Sub(s.submitted)
}

// running is the execution time so far.
func (s entrySnapshot) running() time.Duration {
	if s.started.IsZero() {
		return 0
	}
	end := s.now
	if s.state.final() {
		end = s.finished
	}
	return end.Sub(s.started)
}

// Close cancels every query and waits for their goroutines. New queries are
// refused with SERVICEUNAVAILABLE.
func (g *queryRegistry) Close() {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
	g.stopAll(errShutdown)
	g.goroutines.Wait()
}
