package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/basaltdb/basalt/catalog"
	"github.com/basaltdb/basalt/ingest/transform"
	"github.com/basaltdb/basalt/storage"
	"github.com/prometheus/client_golang/prometheus"
)

// Connector reads one source and hands its records to the job until ctx
// ends. An error return restarts it after a backoff; the connector resumes
// from j.Positions().
type Connector func(ctx context.Context, j *Job) error

// Config configures a Manager.
type Config struct {
	Engine     *storage.Engine
	Logger     *slog.Logger
	Registerer prometheus.Registerer
	// Connectors by source kind (catalog.Source.Kind: "kafka", "s3",
	// "file").
	Connectors map[string]Connector
	// Backoff after a connector fails: doubling from MinBackoff up to
	// MaxBackoff.
	MinBackoff, MaxBackoff time.Duration
	// Transforms compiles the collections' field mapping queries; a
	// server shares one among every ingest path (nil: the manager makes
	// its own).
	Transforms *transform.Cache
}

// Manager runs the collections' sources.
type Manager struct {
	cfg     Config
	eng     *storage.Engine
	log     *slog.Logger
	metrics *metrics

	quit chan struct{}
	done chan struct{}

	mu          sync.Mutex
	jobs        map[string]*running   // source id → running job
	statuses    map[string]*statusBox // source id → status, kept while suspended
	transforms  *transform.Cache
	badMu       sync.Mutex // serializes creating the error collection
	reconcileMu sync.Mutex // one reconcile at a time
}

type running struct {
	colID  uint64
	cancel context.CancelFunc
	done   chan struct{}
}

// New returns a manager; Start runs it.
func New(cfg Config) *Manager {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MinBackoff == 0 {
		cfg.MinBackoff = 500 * time.Millisecond
	}
	if cfg.MaxBackoff == 0 {
		cfg.MaxBackoff = 30 * time.Second
	}
	if cfg.Transforms == nil {
		cfg.Transforms = transform.NewCache()
	}
	return &Manager{
		cfg: cfg, eng: cfg.Engine, log: cfg.Logger, metrics: newMetrics(cfg.Registerer),
		quit: make(chan struct{}), done: make(chan struct{}),
		jobs: map[string]*running{}, statuses: map[string]*statusBox{},
		transforms: cfg.Transforms,
	}
}

// Start starts the sources of every collection and keeps them in line with
// the catalog until Close.
func (m *Manager) Start() {
	m.reconcile()
	go m.loop()
}

// Sync makes the manager catch up with the catalog now (after a collection
// or source was created, dropped, suspended or resumed): when it returns, a
// suspended source has stopped (its last batch committed whole or not at
// all) and a new or resumed one has started.
func (m *Manager) Sync() { m.reconcile() }

// StopCollection stops the sources of a collection and waits for them, so
// nothing writes to it while it is dropped.
func (m *Manager) StopCollection(colID uint64) {
	m.mu.Lock()
	var stop []*running
	for id, r := range m.jobs {
		if r.colID == colID {
			stop = append(stop, r)
			delete(m.jobs, id)
			delete(m.statuses, id)
		}
	}
	m.mu.Unlock()
	for _, r := range stop {
		r.cancel()
		<-r.done
	}
}

// Close stops every source and waits for them.
func (m *Manager) Close() {
	select {
	case <-m.quit:
		return
	default:
	}
	close(m.quit)
	<-m.done
	m.mu.Lock()
	jobs := m.jobs
	m.jobs = map[string]*running{}
	m.mu.Unlock()
	for _, r := range jobs {
		r.cancel()
	}
	for _, r := range jobs {
		<-r.done
	}
}

func (m *Manager) loop() {
	defer close(m.done)
	t := time.NewTicker(2 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-m.quit:
			return
		case <-t.C:
		}
		m.reconcile()
	}
}

// reconcile starts the sources that should run and stops the others.
// Reconciles run one at a time, so a source is never started twice.
func (m *Manager) reconcile() {
	m.reconcileMu.Lock()
	defer m.reconcileMu.Unlock()
	want := map[string]bool{}
	for _, col := range m.eng.Catalog().Collections("") {
		for _, src := range col.Sources {
			m.mu.Lock()
			box := m.statuses[src.ID]
			if box == nil {
				box = &statusBox{}
				m.statuses[src.ID] = box
			}
			_, isRunning := m.jobs[src.ID]
			m.mu.Unlock()
			if src.Suspended() {
				box.update(func(s *Status) { s.setState(StateSuspended, "", time.Now()) })
				continue
			}
			want[src.ID] = true
			if !isRunning {
				m.startJob(col, src, box)
			}
		}
	}
	m.mu.Lock()
	var stop []*running
	for id, r := range m.jobs {
		if !want[id] {
			stop = append(stop, r)
			delete(m.jobs, id)
		}
	}
	m.mu.Unlock()
	for _, r := range stop {
		r.cancel()
		<-r.done
	}
}

func (m *Manager) startJob(col catalog.Collection, src catalog.Source, box *statusBox) {
	// The source's kind picks the connector; a file source reads the
	// server's own files and has no integration.
	kind := src.Kind()
	var in catalog.Integration
	if kind != catalog.KindFile {
		var err error
		if in, err = m.eng.Catalog().Integration(src.IntegrationName); err != nil {
			box.update(func(s *Status) { s.setState(StateError, err.Error(), time.Now()) })
			return
		}
		if in.Kind() != kind {
			box.update(func(s *Status) {
				s.setState(StateError, fmt.Sprintf("a %s source cannot use %s integration %q", kind, in.Kind(), in.Name), time.Now())
			})
			return
		}
	}
	conn := m.cfg.Connectors[kind]
	if conn == nil {
		box.update(func(s *Status) { s.setState(StateError, "no connector for "+kind+" sources", time.Now()) })
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{colID: col.ID, cancel: cancel, done: make(chan struct{})}
	j := &Job{
		Collection: col, Source: src, Integration: in, m: m, status: box,
		Log: m.log.With("workspace", col.Workspace, "collection", col.Name, "source", src.ID),
	}
	box.update(func(s *Status) {
		if s.State != StateError {
			s.setState(StateInitializing, "", time.Now())
		}
	})
	m.mu.Lock()
	m.jobs[src.ID] = r
	m.mu.Unlock()
	go m.run(ctx, j, conn, r)
}

// run runs a connector until ctx ends, restarting it with backoff.
func (m *Manager) run(ctx context.Context, j *Job, conn Connector, r *running) {
	defer close(r.done)
	backoff := m.cfg.MinBackoff
	for {
		start := time.Now()
		// Records a crash left pending go to _meta.bad before the
		// connector writes again.
		err := j.keepPending(ctx)
		if err == nil {
			err = conn(ctx, j)
		}
		if ctx.Err() != nil {
			return
		}
		if errors.Is(err, ErrCollectionGone) {
			j.Log.Info("source stopped: its collection was dropped")
			return
		}
		if err == nil {
			err = errors.New("connector stopped without an error")
		}
		j.SetState(StateError, err.Error())
		j.Log.Warn("source failed; restarting", "err", err, "backoff", backoff)
		if time.Since(start) > time.Minute {
			backoff = m.cfg.MinBackoff
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, m.cfg.MaxBackoff)
	}
}

// Status returns a source's status, and false when the manager does not
// know the source.
func (m *Manager) Status(sourceID string) (Status, bool) {
	m.mu.Lock()
	box := m.statuses[sourceID]
	m.mu.Unlock()
	if box == nil {
		return Status{}, false
	}
	return box.get(), true
}
