package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/basaltdb/basalt/auth"
	"github.com/basaltdb/basalt/catalog"
	"github.com/basaltdb/basalt/ingest"
	"github.com/basaltdb/basalt/ingest/filesource"
	"github.com/basaltdb/basalt/ingest/kafka"
	"github.com/basaltdb/basalt/ingest/transform"
	"github.com/basaltdb/basalt/server/httpapi"
	"github.com/basaltdb/basalt/server/pgwire"
	"github.com/basaltdb/basalt/sql"
	"github.com/basaltdb/basalt/storage"
	"github.com/basaltdb/basalt/types"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Config configures a node.
type Config struct {
	DataDir  string
	HTTPAddr string
	// PGAddr is where the PostgreSQL wire protocol listens.
	PGAddr string
	// TLSCert and TLSKey (PEM files), when both set, let PostgreSQL clients
	// switch to TLS (sslmode=require).
	TLSCert, TLSKey string
	// PGAuth authenticates PostgreSQL connections; nil trusts loopback
	// clients and refuses others (see pgwire.Config.Auth).
	PGAuth       pgwire.Authenticator
	Logger       *slog.Logger
	Limits       types.Limits
	MaxBodyBytes int64
	// Pprof serves Go's profiler under /debug/pprof/ on the HTTP address.
	Pprof bool
	// Auth turns authentication on (API keys on both protocols). It is on
	// anyway when HTTPAddr or PGAddr is not a loopback address.
	Auth bool
	// AdminKey (BASALT_ADMIN_KEY) is the first admin key when
	// authentication is on; empty, one is generated on first start into
	// DATA_DIR/admin.key (mode 0600).
	AdminKey string
	// Storage overrides engine options (Dir, FS, Logger and Registerer are
	// set by the server).
	Storage storage.Options
	// JoinCacheBytes bounds the memory of the hash join build sides kept
	// between queries, for the whole process: 0 leaves it (256 MiB unless
	// set before), negative keeps none.
	JoinCacheBytes int64
	// QueryMemoryBytes is each statement's operator memory budget, on
	// both protocols (SQLSTATE 53200 past it); 0: 2 GiB.
	QueryMemoryBytes int64
}

// EnsureDefaults fills zero fields.
func (c *Config) EnsureDefaults() {
	if c.DataDir == "" {
		c.DataDir = "./basalt-data"
	}
	if c.HTTPAddr == "" {
		c.HTTPAddr = "127.0.0.1:3030"
	}
	if c.PGAddr == "" {
		c.PGAddr = "127.0.0.1:5433"
		if strings.HasSuffix(c.HTTPAddr, ":0") {
			// A caller that asks for any free HTTP port (tests) gets any
			// free PostgreSQL port too, so that servers can run side by side.
			c.PGAddr = "127.0.0.1:0"
		}
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = 64 << 20
	}
	if c.QueryMemoryBytes <= 0 {
		c.QueryMemoryBytes = DefaultQueryMemoryBytes
	}
}

// DefaultQueryMemoryBytes is a statement's default operator memory budget.
const DefaultQueryMemoryBytes = 2 << 30

// Server is a running node.
type Server struct {
	cfg     Config
	log     *slog.Logger
	engine  *storage.Engine
	httpLn  net.Listener
	httpSrv *http.Server
	api     *httpapi.API
	pgLn    net.Listener
	pg      *pgwire.Server
	keys    *auth.Store
	sources *ingest.Manager
	// transforms is the field mapping query cache shared by the ingest
	// paths.
	transforms *transform.Cache
	registry   *prometheus.Registry
	served     chan error
}

