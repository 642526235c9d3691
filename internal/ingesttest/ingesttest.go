// Package ingesttest runs ingest connectors against a real engine in
// tests: a node (storage engine plus ingest manager) that a test closes
// and reopens on the same directory to simulate restarts, and the queries
// connector tests check their collections with.
package ingesttest

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/basaltdb/basalt/catalog"
	"github.com/basaltdb/basalt/ingest"
	"github.com/basaltdb/basalt/sql"
	"github.com/basaltdb/basalt/storage"
	"github.com/basaltdb/basalt/types"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/prometheus/client_golang/prometheus"
)

// Node is an engine with an ingest manager running some connectors.
type Node struct {
	T   testing.TB
	Eng *storage.Engine
	Mgr *ingest.Manager
}

// Open opens the engine in dir and starts the manager with connectors
// (by source kind), with short backoffs.
func Open(t testing.TB, dir string, connectors map[string]ingest.Connector) *Node {
	t.Helper()
	return OpenWith(t, dir, connectors, Options{})
}

// Options are what OpenWith changes of Open's node.
type Options struct {
	// FS is the engine's file system (nil: the operating system's): a test
	// can make the disk slow or failing under the collections.
	FS vfs.FS
	// Registerer receives the engine's and the manager's metrics.
	Registerer prometheus.Registerer
	// Logger is the manager's (nil: discarded).
	Logger *slog.Logger
}

// OpenWith is Open with options.
func OpenWith(t testing.TB, dir string, connectors map[string]ingest.Connector, opts Options) *Node {
	t.Helper()
	eng, err := storage.Open(storage.Options{Dir: dir, FS: opts.FS, Logger: slog.New(slog.DiscardHandler), Registerer: opts.Registerer})
	if err != nil {
		t.Fatal(err)
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	mgr := ingest.New(ingest.Config{
		Engine: eng, Logger: opts.Logger, Connectors: connectors, Registerer: opts.Registerer,
		MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond,
	})
	mgr.Start()
	return &Node{T: t, Eng: eng, Mgr: mgr}
}

// Close stops the sources, then the engine.
func (n *Node) Close() {
	n.Mgr.Close()
	if err := n.Eng.Close(); err != nil {
		n.T.Fatal(err)
	}
}

// CreateCollection creates commons.coll with one source (and a field
// mapping query when query is not empty) and starts its source.
func (n *Node) CreateCollection(coll string, src catalog.Source, query string) catalog.Collection {
	n.T.Helper()
	col, err := n.Eng.CreateCollection("commons", catalog.CollectionSpec{Name: coll, Sources: []catalog.Source{src}, FieldMappingQuery: query})
	if err != nil {
		n.T.Fatal(err)
	}
	n.Mgr.Sync()
	return col
}

// Query runs q.
func (n *Node) Query(q string) [][]types.Value {
	n.T.Helper()
	res, err := sql.NewSession(n.Eng, sql.Limits{}).Query(context.Background(), q, sql.Params{})
	if err != nil {
		n.T.Fatalf("%s: %v", q, err)
	}
	return res.Rows
}

// Count returns the documents of commons.coll and the sum of their "v"
// (0 and 0 when the collection does not exist yet).
func (n *Node) Count(coll string) (docs, sum int64) {
	n.T.Helper()
	res, err := sql.NewSession(n.Eng, sql.Limits{}).Query(context.Background(), "SELECT count(*), coalesce(sum(v), 0) FROM "+coll, sql.Params{})
	if err != nil {
		if strings.Contains(err.Error(), "does not exist") {
			return 0, 0
		}
		n.T.Fatal(err)
	}
	return res.Rows[0][0].Int(), res.Rows[0][1].Int()
}

// Status returns the status of the first source of commons.coll.
func (n *Node) Status(coll string) ingest.Status {
	n.T.Helper()
	col, err := n.Eng.Catalog().Collection("commons", coll)
	if err != nil {
		n.T.Fatal(err)
	}
	st, _ := n.Mgr.Status(col.Sources[0].ID)
	return st
}

// BadRows returns the records of commons.coll's sources kept in the error
// collection, by position: position, error and record (none while
// _meta.bad does not exist).
func (n *Node) BadRows(coll string) [][]types.Value {
	n.T.Helper()
	q := "SELECT position, error, record FROM _meta.bad WHERE workspace = 'commons' AND collection = $1 ORDER BY position"
	res, err := sql.NewSession(n.Eng, sql.Limits{}).Query(context.Background(), q, sql.Params{Positional: []types.Value{types.String(coll)}})
	if err != nil {
		if strings.Contains(err.Error(), "does not exist") {
			return nil
		}
		n.T.Fatal(err)
	}
	return res.Rows
}

// WaitFor polls cond until it holds, failing the test after timeout.
func WaitFor(t testing.TB, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// RowsText renders rows one per line, values separated by spaces.
func RowsText(rows [][]types.Value) string {
	var b strings.Builder
	for _, r := range rows {
		for i, v := range r {
			if i > 0 {
				b.WriteString(" ")
			}
			b.WriteString(v.String())
		}
		b.WriteString("\n")
	}
	return b.String()
}
