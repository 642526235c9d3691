package auth

import (
	"cmp"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/basaltdb/basalt/catalog"
)

// State is whether a key works.
type State string

const (
	StateActive    State = "ACTIVE"
	StateSuspended State = "SUSPENDED"
)

// ParseState accepts ACTIVE or SUSPENDED, case-insensitive.
func ParseState(s string) (State, error) {
	switch State(strings.ToUpper(strings.TrimSpace(s))) {
	case StateActive:
		return StateActive, nil
	case StateSuspended:
		return StateSuspended, nil
	}
	return "", fmt.Errorf("%w: state %q is not ACTIVE or SUSPENDED", catalog.ErrInvalid, s)
}

// Key is an API key as lists show it: everything but the secret.
type Key struct {
	Name       string
	User       string
	Role       Role
	Workspaces []string
	CreatedAt  time.Time
	// CreatedBy names the key that created this one ("" if none did).
	CreatedBy string
	// ExpiresAt is zero for a key that never expires.
	ExpiresAt time.Time
	State     State
	// Hint is the key's last 6 characters.
	Hint string
	// LastUsed is when the key last authenticated since the server started
	// (zero: not yet). It is kept in memory only: writing it through on
	// every request would cost a synced write per request.
	LastUsed time.Time
}

// Expired reports whether the key has expired at now.
func (k Key) Expired(now time.Time) bool { return !k.ExpiresAt.IsZero() && !now.Before(k.ExpiresAt) }

// KeySpec is what Create asks for.
type KeySpec struct {
	Name string
	// User owns the key.
	User       string
	Role       Role
	Workspaces []string
	// ExpiresAt is zero for a key that never expires.
	ExpiresAt time.Time
	// CreatedBy names the creating key, if any.
	CreatedBy string
}

// Update changes a key; zero fields leave it as it is.
type Update struct {
	State       State
	ExpiresAt   time.Time
	ClearExpiry bool
}

// Options configure a Store.
type Options struct {
	// Required turns authentication on: every request needs a key. Off, the
	// protocol faces treat every caller as Superuser (the loopback
	// development default), and keys can still be managed.
	Required bool
	// Now is the clock (default time.Now).
	Now func() time.Time
	// SCRAMIterations is used when a server first creates its SCRAM salt
	// (default DefaultSCRAMIterations); later starts keep the stored count.
	SCRAMIterations int
}

// Store is the key store: the catalog's records, cached in memory so that
// recognising a key costs one SHA-256 and one map lookup. It is safe for
// concurrent use; writes go through to the catalog (synced) before the
// cache changes.
type Store struct {
	cat      *catalog.Catalog
	required bool
	now      func() time.Time
	cfg      catalog.AuthConfig

	// mu guards the maps and serialises writes. Entries are replaced, never
	// changed, except for their lastUsed clock.
	mu       sync.RWMutex
	byID     map[keyID]*entry
	byDigest map[[sha256.Size]byte]*entry
}

type keyID struct{ user, name string }

type entry struct {
	rec      catalog.APIKey
	role     Role
	digest   [sha256.Size]byte
	lastUsed *atomic.Int64 // unix nanoseconds; shared by an entry's versions
}

// Open loads the keys of cat, creating the server's SCRAM salt on first
// start.
func Open(cat *catalog.Catalog, opts Options) (*Store, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.SCRAMIterations <= 0 {
		opts.SCRAMIterations = DefaultSCRAMIterations
	}
	s := &Store{cat: cat, required: opts.Required, now: opts.Now, byID: map[keyID]*entry{}, byDigest: map[[sha256.Size]byte]*entry{}}
	cfg, ok, err := cat.AuthConfig()
	if err != nil {
		return nil, err
	}
	if !ok {
		cfg = catalog.AuthConfig{SCRAMSalt: make([]byte, 16), SCRAMIterations: opts.SCRAMIterations}
		if _, err := rand.Read(cfg.SCRAMSalt); err != nil {
			return nil, fmt.Errorf("generate SCRAM salt: %w", err)
		}
		if err := cat.PutAuthConfig(cfg); err != nil {
			return nil, err
		}
	}
	s.cfg = cfg
	recs, err := cat.APIKeys()
	if err != nil {
		return nil, err
	}
	for _, r := range recs {
		if len(r.Digest) != sha256.Size {
			return nil, fmt.Errorf("API key %q of %q: corrupt digest", r.Name, r.User)
		}
		s.insertLocked(newEntry(r, nil))
	}
	return s, nil
}

func newEntry(r catalog.APIKey, lastUsed *atomic.Int64) *entry {
	if lastUsed == nil {
		lastUsed = new(atomic.Int64)
	}
	e := &entry{rec: r, role: Role(r.Role), lastUsed: lastUsed}
	copy(e.digest[:], r.Digest)
	return e
}

func (s *Store) insertLocked(e *entry) {
	s.byID[keyID{e.rec.User, e.rec.Name}] = e
	s.byDigest[e.digest] = e
}

