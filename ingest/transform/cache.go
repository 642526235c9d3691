package transform

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/basaltdb/basalt/catalog"
	"github.com/basaltdb/basalt/storage"
	"github.com/basaltdb/basalt/types"
)

// Cache holds the compiled transformation of each collection, so that
// every ingest path (the HTTP write API, SQL INSERT and COPY over the
// PostgreSQL protocol, Kafka and file sources) compiles a collection's
// field mapping query once: a server builds one and hands it to all of
// them. Safe for concurrent use.
//
// Entries are keyed by collection ID and checked against the query text.
// Collection IDs are never reused and a collection's query is fixed at
// creation, so a collection dropped and created again under the same name
// gets an entry of its own, compiled from its own query, on every path at
// once; Forget only frees the memory of a dropped collection's entry.
type Cache struct {
	mu sync.Mutex
	m  map[uint64]*cached
	// compiles counts compilations, for tests and metrics: once per
	// collection (and per query text) when the paths share the cache.
	compiles atomic.Int64
}

// cached is one collection's entry. Concurrent first uses of a collection
// (a source's first batch racing an HTTP write) wait for one compilation
// rather than each compiling.
type cached struct {
	sql  string
	once sync.Once
	t    *Transform
	err  error
}

// NewCache returns an empty cache.
func NewCache() *Cache { return &Cache{m: map[uint64]*cached{}} }

// ForCollection returns col's transformation, or nil when it has none.
func (c *Cache) ForCollection(col catalog.Collection) (*Transform, error) {
	if col.FieldMappingQuery == "" {
		return nil, nil
	}
	c.mu.Lock()
	e, ok := c.m[col.ID]
	if !ok || e.sql != col.FieldMappingQuery {
		e = &cached{sql: col.FieldMappingQuery}
		c.m[col.ID] = e
	}
	c.mu.Unlock()
	e.once.Do(func() {
		c.compiles.Add(1)
		e.t, e.err = Compile(e.sql)
	})
	return e.t, e.err
}

// Compiles returns how many times the cache compiled a query.
func (c *Cache) Compiles() int64 { return c.compiles.Load() }

// Forget drops a collection's entry (when it is dropped).
func (c *Cache) Forget(id uint64) {
	c.mu.Lock()
	delete(c.m, id)
	c.mu.Unlock()
}

// Transform applies col's transformation to docs (sql.Transformer: SQL
// INSERT and COPY into a collection with a field_mapping_query). of[i] is
// the index in ops of input i's operation, or -1 when WHERE dropped it.
func (c *Cache) Transform(ctx context.Context, col catalog.Collection, docs []types.Value) (ops []storage.WriteOp, of []int, err error) {
	t, err := c.ForCollection(col)
	if err != nil {
		return nil, nil, err
	}
	if t == nil {
		ops = make([]storage.WriteOp, len(docs))
		of = make([]int, len(docs))
		for i, d := range docs {
			kind, err := storage.OpFromDocument(d)
			ops[i], of[i] = storage.WriteOp{Kind: kind, Doc: d, Err: err}, i
		}
		return ops, of, nil
	}
	b := t.Apply(ctx, docs)
	return b.Ops, b.Docs, nil
}
