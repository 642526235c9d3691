package catalog

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/basaltdb/basalt/storage/kv"
	"github.com/cockroachdb/pebble/v2"
)

// A query lambda is named, versioned, parameterized SQL in a workspace, as
// in Rockset. Versions are immutable; each has an opaque id (16 hex digits,
// as Rockset's are) and a sequence number that orders them by creation.
// Tags name versions; the tag "latest" is not stored: it always names the
// newest version that exists.
//
// Records:
//
//	'C' 'l' <ws> 0x00 <name>              lambda: created_at, next_seq, tags (JSON)
//	'C' 'v' <ws> 0x00 <name> 0x00 <seq>   one version (JSON), seq big-endian
//
// A lambda and all its versions are cached in memory under the catalog's
// lock, so that dropping a workspace sees every lambda in it.

// LatestTag names a lambda's newest version.
const LatestTag = "latest"

// LambdaParameter is a default parameter of a lambda version: Value is the
// JSON the client sent (a string converted by Type, or a number or boolean).
type LambdaParameter struct {
	Name  string          `json:"name"`
	Type  string          `json:"type"`
	Value json.RawMessage `json:"value"`
}

// LambdaVersionSpec is what a new version holds. Collections and
// Parameters are what binding the SQL found; the catalog stores them as
// given.
type LambdaVersionSpec struct {
	Description       string
	Query             string
	DefaultParameters []LambdaParameter
	// Collections the SQL reads, "ws.name".
	Collections []string
	// Parameters the SQL uses, by name.
	Parameters []string
}

// LambdaVersion is one immutable version of a query lambda.
type LambdaVersion struct {
	Workspace         string            `json:"workspace"`
	Lambda            string            `json:"lambda"`
	Version           string            `json:"version"`
	Seq               uint64            `json:"seq"`
	Description       string            `json:"description,omitempty"`
	Query             string            `json:"query"`
	DefaultParameters []LambdaParameter `json:"default_parameters,omitempty"`
	Collections       []string          `json:"collections,omitempty"`
	Parameters        []string          `json:"parameters,omitempty"`
	CreatedAt         time.Time         `json:"created_at"`
}

// LambdaTag is a tag and the version it names.
type LambdaTag struct {
	Name    string
	Version LambdaVersion
}

// LambdaInfo describes a lambda: its newest version and how many it has.
type LambdaInfo struct {
	Workspace    string
	Name         string
	CreatedAt    time.Time
	VersionCount int
	Latest       LambdaVersion
}

// lambdaRecord is the persisted part of a lambda besides its versions.
type lambdaRecord struct {
	Workspace string            `json:"workspace"`
	Name      string            `json:"name"`
	CreatedAt time.Time         `json:"created_at"`
	NextSeq   uint64            `json:"next_seq"`
	Tags      map[string]string `json:"tags,omitempty"` // tag → version id
}

// lambda is a lambda in memory; versions are in creation order.
type lambda struct {
	rec      lambdaRecord
	versions []LambdaVersion
}

func (l *lambda) info() LambdaInfo {
	return LambdaInfo{Workspace: l.rec.Workspace, Name: l.rec.Name, CreatedAt: l.rec.CreatedAt,
		VersionCount: len(l.versions), Latest: l.versions[len(l.versions)-1]}
}

func (l *lambda) version(id string) (int, bool) {
	for i, v := range l.versions {
		if v.Version == id {
			return i, true
		}
	}
	return 0, false
}

// loadLambdas reads every lambda and version record. A version whose
// lambda record is missing cannot come from a committed batch; it is
// skipped rather than failing the start.
func (c *Catalog) loadLambdas() error {
	c.lambdas = map[string]map[string]*lambda{}
	start, end := kv.LambdaSpan()
	if err := kv.Scan(c.db, start, end, func(_, v []byte) error {
		var rec lambdaRecord
		if err := json.Unmarshal(v, &rec); err != nil {
			return fmt.Errorf("decode query lambda record: %w", err)
		}
		if c.lambdas[rec.Workspace] == nil {
			c.lambdas[rec.Workspace] = map[string]*lambda{}
		}
		c.lambdas[rec.Workspace][rec.Name] = &lambda{rec: rec}
		return nil
	}); err != nil {
		return fmt.Errorf("load query lambdas: %w", err)
	}
	start, end = kv.LambdaVersionSpan()
	if err := kv.Scan(c.db, start, end, func(_, v []byte) error {
		var ver LambdaVersion
		if err := json.Unmarshal(v, &ver); err != nil {
			return fmt.Errorf("decode query lambda version record: %w", err)
		}
		if l := c.lambdas[ver.Workspace][ver.Lambda]; l != nil {
			// Keys order a lambda's versions by seq.
			l.versions = append(l.versions, ver)
		}
		return nil
	}); err != nil {
		return fmt.Errorf("load query lambda versions: %w", err)
	}
	for ws, m := range c.lambdas {
		for name, l := range m {
			if len(l.versions) == 0 {
				// Every batch that removes the last version removes the
				// lambda too; an empty one is unreachable.
				delete(m, name)
			}
		}
		if len(m) == 0 {
			delete(c.lambdas, ws)
		}
	}
	return nil
}