func (s *Store) removeLocked(e *entry) {
	delete(s.byID, keyID{e.rec.User, e.rec.Name})
	if s.byDigest[e.digest] == e {
		delete(s.byDigest, e.digest)
	}
}

// Required reports whether authentication is on.
func (s *Store) Required() bool { return s.required }

// usable reports whether the entry authenticates at now.
func (e *entry) usable(now time.Time) bool {
	return State(e.rec.State) == StateActive && (e.rec.ExpiresAt.IsZero() || now.Before(e.rec.ExpiresAt))
}

func (e *entry) principal() Principal {
	return Principal{KeyName: e.rec.Name, User: e.rec.User, Role: e.role, Workspaces: e.rec.Workspaces}
}

func (e *entry) key() Key {
	k := Key{
		Name: e.rec.Name, User: e.rec.User, Role: e.role, Workspaces: slices.Clone(e.rec.Workspaces),
		CreatedAt: e.rec.CreatedAt, CreatedBy: e.rec.CreatedBy, ExpiresAt: e.rec.ExpiresAt,
		State: State(e.rec.State), Hint: e.rec.Hint,
	}
	if ns := e.lastUsed.Load(); ns != 0 {
		k.LastUsed = time.Unix(0, ns).UTC()
	}
	return k
}

// Authenticate returns the principal of a key, or an error of class
// ErrUnauthenticated. It costs one SHA-256 and a map lookup. The
// principal's Workspaces slice is shared: callers must not modify it.
func (s *Store) Authenticate(secret string) (Principal, error) {
	if secret == "" {
		return Principal{}, deny(ErrUnauthenticated, "an API key is required: send the header Authorization: ApiKey <key>")
	}
	d := digest(secret)
	s.mu.RLock()
	e := s.byDigest[d]
	s.mu.RUnlock()
	if e == nil {
		return Principal{}, deny(ErrUnauthenticated, "invalid API key")
	}
	now := s.now()
	switch {
	case State(e.rec.State) != StateActive:
		return Principal{}, deny(ErrUnauthenticated, "API key %q is suspended", e.rec.Name)
	case !e.rec.ExpiresAt.IsZero() && !now.Before(e.rec.ExpiresAt):
		return Principal{}, deny(ErrUnauthenticated, "API key %q expired at %s", e.rec.Name, e.rec.ExpiresAt.UTC().Format(time.RFC3339))
	}
	e.lastUsed.Store(now.UnixNano())
	return e.principal(), nil
}

// checkUser validates an owner name: any non-empty text up to 256 bytes
// without control characters (e-mail addresses, as Rockset's users were);
// "self" is the caller's alias in the API, never a user.
func checkUser(user string) error {
	if user == "" || len(user) > 256 || user == "self" {
		return fmt.Errorf("%w: user %q must be 1 to 256 characters and not \"self\"", catalog.ErrInvalid, user)
	}
	for _, r := range user {
		if r < ' ' || r == 0x7f {
			return fmt.Errorf("%w: user %q has a control character", catalog.ErrInvalid, user)
		}
	}
	return nil
}

func (s *Store) validate(spec *KeySpec) error {
	if err := catalog.CheckName("API key", spec.Name); err != nil {
		return err
	}
	if err := checkUser(spec.User); err != nil {
		return err
	}
	switch spec.Role {
	case RoleAdmin, RoleMember, RoleReadOnly:
	default:
		return fmt.Errorf("%w: role %q is not one of admin, member, read-only", catalog.ErrInvalid, spec.Role)
	}
	if spec.Role == RoleAdmin && len(spec.Workspaces) > 0 {
		return fmt.Errorf("%w: an admin key cannot be limited to workspaces; give the key role member or read-only", catalog.ErrInvalid)
	}
	var ws []string
	for _, w := range spec.Workspaces {
		if err := catalog.CheckName("workspace", w); err != nil {
			return err
		}
		if !slices.Contains(ws, w) {
			ws = append(ws, w)
		}
	}
	spec.Workspaces = ws
	if !spec.ExpiresAt.IsZero() && !spec.ExpiresAt.After(s.now()) {
		return fmt.Errorf("%w: expiry_time %s is not in the future", catalog.ErrInvalid, spec.ExpiresAt.UTC().Format(time.RFC3339))
	}
	return nil
}

// Create makes a key and returns it with its secret, which is shown this
// once and never stored.
func (s *Store) Create(spec KeySpec) (Key, string, error) {
	secret, err := newSecret()
	if err != nil {
		return Key{}, "", err
	}
	k, err := s.create(spec, secret, false)
	return k, secret, err
}

