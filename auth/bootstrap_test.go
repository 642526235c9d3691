package auth

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestBootstrapFromEnv(t *testing.T) {
	env := newTestEnv(t)
	file := filepath.Join(t.TempDir(), "admin.key")
	if _, err := env.store.Bootstrap("short", file); err == nil {
		t.Fatal("a short BASALT_ADMIN_KEY was accepted")
	}
	if _, err := env.store.Bootstrap("has a space in it!!", file); err == nil {
		t.Fatal("a BASALT_ADMIN_KEY with spaces was accepted")
	}
	const k1, k2 = "operator-chosen-key-1", "operator-chosen-key-2"
	if b, err := env.store.Bootstrap(k1, file); err != nil || b != BootstrapFromEnv {
		t.Fatalf("bootstrap: %v %v", b, err)
	}
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Fatalf("a key from the environment was written to a file: %v", err)
	}
	p, err := env.store.Authenticate(k1)
	if err != nil || p.Role != RoleAdmin || p.KeyName != BootstrapName || p.User != BootstrapUser {
		t.Fatalf("bootstrap key: %+v %v", p, err)
	}
	env.reopen()
	if b, err := env.store.Bootstrap(k1, file); err != nil || b != BootstrapFromEnv {
		t.Fatalf("second bootstrap: %v %v", b, err)
	}
	if _, err := env.store.Authenticate(k1); err != nil {
		t.Fatal(err)
	}
	// A new value rotates the key.
	env.reopen()
	if _, err := env.store.Bootstrap(k2, file); err != nil {
		t.Fatal(err)
	}
	if _, err := env.store.Authenticate(k1); err == nil {
		t.Fatal("the old bootstrap key still works")
	}
	if _, err := env.store.Authenticate(k2); err != nil {
		t.Fatal(err)
	}
	if n := len(env.store.List("")); n != 1 {
		t.Fatalf("%d keys, want 1", n)
	}
}

func TestBootstrapGenerated(t *testing.T) {
	env := newTestEnv(t)
	file := filepath.Join(t.TempDir(), "admin.key")
	b, err := env.store.Bootstrap("", file)
	if err != nil || b != BootstrapGenerated {
		t.Fatalf("bootstrap: %v %v", b, err)
	}
	st, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("admin.key mode %v, want 0600", st.Mode().Perm())
	}
	raw, _ := os.ReadFile(file)
	key := strings.TrimSpace(string(raw))
	if p, err := env.store.Authenticate(key); err != nil || p.Role != RoleAdmin {
		t.Fatalf("generated key: %+v %v", p, err)
	}
	// Later starts leave it alone.
	env.reopen()
	if b, err := env.store.Bootstrap("", file); err != nil || b != BootstrapExisting {
		t.Fatalf("second start: %v %v", b, err)
	}
	if raw2, _ := os.ReadFile(file); string(raw2) != string(raw) {
		t.Fatal("admin.key changed on a later start")
	}
	// Once no admin key works, the next start makes a new one.
	if _, err := env.store.Update(BootstrapUser, BootstrapName, Update{ExpiresAt: env.clk.now().Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	env.clk.add(time.Minute)
	env.reopen()
	if b, err := env.store.Bootstrap("", file); err != nil || b != BootstrapGenerated {
		t.Fatalf("start without a usable admin key: %v %v", b, err)
	}
	raw3, _ := os.ReadFile(file)
	if string(raw3) == string(raw) {
		t.Fatal("admin.key was not replaced")
	}
	if _, err := env.store.Authenticate(strings.TrimSpace(string(raw3))); err != nil {
		t.Fatal(err)
	}
}