// lambdaLocked returns a lambda, or ErrNotFound naming what is missing.
func (c *Catalog) lambdaLocked(ws, name string) (*lambda, error) {
	if _, ok := c.workspaces[ws]; !ok {
		return nil, fmt.Errorf("%w: workspace %q", ErrNotFound, ws)
	}
	l, ok := c.lambdas[ws][name]
	if !ok {
		return nil, fmt.Errorf("%w: query lambda %q in workspace %q", ErrNotFound, name, ws)
	}
	return l, nil
}

func newVersionID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// CreateLambda creates a lambda with its first version.
func (c *Catalog) CreateLambda(ws, name string, spec LambdaVersionSpec) (LambdaVersion, error) {
	if err := CheckName("query lambda", name); err != nil {
		return LambdaVersion{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.workspaces[ws]; !ok {
		return LambdaVersion{}, fmt.Errorf("%w: workspace %q", ErrNotFound, ws)
	}
	if _, ok := c.lambdas[ws][name]; ok {
		return LambdaVersion{}, fmt.Errorf("%w: query lambda %q in workspace %q", ErrAlreadyExists, name, ws)
	}
	return c.addVersionLocked(ws, name, nil, spec)
}

// AddLambdaVersion adds a version to a lambda, which becomes its newest. With
// create, a missing lambda is created.
func (c *Catalog) AddLambdaVersion(ws, name string, spec LambdaVersionSpec, create bool) (LambdaVersion, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.workspaces[ws]; !ok {
		return LambdaVersion{}, fmt.Errorf("%w: workspace %q", ErrNotFound, ws)
	}
	l, ok := c.lambdas[ws][name]
	if !ok {
		if !create {
			return LambdaVersion{}, fmt.Errorf("%w: query lambda %q in workspace %q", ErrNotFound, name, ws)
		}
		if err := CheckName("query lambda", name); err != nil {
			return LambdaVersion{}, err
		}
	}
	return c.addVersionLocked(ws, name, l, spec)
}

// addVersionLocked writes a new version, and the lambda record (new when l
// is nil), in one batch.
func (c *Catalog) addVersionLocked(ws, name string, l *lambda, spec LambdaVersionSpec) (LambdaVersion, error) {
	now := c.now().UTC().Truncate(time.Second)
	var rec lambdaRecord
	if l != nil {
		rec = l.rec
		rec.Tags = cloneTags(l.rec.Tags)
	} else {
		rec = lambdaRecord{Workspace: ws, Name: name, CreatedAt: now}
	}
	id := newVersionID()
	for l != nil {
		if _, dup := l.version(id); !dup {
			break
		}
		id = newVersionID()
	}
	v := LambdaVersion{
		Workspace: ws, Lambda: name, Version: id, Seq: rec.NextSeq,
		Description: spec.Description, Query: spec.Query,
		DefaultParameters: spec.DefaultParameters, Collections: spec.Collections, Parameters: spec.Parameters,
		CreatedAt: now,
	}
	rec.NextSeq++
	lrec, _ := json.Marshal(rec)
	vrec, _ := json.Marshal(v)
	if err := c.commit(func(b *pebble.Batch) error {
		if err := b.Set(kv.LambdaKey(ws, name), lrec, nil); err != nil {
			return err
		}
		return b.Set(kv.LambdaVersionKey(ws, name, v.Seq), vrec, nil)
	}); err != nil {
		return LambdaVersion{}, fmt.Errorf("create query lambda %q version: %w", name, err)
	}
	if l == nil {
		l = &lambda{}
		if c.lambdas[ws] == nil {
			c.lambdas[ws] = map[string]*lambda{}
		}
		c.lambdas[ws][name] = l
	}
	l.rec = rec
	l.versions = append(l.versions, v)
	return v, nil
}

func cloneTags(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// Lambda describes a lambda.
func (c *Catalog) Lambda(ws, name string) (LambdaInfo, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	l, err := c.lambdaLocked(ws, name)
	if err != nil {
		return LambdaInfo{}, err
	}
	return l.info(), nil
}

// Lambdas lists the lambdas of ws ("" for all), by workspace and name.
func (c *Catalog) Lambdas(ws string) []LambdaInfo {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var out []LambdaInfo
	for w, m := range c.lambdas {
		if ws != "" && w != ws {
			continue
		}
		for _, l := range m {
			out = append(out, l.info())
		}
	}
	slices.SortFunc(out, func(a, b LambdaInfo) int {
		if a.Workspace != b.Workspace {
			return strings.Compare(a.Workspace, b.Workspace)
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out
}

// LambdaCount returns the number of lambdas in a workspace.
func (c *Catalog) LambdaCount(ws string) int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.lambdas[ws])
}

// LambdaVersion returns a version by id.
func (c *Catalog) LambdaVersion(ws, name, version string) (LambdaVersion, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	l, err := c.lambdaLocked(ws, name)
	if err != nil {
		return LambdaVersion{}, err
	}
	i, ok := l.version(version)
	if !ok {
		return LambdaVersion{}, fmt.Errorf("%w: version %q of query lambda %q in workspace %q", ErrNotFound, version, name, ws)
	}
	return l.versions[i], nil
}

// LambdaVersions lists a lambda's versions, newest first.
func (c *Catalog) LambdaVersions(ws, name string) ([]LambdaVersion, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	l, err := c.lambdaLocked(ws, name)
	if err != nil {
		return nil, err
	}
	out := slices.Clone(l.versions)
	slices.Reverse(out)
	return out, nil
}

// LambdaTag returns the version a tag names; LatestTag names the newest.
func (c *Catalog) LambdaTag(ws, name, tag string) (LambdaTag, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	l, err := c.lambdaLocked(ws, name)
	if err != nil {
		return LambdaTag{}, err
	}
	return l.tag(tag)
}

func (l *lambda) tag(tag string) (LambdaTag, error) {
	if tag == LatestTag {
		return LambdaTag{Name: tag, Version: l.versions[len(l.versions)-1]}, nil
	}
	id, ok := l.rec.Tags[tag]
	if !ok {
		return LambdaTag{}, fmt.Errorf("%w: tag %q of query lambda %q in workspace %q", ErrNotFound, tag, l.rec.Name, l.rec.Workspace)
	}
	i, ok := l.version(id)
	if !ok {
		// Deleting a version refuses while a tag names it.
		return LambdaTag{}, fmt.Errorf("tag %q of query lambda %q names missing version %q", tag, l.rec.Name, id)
	}
	return LambdaTag{Name: tag, Version: l.versions[i]}, nil
}

// LambdaTags lists a lambda's tags by name, LatestTag among them.
func (c *Catalog) LambdaTags(ws, name string) ([]LambdaTag, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	l, err := c.lambdaLocked(ws, name)
	if err != nil {
		return nil, err
	}
	names := []string{LatestTag}
	for t := range l.rec.Tags {
		names = append(names, t)
	}
	slices.Sort(names)
	out := make([]LambdaTag, 0, len(names))
	for _, t := range names {
		lt, err := l.tag(t)
		if err != nil {
			return nil, err
		}
		out = append(out, lt)
	}
	return out, nil
}

// checkTagName validates a tag a client sets or deletes: a name like a
// collection's, and not LatestTag, which the catalog maintains.
func checkTagName(tag string) error {
	if err := CheckName("tag", tag); err != nil {
		return err
	}
	if tag == LatestTag {
		return fmt.Errorf("%w: the tag %q always names the newest version and cannot be set or deleted", ErrInvalid, LatestTag)
	}
	return nil
}

// SetLambdaTag points a tag at a version, creating the tag or moving it.
func (c *Catalog) SetLambdaTag(ws, name, tag, version string) (LambdaTag, error) {
	if err := checkTagName(tag); err != nil {
		return LambdaTag{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	l, err := c.lambdaLocked(ws, name)
	if err != nil {
		return LambdaTag{}, err
	}
	i, ok := l.version(version)
	if !ok {
		return LambdaTag{}, fmt.Errorf("%w: version %q of query lambda %q in workspace %q", ErrNotFound, version, name, ws)
	}
	rec := l.rec
	rec.Tags = cloneTags(l.rec.Tags)
	if rec.Tags == nil {
		rec.Tags = map[string]string{}
	}
	rec.Tags[tag] = version
	if err := c.putLambdaLocked(rec); err != nil {
		return LambdaTag{}, fmt.Errorf("set tag %q of query lambda %q: %w", tag, name, err)
	}
	l.rec = rec
	return LambdaTag{Name: tag, Version: l.versions[i]}, nil
}

func (c *Catalog) putLambdaLocked(rec lambdaRecord) error {
	b, _ := json.Marshal(rec)
	return c.commit(func(batch *pebble.Batch) error { return batch.Set(kv.LambdaKey(rec.Workspace, rec.Name), b, nil) })
}

// DeleteLambdaTag removes a tag; the version it named stays.
func (c *Catalog) DeleteLambdaTag(ws, name, tag string) (LambdaTag, error) {
	if err := checkTagName(tag); err != nil {
		return LambdaTag{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	l, err := c.lambdaLocked(ws, name)
	if err != nil {
		return LambdaTag{}, err
	}
	lt, err := l.tag(tag)
	if err != nil {
		return LambdaTag{}, err
	}
	rec := l.rec
	rec.Tags = cloneTags(l.rec.Tags)
	delete(rec.Tags, tag)
	if err := c.putLambdaLocked(rec); err != nil {
		return LambdaTag{}, fmt.Errorf("delete tag %q of query lambda %q: %w", tag, name, err)
	}
	l.rec = rec
	return lt, nil
}

// DeleteLambdaVersion deletes a version. It refuses while a tag other than
// LatestTag names the version, so that a tag never silently disappears
// under an application, and for the only version, which would leave a
// lambda without one: drop the lambda instead.
func (c *Catalog) DeleteLambdaVersion(ws, name, version string) (LambdaVersion, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	l, err := c.lambdaLocked(ws, name)
	if err != nil {
		return LambdaVersion{}, err
	}
	i, ok := l.version(version)
	if !ok {
		return LambdaVersion{}, fmt.Errorf("%w: version %q of query lambda %q in workspace %q", ErrNotFound, version, name, ws)
	}
	var tags []string
	for t, id := range l.rec.Tags {
		if id == version {
			tags = append(tags, t)
		}
	}
	if len(tags) > 0 {
		slices.Sort(tags)
		return LambdaVersion{}, fmt.Errorf("%w: version %q of query lambda %q is tagged %s; delete or move the tags first", ErrDependent, version, name, strings.Join(tags, ", "))
	}
	if len(l.versions) == 1 {
		return LambdaVersion{}, fmt.Errorf("%w: version %q is the only version of query lambda %q; delete the query lambda instead", ErrInvalid, version, name)
	}
	v := l.versions[i]
	if err := c.commit(func(b *pebble.Batch) error { return b.Delete(kv.LambdaVersionKey(ws, name, v.Seq), nil) }); err != nil {
		return LambdaVersion{}, fmt.Errorf("delete version %q of query lambda %q: %w", version, name, err)
	}
	l.versions = slices.Delete(l.versions, i, i+1)
	return v, nil
}

// DropLambda deletes a lambda with its versions and tags.
func (c *Catalog) DropLambda(ws, name string) (LambdaInfo, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	l, err := c.lambdaLocked(ws, name)
	if err != nil {
		return LambdaInfo{}, err
	}
	if err := c.commit(func(b *pebble.Batch) error {
		if err := b.Delete(kv.LambdaKey(ws, name), nil); err != nil {
			return err
		}
		for _, v := range l.versions {
			if err := b.Delete(kv.LambdaVersionKey(ws, name, v.Seq), nil); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return LambdaInfo{}, fmt.Errorf("drop query lambda %q: %w", name, err)
	}
	delete(c.lambdas[ws], name)
	if len(c.lambdas[ws]) == 0 {
		delete(c.lambdas, ws)
	}
	return l.info(), nil
}
