package httpapi

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/basaltdb/basalt/auth"
	"github.com/basaltdb/basalt/ingest/transform"
	"github.com/basaltdb/basalt/storage"
	"github.com/basaltdb/basalt/types"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Config configures the API.
type Config struct {
	Engine *storage.Engine
	Logger *slog.Logger
	// MaxBodyBytes bounds a request body. Default 64 MiB.
	MaxBodyBytes int64
	// Gatherer serves /metrics (nil: no metrics endpoint).
	Gatherer prometheus.Gatherer
	// Registerer receives the API's own metrics.
	Registerer prometheus.Registerer
	// Pprof serves Go's profiler under /debug/pprof/ (to admin keys only
	// when authentication is on).
	Pprof bool
	// Keys authenticates requests when Keys.Required(), and backs the API
	// key endpoints. Nil: every caller is auth.Superuser, and the key
	// endpoints answer NOTIMPLEMENTEDYET.
	Keys *auth.Store

	// MaxRunningQueries bounds the queries executing at once; more wait
	// in QUEUED. Default 4 per core: a query runs on one goroutine.
	MaxRunningQueries int
	// MaxQueuedQueries bounds the queries waiting for a slot; beyond it
	// a query is refused with RESOURCEEXCEEDED (429). Default 1024.
	MaxQueuedQueries int
	// QueryResultTTL is how long the results of an asynchronous or
	// paginated query stay available. Default 30 minutes, as Rockset.
	QueryResultTTL time.Duration
	// MaxKeptQueryResults bounds the finished queries whose results are
	// kept; the oldest are evicted first. Default 256.
	MaxKeptQueryResults int
	// QueryMemoryBytes is each query's operator memory budget. Default
	// 2 GiB.
	QueryMemoryBytes int64
	// Sources runs collection sources (nil: sources are accepted and
	// shown, but nothing consumes them).
	Sources Sources
	// Transforms compiles the collections' field mapping queries; a
	// server shares one with its other ingest paths (nil: the API makes
	// its own).
	Transforms *transform.Cache
}

// EnsureDefaults fills unset fields.
func (c *Config) EnsureDefaults() {
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = 64 << 20
	}
	if c.Transforms == nil {
		c.Transforms = transform.NewCache()
	}
	if c.MaxRunningQueries <= 0 {
		c.MaxRunningQueries = 4 * runtime.GOMAXPROCS(0)
	}
	if c.MaxQueuedQueries <= 0 {
		c.MaxQueuedQueries = 1024
	}
	if c.QueryResultTTL <= 0 {
		c.QueryResultTTL = 30 * time.Minute
	}
	if c.MaxKeptQueryResults <= 0 {
		c.MaxKeptQueryResults = 256
	}
	if c.QueryMemoryBytes <= 0 {
		c.QueryMemoryBytes = 2 << 30
	}
}

// API serves the HTTP API.
type API struct {
	cfg     Config
	eng     *storage.Engine
	log     *slog.Logger
	limits  types.Limits
	mux     *http.ServeMux
	metrics *apiMetrics
	// decoders pools JSON decoders with their value memory.
	decoders sync.Pool
	// decoding counts the requests decoding their documents: one in two
	// halves needs a core no other is decoding on.
	decoding atomic.Int64
	queries  *queryRegistry
	// lambdaStats records query lambda executions (lambdas.go).
	lambdaStats lambdaStats
	// transforms caches the compiled field mapping query of each
	// collection (transform.go).
	transforms *transform.Cache
}

type apiMetrics struct {
	requests *prometheus.CounterVec
	seconds  *prometheus.HistogramVec
}

// New returns the API handler.
func New(cfg Config) *API {
	cfg.EnsureDefaults()
	a := &API{cfg: cfg, eng: cfg.Engine, log: cfg.Logger, limits: cfg.Engine.Limits(), mux: http.NewServeMux(), transforms: cfg.Transforms}
	a.queries = newQueryRegistry(cfg)
	a.queries.transformer = a.transforms
	a.metrics = &apiMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "basalt_http_requests_total", Help: "HTTP API requests by route and status."}, []string{"route", "code"}),
		seconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "basalt_http_request_seconds", Help: "HTTP API request latency by route.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16)}, []string{"route"}),
	}
	if cfg.Registerer != nil {
		cfg.Registerer.MustRegister(a.metrics.requests, a.metrics.seconds)
	}
	a.routes()
	return a
}

// methods maps an HTTP method to its handler for one path pattern.
type methods map[string]http.HandlerFunc

// handle registers a path pattern; a method it lacks gets a JSON 405.
func (a *API) handle(pattern string, ms methods) {
	allowed := make([]string, 0, len(ms))
	for m := range ms {
		allowed = append(allowed, m)
	}
	sort.Strings(allowed)
	a.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		h, ok := ms[r.Method]
		r, aerr := a.authenticate(r)
		switch {
		case aerr != nil && pattern != "/healthz" && pattern != "/readyz":
			writeError(sw, aerr)
		case !ok:
			w.Header().Set("Allow", strings.Join(allowed, ", "))
			writeError(sw, apiError(ErrMethodNotAllowed, "method "+r.Method+" is not allowed on "+r.URL.Path+"; allowed: "+strings.Join(allowed, ", ")))
		default:
			if aerr := authorize(pattern, r); aerr != nil {
				writeError(sw, aerr)
			} else {
				h(sw, r)
			}
		}
		a.metrics.requests.WithLabelValues(pattern, strconv.Itoa(sw.code)).Inc()
		a.metrics.seconds.WithLabelValues(pattern).Observe(time.Since(start).Seconds())
	})
}

