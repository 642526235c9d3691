package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"github.com/basaltdb/basalt/server/httpapi"
	"github.com/basaltdb/basalt/storage"
	"github.com/basaltdb/basalt/types"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Config configures a node.
type Config struct {
	DataDir  string
	HTTPAddr string
	// PGAddr is reserved for the PostgreSQL wire protocol (not served yet).
	PGAddr       string
	Logger       *slog.Logger
	Limits       types.Limits
	MaxBodyBytes int64
	// Pprof serves Go's profiler under /debug/pprof/ on the HTTP address.
	Pprof bool
	// Storage overrides engine options (Dir, FS, Logger and Registerer are
	// set by the server).
	Storage storage.Options
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
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = 64 << 20
	}
}

// Server is a running node.
type Server struct {
	cfg      Config
	log      *slog.Logger
	engine   *storage.Engine
	httpLn   net.Listener
	httpSrv  *http.Server
	api      *httpapi.API
	registry *prometheus.Registry
	served   chan error
}

// Start opens the engine and starts listening. It returns once the node is
// serving.
func Start(cfg Config) (*Server, error) {
	cfg.EnsureDefaults()
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	sopts := cfg.Storage
	sopts.Dir = cfg.DataDir
	sopts.Logger = cfg.Logger
	sopts.Registerer = reg
	sopts.Limits = cfg.Limits
	eng, err := storage.Open(sopts)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		eng.Close()
		return nil, fmt.Errorf("listen on %s: %w", cfg.HTTPAddr, err)
	}
	api := httpapi.New(httpapi.Config{Engine: eng, Logger: cfg.Logger, MaxBodyBytes: cfg.MaxBodyBytes, Gatherer: reg, Registerer: reg, Pprof: cfg.Pprof})
	s := &Server{
		cfg:      cfg,
		log:      cfg.Logger,
		engine:   eng,
		httpLn:   ln,
		registry: reg,
		api:      api,
		served:   make(chan error, 1),
		httpSrv: &http.Server{
			Handler:           api,
			ReadHeaderTimeout: 10 * time.Second,
			ErrorLog:          slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelWarn),
		},
	}
	go func() { s.served <- s.httpSrv.Serve(ln) }()
	dir, _ := filepath.Abs(cfg.DataDir)
	s.log.Info("basalt is serving", "http", "http://"+ln.Addr().String(), "pg", cfg.PGAddr+" (reserved: the PostgreSQL protocol is not served yet)", "data_dir", dir)
	return s, nil
}

// HTTPAddr returns the address the HTTP API listens on.
func (s *Server) HTTPAddr() string { return s.httpLn.Addr().String() }

// Engine returns the storage engine.
func (s *Server) Engine() *storage.Engine { return s.engine }

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
	eerr := s.engine.Close()
	if herr != nil && !errors.Is(herr, http.ErrServerClosed) {
		return herr
	}
	if eerr == nil {
		s.log.Info("basalt stopped cleanly")
	}
	return eerr
}
