package transform

import (
	"context"
	"sync"

	"github.com/basaltdb/basalt/catalog"
	"github.com/basaltdb/basalt/storage"
	"github.com/basaltdb/basalt/types"
)

// Cache holds the compiled transformation of each collection, so that
// every ingest path (the HTTP write API, Kafka and other sources) compiles
// a collection's field mapping query once. Safe for concurrent use.
type Cache struct {
	mu sync.Mutex
	m  map[uint64]cached
}

type cached struct {
	sql string
	t   *Transform
}

// NewCache returns an empty cache.
func NewCache() *Cache { return &Cache{m: map[uint64]cached{}} }

// ForCollection returns col's transformation, or nil when it has none.
// Collection IDs are never reused, and a cached entry is only used for the
// same query text, so a dropped and recreated collection gets its own.
func (c *Cache) ForCollection(col catalog.Collection) (*Transform, error) {
	if col.FieldMappingQuery == "" {
		return nil, nil
	}
	c.mu.Lock()
	e, ok := c.m[col.ID]
	c.mu.Unlock()
	if ok && e.sql == col.FieldMappingQuery {
		return e.t, nil
	}
	t, err := Compile(col.FieldMappingQuery)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.m[col.ID] = cached{sql: col.FieldMappingQuery, t: t}
	c.mu.Unlock()
	return t, nil
}

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