// Start opens the engine and starts listening. It returns once the node is
// serving.
func Start(cfg Config) (*Server, error) {
	cfg.EnsureDefaults()
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	reg.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "basalt_sql_plan_cache_hits_total",
			Help: "SELECT statements that reused a cached plan."},
			func() float64 { h, _ := sql.PlanCacheStats(); return float64(h) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "basalt_sql_plan_cache_misses_total",
			Help: "SELECT statements planned afresh (not counting volatile ones and EXPLAIN)."},
			func() float64 { _, m := sql.PlanCacheStats(); return float64(m) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "basalt_sql_join_builds_reused_total",
			Help: "Hash join build sides reused whole, their collection unchanged since they were built."},
			func() float64 { h, _, _, _ := sql.JoinBuildCacheStats(); return float64(h) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "basalt_sql_join_build_segments_reused_total",
			Help: "Sealed segments whose rows a hash join build took from the build cache instead of reading them."},
			func() float64 { _, h, _, _ := sql.JoinBuildCacheStats(); return float64(h) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "basalt_sql_join_builds_kept_total",
			Help: "Hash join build sides kept in the build cache."},
			func() float64 { _, _, k, _ := sql.JoinBuildCacheStats(); return float64(k) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "basalt_sql_join_build_cache_bytes",
			Help: "Memory held by the hash join build cache (bounded by --join-cache-bytes)."},
			func() float64 { _, _, _, b := sql.JoinBuildCacheStats(); return float64(b) }))
	if cfg.JoinCacheBytes != 0 {
		sql.SetJoinBuildCacheBytes(max(0, cfg.JoinCacheBytes))
	}
	sopts := cfg.Storage
	sopts.Dir = cfg.DataDir
	sopts.Logger = cfg.Logger
	sopts.Registerer = reg
	sopts.Limits = cfg.Limits
	eng, err := storage.Open(sopts)
	if err != nil {
		return nil, err
	}
	keys, authMode, err := openAuth(cfg, eng, cfg.Logger)
	if err != nil {
		eng.Close()
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		eng.Close()
		return nil, fmt.Errorf("listen on %s: %w", cfg.HTTPAddr, err)
	}
	var tlsCfg *tls.Config
	if cfg.TLSCert != "" || cfg.TLSKey != "" {
		cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
		if err != nil {
			ln.Close()
			eng.Close()
			return nil, fmt.Errorf("load TLS certificate: %w", err)
		}
		tlsCfg = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	pgLn, err := net.Listen("tcp", cfg.PGAddr)
	if err != nil {
		ln.Close()
		eng.Close()
		return nil, fmt.Errorf("listen on %s: %w", cfg.PGAddr, err)
	}
	if cfg.PGAuth == nil && keys.Required() {
		cfg.PGAuth = newKeyAuthenticator(keys, tlsCfg)
	}
	// One cache of compiled field mapping queries for every ingest path
	// (HTTP writes, SQL INSERT and COPY, sources): a collection's query is
	// compiled once, and all paths see the same entry.
	transforms := transform.NewCache()
	sources := ingest.New(ingest.Config{
		Engine: eng, Logger: cfg.Logger, Registerer: reg, Transforms: transforms,
		Connectors: map[string]ingest.Connector{
			catalog.KindKafka: kafka.Connector(kafka.Options{}),
			catalog.KindS3:    filesource.Connector(filesource.Options{}),
			catalog.KindFile:  filesource.Connector(filesource.Options{}),
		},
	})
	api := httpapi.New(httpapi.Config{Engine: eng, Logger: cfg.Logger, MaxBodyBytes: cfg.MaxBodyBytes, QueryMemoryBytes: cfg.QueryMemoryBytes, Gatherer: reg, Registerer: reg, Pprof: cfg.Pprof, Keys: keys, Sources: sources, Transforms: transforms})
	s := &Server{
		cfg:        cfg,
		log:        cfg.Logger,
		engine:     eng,
		httpLn:     ln,
		registry:   reg,
		keys:       keys,
		sources:    sources,
		transforms: transforms,
		api:        api,
		served:     make(chan error, 2),
		pgLn:       pgLn,
		pg:         pgwire.New(pgwire.Config{Engine: eng, Logger: cfg.Logger, TLS: tlsCfg, Auth: cfg.PGAuth, Transformer: transforms, Limits: sql.Limits{MemoryBytes: cfg.QueryMemoryBytes}}),
		httpSrv: &http.Server{
			Handler:           api,
			ReadHeaderTimeout: 10 * time.Second,
			ErrorLog:          slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelWarn),
		},
	}
	sources.Start()
	go func() { s.served <- s.httpSrv.Serve(ln) }()
	go func() {
		if err := s.pg.Serve(pgLn); !errors.Is(err, pgwire.ErrServerClosed) {
			s.served <- err
		}
	}()
	dir, _ := filepath.Abs(cfg.DataDir)
	s.log.Info("basalt is serving", "http", "http://"+ln.Addr().String(), "pg", "postgres://"+pgLn.Addr().String(), "tls", tlsCfg != nil, "data_dir", dir, "authentication", authMode)
	return s, nil
}

// HTTPAddr returns the address the HTTP API listens on.
func (s *Server) HTTPAddr() string { return s.httpLn.Addr().String() }

// PGAddr returns the address the PostgreSQL protocol listens on.
func (s *Server) PGAddr() string { return s.pgLn.Addr().String() }

// Engine returns the storage engine.
func (s *Server) Engine() *storage.Engine { return s.engine }

// Keys returns the API key store.
func (s *Server) Keys() *auth.Store { return s.keys }

// Wait blocks until ctx ends or the HTTP server fails, then shuts down.
func (s *Server) Wait(ctx context.Context) error {
	var err error
	select {
	case <-ctx.Done():
	case err = <-s.served:
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
	}
	if serr := s.Shutdown(); serr != nil && err == nil {
		err = serr
	}
	return err
}

// Shutdown stops accepting requests, lets in-flight ones finish (up to 30 s),
// cancels the queries still running (asynchronous ones, or synchronous ones
// past the grace period) and waits for them, then closes the engine.
func (s *Server) Shutdown() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	herr := s.httpSrv.Shutdown(ctx)
	s.api.Close()
	// PostgreSQL sessions are long-lived: their statements are cancelled
	// and the clients told 57P01, as PostgreSQL's fast shutdown does.
	_ = s.pg.Close()
	// Sources stop before the engine: a batch in flight commits whole
	// (documents and offsets) or not at all.
	s.sources.Close()
	eerr := s.engine.Close()
	if herr != nil && !errors.Is(herr, http.ErrServerClosed) {
		return herr
	}
	if eerr == nil {
		s.log.Info("basalt stopped cleanly")
	}
	return eerr
}
