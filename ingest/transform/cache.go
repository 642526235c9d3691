package transform

import (
	"sync"

	"github.com/basaltdb/basalt/catalog"
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