// create stores a key with a given secret; replace lets it overwrite a key
// of the same name (the bootstrap key).
func (s *Store) create(spec KeySpec, secret string, replace bool) (Key, error) {
	if err := s.validate(&spec); err != nil {
		return Key{}, err
	}
	d := digest(secret)
	// Derive outside the lock: PBKDF2 takes milliseconds.
	ver, err := scramVerifier(secret, s.cfg.SCRAMSalt, s.cfg.SCRAMIterations)
	if err != nil {
		return Key{}, err
	}
	rec := catalog.APIKey{
		Name: spec.Name, User: spec.User, Role: string(spec.Role), Workspaces: spec.Workspaces,
		CreatedAt: s.now().UTC().Truncate(time.Second), CreatedBy: spec.CreatedBy, ExpiresAt: spec.ExpiresAt.UTC(),
		State: string(StateActive), Hint: hint(secret), Digest: d[:], SCRAM: ver,
	}
	if spec.ExpiresAt.IsZero() {
		rec.ExpiresAt = time.Time{}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.byID[keyID{spec.User, spec.Name}]
	if old != nil && !replace {
		return Key{}, fmt.Errorf("%w: API key %q of user %q", catalog.ErrAlreadyExists, spec.Name, spec.User)
	}
	if other := s.byDigest[d]; other != nil && other != old {
		// Only an operator-chosen secret (BASALT_ADMIN_KEY) can collide.
		return Key{}, fmt.Errorf("%w: that secret is already the API key %q", catalog.ErrAlreadyExists, other.rec.Name)
	}
	if err := s.cat.PutAPIKey(rec); err != nil {
		return Key{}, err
	}
	if old != nil {
		s.removeLocked(old)
	}
	e := newEntry(rec, nil)
	s.insertLocked(e)
	return e.key(), nil
}

// Get returns a key.
func (s *Store) Get(user, name string) (Key, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	e := s.byID[keyID{user, name}]
	if e == nil {
		return Key{}, notFound(user, name)
	}
	return e.key(), nil
}

func notFound(user, name string) error {
	return fmt.Errorf("%w: API key %q of user %q", catalog.ErrNotFound, name, user)
}

// List returns the keys of user ("" for every user), by user and name.
func (s *Store) List(user string) []Key {
	s.mu.RLock()
	out := make([]Key, 0, len(s.byID))
	for id, e := range s.byID {
		if user == "" || id.user == user {
			out = append(out, e.key())
		}
	}
	s.mu.RUnlock()
	slices.SortFunc(out, func(a, b Key) int { return cmp.Or(strings.Compare(a.User, b.User), strings.Compare(a.Name, b.Name)) })
	return out
}

// Update suspends or resumes a key, or changes its expiry.
func (s *Store) Update(user, name string, u Update) (Key, error) {
	if u.State != "" && u.State != StateActive && u.State != StateSuspended {
		return Key{}, fmt.Errorf("%w: state %q is not ACTIVE or SUSPENDED", catalog.ErrInvalid, u.State)
	}
	if !u.ExpiresAt.IsZero() && !u.ExpiresAt.After(s.now()) {
		return Key{}, fmt.Errorf("%w: expiry_time %s is not in the future", catalog.ErrInvalid, u.ExpiresAt.UTC().Format(time.RFC3339))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.byID[keyID{user, name}]
	if old == nil {
		return Key{}, notFound(user, name)
	}
	rec := old.rec
	if u.State != "" {
		rec.State = string(u.State)
	}
	if u.ClearExpiry {
		rec.ExpiresAt = time.Time{}
	}
	if !u.ExpiresAt.IsZero() {
		rec.ExpiresAt = u.ExpiresAt.UTC()
	}
	e := newEntry(rec, old.lastUsed)
	if err := s.keepAnAdminLocked(old, e); err != nil {
		return Key{}, err
	}
	if err := s.cat.PutAPIKey(rec); err != nil {
		return Key{}, err
	}
	s.removeLocked(old)
	s.insertLocked(e)
	return e.key(), nil
}

// Revoke deletes a key; it stops working at once.
func (s *Store) Revoke(user, name string) (Key, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.byID[keyID{user, name}]
	if old == nil {
		return Key{}, notFound(user, name)
	}
	if err := s.keepAnAdminLocked(old, nil); err != nil {
		return Key{}, err
	}
	if err := s.cat.DeleteAPIKey(user, name); err != nil {
		return Key{}, err
	}
	s.removeLocked(old)
	return old.key(), nil
}

// keepAnAdminLocked refuses to replace old by next (nil: revoke) when that
// would leave no usable unrestricted admin key: nobody could manage keys
// until a restart made a new bootstrap key.
func (s *Store) keepAnAdminLocked(old, next *entry) error {
	now := s.now()
	isAdmin := func(e *entry) bool {
		return e != nil && e.role == RoleAdmin && len(e.rec.Workspaces) == 0 && e.usable(now)
	}
	if !isAdmin(old) || isAdmin(next) {
		return nil
	}
	for _, e := range s.byID {
		if e != old && isAdmin(e) {
			return nil
		}
	}
	return fmt.Errorf("%w: API key %q is the last active admin key; create another admin key first", catalog.ErrInvalid, old.rec.Name)
}

// hasUsableAdmin reports whether some unrestricted admin key works.
func (s *Store) hasUsableAdmin() bool {
	now := s.now()
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, e := range s.byID {
		if e.role == RoleAdmin && len(e.rec.Workspaces) == 0 && e.usable(now) {
			return true
		}
	}
	return false
}
