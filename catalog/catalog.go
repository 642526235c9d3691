package catalog

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/basaltdb/basalt/storage/kv"
	"github.com/cockroachdb/pebble/v2"
)

// Workspace is a namespace of collections (a SQL schema).
type Workspace struct {
	Name        string    `json:"name"`
	Description string    `json:"description,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
}

// Collection is a collection's catalog record.
type Collection struct {
	ID                  uint64         `json:"id"`
	Workspace           string         `json:"workspace"`
	Name                string         `json:"name"`
	Description         string         `json:"description,omitempty"`
	CreatedAt           time.Time      `json:"created_at"`
	RetentionSecs       int64          `json:"retention_secs,omitempty"`
	EventTimeInfo       *EventTimeInfo `json:"event_time_info,omitempty"`
	PartitionResolution time.Duration  `json:"partition_resolution"`
	Sources             []Source       `json:"sources,omitempty"`
	// FieldMappingQuery is the ingest transformation, fixed at creation
	// (ingest/transform validates it; the catalog only keeps it).
	FieldMappingQuery string `json:"field_mapping_query,omitempty"`
}

// Retention returns the retention period, or 0 for none.
func (c Collection) Retention() time.Duration { return time.Duration(c.RetentionSecs) * time.Second }

// Catalog caches the records and writes them through to the store.
type Catalog struct {
	db  *pebble.DB
	now func() time.Time

	mu           sync.RWMutex
	workspaces   map[string]Workspace
	collections  map[string]map[string]Collection // ws → name → record
	nextID       uint64
	lambdas      map[string]map[string]*lambda // ws → name → lambda (lambda.go)
	integrations map[string]Integration        // integration.go
}

// Open loads the catalog, creating the default workspace on first start.
func Open(db *pebble.DB, now func() time.Time) (*Catalog, error) {
	if now == nil {
		now = time.Now
	}
	c := &Catalog{db: db, now: now, workspaces: map[string]Workspace{}, collections: map[string]map[string]Collection{}, nextID: 1}
	start, end := kv.WorkspaceSpan()
	if err := kv.Scan(db, start, end, func(_, v []byte) error {
		var w Workspace
		if err := json.Unmarshal(v, &w); err != nil {
			return fmt.Errorf("decode workspace record: %w", err)
		}
		c.workspaces[w.Name] = w
		return nil
	}); err != nil {
		return nil, fmt.Errorf("load workspaces: %w", err)
	}
	start, end = kv.CollectionSpan()
	if err := kv.Scan(db, start, end, func(_, v []byte) error {
		var col Collection
		if err := json.Unmarshal(v, &col); err != nil {
			return fmt.Errorf("decode collection record: %w", err)
		}
		if c.collections[col.Workspace] == nil {
			c.collections[col.Workspace] = map[string]Collection{}
		}
		c.collections[col.Workspace][col.Name] = col
		return nil
	}); err != nil {
		return nil, fmt.Errorf("load collections: %w", err)
	}
	if v, ok, err := kv.Get(db, kv.NextCollectionIDKey()); err != nil {
		return nil, err
	} else if ok {
		id, ok := kv.Uvarint(v)
		if !ok {
			return nil, fmt.Errorf("corrupt next collection id")
		}
		c.nextID = id
	}
	if err := c.loadLambdas(); err != nil {
		return nil, err
	}
	if err := c.loadIntegrations(); err != nil {
		return nil, fmt.Errorf("load integrations: %w", err)
	}
	if _, ok := c.workspaces[DefaultWorkspace]; !ok {
		if _, err := c.CreateWorkspace(DefaultWorkspace, ""); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func (c *Catalog) commit(fn func(b *pebble.Batch) error) error {
	b := c.db.NewBatch()
	defer b.Close()
	if err := fn(b); err != nil {
		return err
	}
	return b.Commit(pebble.Sync)
}

// CreateWorkspace creates a workspace.
func (c *Catalog) CreateWorkspace(name, description string) (Workspace, error) {
	if err := CheckName("workspace", name); err != nil {
		return Workspace{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.workspaces[name]; ok {
		return Workspace{}, fmt.Errorf("%w: workspace %q", ErrAlreadyExists, name)
	}
	w := Workspace{Name: name, Description: description, CreatedAt: c.now().UTC().Truncate(time.Second)}
	rec, _ := json.Marshal(w)
	if err := c.commit(func(b *pebble.Batch) error { return b.Set(kv.WorkspaceKey(name), rec, nil) }); err != nil {
		return Workspace{}, fmt.Errorf("create workspace %q: %w", name, err)
	}
	c.workspaces[name] = w
	return w, nil
}

// Workspace returns a workspace.
func (c *Catalog) Workspace(name string) (Workspace, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	w, ok := c.workspaces[name]
	if !ok {
		return Workspace{}, fmt.Errorf("%w: workspace %q", ErrNotFound, name)
	}
	return w, nil
}

// Workspaces lists workspaces by name.
func (c *Catalog) Workspaces() []Workspace {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]Workspace, 0, len(c.workspaces))
	for _, w := range c.workspaces {
		out = append(out, w)
	}
	slices.SortFunc(out, func(a, b Workspace) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// CollectionCount returns the number of collections in a workspace.
func (c *Catalog) CollectionCount(ws string) int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.collections[ws])
}

// DropWorkspace drops an empty workspace: one without collections or query
// lambdas, as Rockset refuses to delete a workspace that is not empty.
func (c *Catalog) DropWorkspace(name string) (Workspace, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	w, ok := c.workspaces[name]
	if !ok {
		return Workspace{}, fmt.Errorf("%w: workspace %q", ErrNotFound, name)
	}
	if name == DefaultWorkspace {
		return Workspace{}, fmt.Errorf("%w: the default workspace %q cannot be dropped", ErrInvalid, name)
	}
	if n := len(c.collections[name]); n > 0 {
		return Workspace{}, fmt.Errorf("%w: workspace %q still has %d collection(s); drop them first", ErrDependent, name, n)
	}
	if n := len(c.lambdas[name]); n > 0 {
		return Workspace{}, fmt.Errorf("%w: workspace %q still has %d query lambda(s); delete them first", ErrDependent, name, n)
	}
	if err := c.commit(func(b *pebble.Batch) error { return b.Delete(kv.WorkspaceKey(name), nil) }); err != nil {
		return Workspace{}, fmt.Errorf("drop workspace %q: %w", name, err)
	}
	delete(c.workspaces, name)
	delete(c.collections, name)
	return w, nil
}

// CreateCollection creates a collection in workspace ws.
func (c *Catalog) CreateCollection(ws string, spec CollectionSpec) (Collection, error) {
	if err := spec.Validate(); err != nil {
		return Collection{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.workspaces[ws]; !ok {
		return Collection{}, fmt.Errorf("%w: workspace %q", ErrNotFound, ws)
	}
	if _, ok := c.collections[ws][spec.Name]; ok {
		return Collection{}, fmt.Errorf("%w: collection %q in workspace %q", ErrAlreadyExists, spec.Name, ws)
	}
	srcs := slices.Clone(spec.Sources)
	if err := c.validateSources(srcs); err != nil {
		return Collection{}, err
	}
	col := Collection{
		ID:                  c.nextID,
		Workspace:           ws,
		Name:                spec.Name,
		Description:         spec.Description,
		CreatedAt:           c.now().UTC().Truncate(time.Second),
		RetentionSecs:       spec.RetentionSecs,
		EventTimeInfo:       spec.EventTimeInfo,
		PartitionResolution: spec.PartitionResolution,
		Sources:             srcs,
		FieldMappingQuery:   spec.FieldMappingQuery,
	}
	rec, _ := json.Marshal(col)
	if err := c.commit(func(b *pebble.Batch) error {
		if err := b.Set(kv.CollectionKey(ws, spec.Name), rec, nil); err != nil {
			return err
		}
		return b.Set(kv.NextCollectionIDKey(), kv.PutUvarint(col.ID+1), nil)
	}); err != nil {
		return Collection{}, fmt.Errorf("create collection %q: %w", spec.Name, err)
	}
	c.nextID++
	if c.collections[ws] == nil {
		c.collections[ws] = map[string]Collection{}
	}
	c.collections[ws][spec.Name] = col
	return col, nil
}

// Collection returns a collection's record.
func (c *Catalog) Collection(ws, name string) (Collection, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if _, ok := c.workspaces[ws]; !ok {
		return Collection{}, fmt.Errorf("%w: workspace %q", ErrNotFound, ws)
	}
	col, ok := c.collections[ws][name]
	if !ok {
		return Collection{}, fmt.Errorf("%w: collection %q in workspace %q", ErrNotFound, name, ws)
	}
	return col, nil
}

// Collections lists the collections of ws ("" for all), by workspace and name.
func (c *Catalog) Collections(ws string) []Collection {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var out []Collection
	for w, m := range c.collections {
		if ws != "" && w != ws {
			continue
		}
		for _, col := range m {
			out = append(out, col)
		}
	}
	slices.SortFunc(out, func(a, b Collection) int {
		if a.Workspace != b.Workspace {
			return strings.Compare(a.Workspace, b.Workspace)
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out
}

// DropCollection removes a collection's record. dropData adds the deletion
// of the collection's data to the same atomic batch.
func (c *Catalog) DropCollection(ws, name string, dropData func(b *pebble.Batch, col Collection) error) (Collection, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	col, ok := c.collections[ws][name]
	if !ok {
		if _, wok := c.workspaces[ws]; !wok {
			return Collection{}, fmt.Errorf("%w: workspace %q", ErrNotFound, ws)
		}
		return Collection{}, fmt.Errorf("%w: collection %q in workspace %q", ErrNotFound, name, ws)
	}
	if err := c.commit(func(b *pebble.Batch) error {
		if err := b.Delete(kv.CollectionKey(ws, name), nil); err != nil {
			return err
		}
		if dropData != nil {
			return dropData(b, col)
		}
		return nil
	}); err != nil {
		return Collection{}, fmt.Errorf("drop collection %q: %w", name, err)
	}
	delete(c.collections[ws], name)
	return col, nil
}
