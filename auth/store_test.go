package auth

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/basaltdb/basalt/catalog"
	"github.com/basaltdb/basalt/storage/kv"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// testEnv is a catalog on an in-memory Pebble that can be reopened, as a
// restart would.
type testEnv struct {
	t     testing.TB
	fs    vfs.FS
	clk   *clock
	kv    *kv.Store
	cat   *catalog.Catalog
	store *Store
}

func newTestEnv(t testing.TB) *testEnv {
	env := &testEnv{t: t, fs: vfs.NewMem(), clk: &clock{t: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}}
	env.reopen()
	t.Cleanup(func() { env.kv.Close() })
	return env
}

func (env *testEnv) reopen() {
	t := env.t
	if env.kv != nil {
		if err := env.kv.Close(); err != nil {
			t.Fatal(err)
		}
	}
	var err error
	env.kv, err = kv.Open(kv.Options{FS: env.fs, Dir: "kv", CacheBytes: 1 << 20, MemTableBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	env.cat, err = catalog.Open(env.kv.DB, env.clk.now)
	if err != nil {
		t.Fatal(err)
	}
	env.store, err = Open(env.cat, Options{Required: true, Now: env.clk.now})
	if err != nil {
		t.Fatal(err)
	}
}

func mustCreate(t testing.TB, s *Store, spec KeySpec) (Key, string) {
	t.Helper()
	if spec.User == "" {
		spec.User = "admin"
	}
	k, secret, err := s.Create(spec)
	if err != nil {
		t.Fatalf("create %q: %v", spec.Name, err)
	}
	return k, secret
}

func TestKeyLifecycle(t *testing.T) {
	env := newTestEnv(t)
	s := env.store
	mustCreate(t, s, KeySpec{Name: "root", Role: RoleAdmin})
	k, secret := mustCreate(t, s, KeySpec{Name: "ci", Role: RoleMember, Workspaces: []string{"shop", "shop"}})
	if !strings.HasPrefix(secret, KeyPrefix) || len(secret) != len(KeyPrefix)+64 {
		t.Fatalf("secret %q: want %s and 64 hex digits", secret, KeyPrefix)
	}
	if k.Hint != secret[len(secret)-6:] || k.State != StateActive || len(k.Workspaces) != 1 {
		t.Fatalf("created key %+v", k)
	}
	p, err := s.Authenticate(secret)
	if err != nil {
		t.Fatal(err)
	}
	if p.KeyName != "ci" || p.User != "admin" || p.Role != RoleMember || !p.Restricted() {
		t.Fatalf("principal %+v", p)
	}
	if got, _ := s.Get("admin", "ci"); got.LastUsed.IsZero() {
		t.Fatal("last use not recorded")
	}
	if _, _, err := s.Create(KeySpec{Name: "ci", User: "admin", Role: RoleReadOnly}); !errors.Is(err, catalog.ErrAlreadyExists) {
		t.Fatalf("duplicate: %v", err)
	}
	// The same name may exist for another user.
	mustCreate(t, s, KeySpec{Name: "ci", User: "bob@example.com", Role: RoleReadOnly})
	if l := s.List("admin"); len(l) != 2 || l[0].Name != "ci" || l[1].Name != "root" {
		t.Fatalf("list: %+v", l)
	}
	if l := s.List(""); len(l) != 3 {
		t.Fatalf("list all: %+v", l)
	}

	if _, err := s.Update("admin", "ci", Update{State: StateSuspended}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(secret); !errors.Is(err, ErrUnauthenticated) || !strings.Contains(err.Error(), "suspended") {
		t.Fatalf("suspended key: %v", err)
	}
	if _, err := s.Update("admin", "ci", Update{State: StateActive}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(secret); err != nil {
		t.Fatalf("resumed key: %v", err)
	}

	// Expiry.
	if _, err := s.Update("admin", "ci", Update{ExpiresAt: env.clk.now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	env.clk.add(time.Hour)
	if _, err := s.Authenticate(secret); !errors.Is(err, ErrUnauthenticated) || !strings.Contains(err.Error(), "expired") {
		t.Fatalf("expired key: %v", err)
	}
	if _, err := s.Update("admin", "ci", Update{ClearExpiry: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(secret); err != nil {
		t.Fatalf("expiry cleared: %v", err)
	}

	// Everything survives a restart.
	env.reopen()
	s = env.store
	if p, err := s.Authenticate(secret); err != nil || p.KeyName != "ci" {
		t.Fatalf("after restart: %+v %v", p, err)
	}

	if _, err := s.Revoke("admin", "ci"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(secret); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("revoked key: %v", err)
	}
	if _, err := s.Get("admin", "ci"); !errors.Is(err, catalog.ErrNotFound) {
		t.Fatalf("revoked key get: %v", err)
	}
	env.reopen()
	if _, err := env.store.Authenticate(secret); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("revoked key after restart: %v", err)
	}
	for _, bad := range []string{"", "bsk_nope", secret + "x"} {
		if _, err := env.store.Authenticate(bad); !errors.Is(err, ErrUnauthenticated) {
			t.Fatalf("key %q: %v", bad, err)
		}
	}
}

func TestCreateValidation(t *testing.T) {
	env := newTestEnv(t)
	for _, spec := range []KeySpec{
		{Name: "", User: "u", Role: RoleMember},
		{Name: "a b", User: "u", Role: RoleMember},
		{Name: "k", User: "", Role: RoleMember},
		{Name: "k", User: "self", Role: RoleMember},
		{Name: "k", User: "u", Role: "owner"},
		{Name: "k", User: "u", Role: RoleAdmin, Workspaces: []string{"shop"}},
		{Name: "k", User: "u", Role: RoleMember, Workspaces: []string{"no such/ws"}},
		{Name: "k", User: "u", Role: RoleMember, ExpiresAt: env.clk.now()},
	} {
		if _, _, err := env.store.Create(spec); !errors.Is(err, catalog.ErrInvalid) {
			t.Errorf("%+v: %v, want invalid input", spec, err)
		}
	}
}

func TestLastAdminKeyStays(t *testing.T) {
	env := newTestEnv(t)
	s := env.store
	mustCreate(t, s, KeySpec{Name: "a1", Role: RoleAdmin})
	if _, err := s.Revoke("admin", "a1"); !errors.Is(err, catalog.ErrInvalid) {
		t.Fatalf("revoking the last admin key: %v", err)
	}
	if _, err := s.Update("admin", "a1", Update{State: StateSuspended}); !errors.Is(err, catalog.ErrInvalid) {
		t.Fatalf("suspending the last admin key: %v", err)
	}
	mustCreate(t, s, KeySpec{Name: "a2", Role: RoleAdmin})
	if _, err := s.Update("admin", "a1", Update{State: StateSuspended}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Revoke("admin", "a2"); !errors.Is(err, catalog.ErrInvalid) {
		t.Fatalf("revoking the last active admin key: %v", err)
	}
	if _, err := s.Revoke("admin", "a1"); err != nil {
		t.Fatalf("revoking a suspended admin key: %v", err)
	}
}

func TestSCRAMSaltIsStable(t *testing.T) {
	env := newTestEnv(t)
	cfg := env.store.cfg
	if len(cfg.SCRAMSalt) != 16 || cfg.SCRAMIterations != DefaultSCRAMIterations {
		t.Fatalf("auth config %+v", cfg)
	}
	env.reopen()
	if string(env.store.cfg.SCRAMSalt) != string(cfg.SCRAMSalt) {
		t.Fatal("the SCRAM salt changed across a restart")
	}
}

// TestConcurrentUse: requests authenticate while keys are created,
// suspended and revoked (run with -race).
func TestConcurrentUse(t *testing.T) {
	env := newTestEnv(t)
	s := env.store
	mustCreate(t, s, KeySpec{Name: "root", Role: RoleAdmin})
	_, secret := mustCreate(t, s, KeySpec{Name: "hot", Role: RoleMember})
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				s.Authenticate(secret)
				s.List("")
			}
		}()
	}
	for i := range 20 {
		name := "k" + string(rune('a'+i))
		mustCreate(t, s, KeySpec{Name: name, Role: RoleReadOnly})
		if _, err := s.Update("admin", "hot", Update{State: []State{StateSuspended, StateActive}[i%2]}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Revoke("admin", name); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
}

// BenchmarkAuthenticate is the per-request cost of recognising a key on
// HTTP among many: one SHA-256 and a map lookup.
func BenchmarkAuthenticate(b *testing.B) {
	env := newTestEnv(b)
	var secret string
	for i := range 200 {
		_, secret, _ = env.store.Create(KeySpec{Name: fmt.Sprintf("k%d", i), User: "admin", Role: RoleReadOnly})
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := env.store.Authenticate(secret); err != nil {
			b.Fatal(err)
		}
	}
}
