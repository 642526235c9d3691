package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"

	"github.com/basaltdb/basalt/internal/heaptarget"
	"github.com/basaltdb/basalt/server"
	"github.com/basaltdb/basalt/types"
	"github.com/spf13/cobra"
)

func serveCmd() *cobra.Command {
	var cfg server.Config
	var logLevel, logFormat string
	var sealRows int
	var sealAge time.Duration
	var joinCache, heapTarget int64
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run a Basalt server on its embedded storage",
		RunE: func(cmd *cobra.Command, _ []string) error {
			logger, err := newLogger(logLevel, logFormat)
			if err != nil {
				return err
			}
			cfg.Logger = logger
			cfg.AdminKey = os.Getenv("BASALT_ADMIN_KEY")
			cfg.Storage.SealRows = sealRows
			cfg.Storage.SealAge = sealAge
			if cfg.JoinCacheBytes, err = joinCacheConfig(joinCache); err != nil {
				return err
			}
			if cfg.QueryMemoryBytes <= 0 {
				return fmt.Errorf("--query-memory-bytes %d: must be positive", cfg.QueryMemoryBytes)
			}
			if heapTarget < 0 {
				return fmt.Errorf("--heap-target %d: must not be negative (0 leaves the collector as it is)", heapTarget)
			}
			if !cfg.Pprof {
				// Nobody can read a heap profile without --pprof; sampling
				// one cost 0.7% of the CPU of ingest, which allocates
				// buffers of megabytes that are sampled every time.
				runtime.MemProfileRate = 0
			}
			ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			go heaptarget.Run(ctx, uint64(heapTarget), time.Second)
			s, err := server.Start(cfg)
			if err != nil {
				return err
			}
			return s.Wait(ctx)
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.DataDir, "data-dir", "./basalt-data", "directory that holds the data")
	f.StringVar(&cfg.HTTPAddr, "http-addr", "127.0.0.1:3030", "address of the HTTP API")
	f.StringVar(&cfg.PGAddr, "pg-addr", "127.0.0.1:5433", "address of the PostgreSQL wire protocol")
	f.StringVar(&cfg.TLSCert, "tls-cert", "", "TLS certificate (PEM) offered to PostgreSQL clients; needs --tls-key")
	f.StringVar(&cfg.TLSKey, "tls-key", "", "TLS private key (PEM) for --tls-cert")
	f.IntVar(&cfg.Limits.MaxDepth, "max-depth", types.DefaultLimits.MaxDepth, "deepest nesting of a document")
	f.IntVar(&cfg.Limits.MaxDocBytes, "max-doc-bytes", types.DefaultLimits.MaxDocBytes, "largest document, in bytes of JSON")
	f.Int64Var(&cfg.MaxBodyBytes, "max-body-bytes", 64<<20, "largest HTTP request body")
	f.IntVar(&sealRows, "seal-rows", 1<<16, "rows after which a mutable segment is sealed")
	f.DurationVar(&sealAge, "seal-age", 5*time.Minute, "age after which a mutable segment is sealed")
	f.Int64Var(&joinCache, "join-cache-bytes", 256<<20, "memory for hash join build sides kept between queries (0: keep none)")
	f.Int64Var(&cfg.QueryMemoryBytes, "query-memory-bytes", server.DefaultQueryMemoryBytes, "operator memory of one statement (HTTP and PostgreSQL); past it the statement fails with SQLSTATE 53200")
	f.Int64Var(&heapTarget, "heap-target", 3<<29, "Go heap size in bytes past which the garbage collector runs more often (down to GOGC=50) to stay under it; 0: off, as when $GOGC is set")
	f.BoolVar(&cfg.Pprof, "pprof", false, "serve Go's profiler under /debug/pprof/")
	f.BoolVar(&cfg.Auth, "auth", false, "require API keys even on loopback (always on when listening beyond it); the first admin key is $BASALT_ADMIN_KEY, or generated into DATA_DIR/admin.key")
	f.StringVar(&logLevel, "log-level", "info", "log level: debug, info, warn, error")
	f.StringVar(&logFormat, "log-format", "text", "log format: text or json")
	return cmd
}

// joinCacheConfig is server.Config.JoinCacheBytes for --join-cache-bytes:
// the flag's 0 keeps nothing, which the config says with a negative value
// (its 0 leaves the process's bound as it is). A negative flag is refused.
func joinCacheConfig(flag int64) (int64, error) {
	switch {
	case flag < 0:
		return 0, fmt.Errorf("--join-cache-bytes %d: must not be negative (0 keeps no join build sides)", flag)
	case flag == 0:
		return -1, nil
	}
	return flag, nil
}

func newLogger(level, format string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(os.Stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(os.Stderr, opts)), nil
	}
	return nil, fmt.Errorf("--log-format %q: want text or json", format)
}