func (a *API) routes() {
	a.handle("/v1/orgs/self/ws", methods{"GET": a.listWorkspaces, "POST": a.createWorkspace})
	a.handle("/v1/orgs/self/ws/{ws}", methods{"GET": a.getWorkspace, "DELETE": a.deleteWorkspace})
	a.handle("/v1/orgs/self/collections", methods{"GET": a.listAllCollections})
	a.handle("/v1/orgs/self/ws/{ws}/collections", methods{"GET": a.listCollections, "POST": a.createCollection})
	a.handle("/v1/orgs/self/ws/{ws}/collections/{coll}", methods{"GET": a.getCollection, "DELETE": a.deleteCollection, "PUT": a.updateCollection})
	a.handle("/v1/orgs/self/ws/{ws}/collections/{coll}/offsets/commit", methods{"POST": a.collectionOffsets})
	a.handle("/v1/orgs/self/ws/{ws}/collections/{coll}/docs", methods{"POST": a.addDocuments, "PATCH": a.patchDocuments, "DELETE": a.deleteDocuments})
	a.handle("/v1/orgs/self/queries", methods{"GET": a.listQueries, "POST": a.runQuery})
	a.handle("/v1/orgs/self/queries/{queryId}", methods{"GET": a.getQuery, "DELETE": a.cancelQuery})
	a.handle("/v1/orgs/self/queries/{queryId}/pages", methods{"GET": a.queryPages})
	// The cursor as a path segment is the older spelling in Rockset's
	// pagination guide.
	a.handle("/v1/orgs/self/queries/{queryId}/pages/{cursor}", methods{"GET": a.queryPages})
	a.handle("/v1/orgs/self/queries/validations", methods{"POST": a.validateQuery})
	a.handle("/v1/orgs/self/integrations", methods{"GET": a.listIntegrations, "POST": a.createIntegration})
	a.handle("/v1/orgs/self/integrations/{integration}", methods{"GET": a.getIntegration, "DELETE": a.deleteIntegration})
	a.handle("/v1/orgs/self/ws/{ws}/collections/{coll}/sources", methods{"GET": a.listSources})
	a.handle("/v1/orgs/self/ws/{ws}/collections/{coll}/sources/{source}", methods{"GET": a.getSource})
	a.handle("/v1/orgs/self/ws/{ws}/collections/{coll}/sources/{source}/suspend", methods{"POST": a.suspendSource})
	a.handle("/v1/orgs/self/ws/{ws}/collections/{coll}/sources/{source}/resume", methods{"POST": a.resumeSource})
	a.lambdaRoutes()
	a.apiKeyRoutes()
	a.handle("/healthz", methods{"GET": a.health})
	a.handle("/readyz", methods{"GET": a.health})
	if a.cfg.Pprof {
		a.mux.HandleFunc("/debug/pprof/", a.adminOnly(pprof.Index))
		a.mux.HandleFunc("/debug/pprof/profile", a.adminOnly(pprof.Profile))
		a.mux.HandleFunc("/debug/pprof/trace", a.adminOnly(pprof.Trace))
		a.mux.HandleFunc("/debug/pprof/symbol", a.adminOnly(pprof.Symbol))
	}
	if a.cfg.Gatherer != nil {
		a.mux.Handle("/metrics", promhttp.HandlerFor(a.cfg.Gatherer, promhttp.HandlerOpts{}))
	}
	a.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if _, aerr := a.authenticate(r); aerr != nil {
			writeError(w, aerr)
			return
		}
		writeError(w, apiError(ErrNotFound, "no such endpoint: "+r.Method+" "+r.URL.Path))
	})
}

// Close cancels the queries still queued or running and waits for them to
// stop. Call it after the HTTP server has shut down and before the engine
// closes.
func (a *API) Close() { a.queries.Close() }

// ServeHTTP implements http.Handler.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			a.log.Error("panic in HTTP handler", "path", r.URL.Path, "panic", p)
			writeError(w, apiError(ErrInternal, "internal error"))
		}
	}()
	a.mux.ServeHTTP(w, r)
}

func (a *API) health(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (s *statusWriter) WriteHeader(code int) {
	s.code = code
	s.ResponseWriter.WriteHeader(code)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeError(w, apiError(ErrInternal, "encode response: "+err.Error()))
		return
	}
	writeRaw(w, status, b)
}

func writeRaw(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)+1))
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// errorBody is Rockset's ErrorModel.
type errorBody struct {
	Message string    `json:"message"`
	Type    ErrorType `json:"type"`
	Line    *int      `json:"line"`
	Column  *int      `json:"column"`
	TraceID string    `json:"trace_id,omitempty"`
}

func writeError(w http.ResponseWriter, e *APIError) {
	status, ok := statusOf[e.Type]
	if !ok {
		status = http.StatusInternalServerError
	}
	if e.Type == ErrAuth {
		w.Header().Set("WWW-Authenticate", `ApiKey realm="basalt"`)
	}
	body := errorBody{Message: e.Message, Type: e.Type}
	if e.Line > 0 {
		body.Line, body.Column = &e.Line, &e.Column
	}
	writeJSON(w, status, body)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }
