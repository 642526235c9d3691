package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/basaltdb/basalt/internal/testcert"
	"github.com/jackc/pgx/v5/pgconn"
)

// syncBuffer collects log output from the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func startLogged(t *testing.T, cfg Config) (*Server, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	cfg.Logger = slog.New(slog.NewTextHandler(logs, nil))
	if cfg.HTTPAddr == "" {
		cfg.HTTPAddr = "127.0.0.1:0"
	}
	if cfg.PGAddr == "" {
		cfg.PGAddr = "127.0.0.1:0"
	}
	s, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s, logs
}

// get sends GET path to s with key ("" for none) and returns the status.
func get(t *testing.T, s *Server, key, path string) int {
	t.Helper()
	_, port, _ := net.SplitHostPort(s.HTTPAddr())
	req, _ := http.NewRequest("GET", "http://127.0.0.1:"+port+path, nil)
	if key != "" {
		req.Header.Set("Authorization", "ApiKey "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func TestAuthOffOnLoopback(t *testing.T) {
	dir := t.TempDir()
	s, logs := startLogged(t, Config{DataDir: dir})
	defer s.Shutdown()
	if s.Keys().Required() {
		t.Fatal("authentication is on for a loopback server without Auth")
	}
	if code := get(t, s, "", "/v1/orgs/self/ws"); code != 200 {
		t.Fatalf("open mode: %d", code)
	}
	if !strings.Contains(logs.String(), `authentication="off (loopback development default)"`) {
		t.Fatalf("start-up line does not say authentication is off:\n%s", logs)
	}
	if _, err := os.Stat(filepath.Join(dir, AdminKeyFile)); !os.IsNotExist(err) {
		t.Fatalf("admin.key written in open mode: %v", err)
	}
}

func TestAuthOnGeneratesAdminKey(t *testing.T) {
	dir := t.TempDir()
	s, logs := startLogged(t, Config{DataDir: dir, Auth: true})
	file := filepath.Join(dir, AdminKeyFile)
	st, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("admin.key mode %v", st.Mode().Perm())
	}
	raw, _ := os.ReadFile(file)
	key := strings.TrimSpace(string(raw))
	if !strings.Contains(logs.String(), "authentication=\"on (first admin key written to") || strings.Contains(logs.String(), key) {
		t.Fatalf("start-up logs:\n%s", logs)
	}
	if code := get(t, s, "", "/v1/orgs/self/ws"); code != 401 {
		t.Fatalf("no key: %d", code)
	}
	if code := get(t, s, key, "/v1/orgs/self/users/self/apikeys"); code != 200 {
		t.Fatalf("admin key from admin.key: %d", code)
	}
	if code := get(t, s, "", "/healthz"); code != 200 {
		t.Fatalf("health check with auth on: %d", code)
	}
	if err := s.Shutdown(); err != nil {
		t.Fatal(err)
	}
	// A restart keeps the key and the file.
	s, logs = startLogged(t, Config{DataDir: dir, Auth: true})
	defer s.Shutdown()
	if raw2, _ := os.ReadFile(file); string(raw2) != string(raw) {
		t.Fatal("admin.key changed on restart")
	}
	if !strings.Contains(logs.String(), `authentication=on`) {
		t.Fatalf("restart logs:\n%s", logs)
	}
	if code := get(t, s, key, "/v1/orgs/self/ws"); code != 200 {
		t.Fatalf("admin key after restart: %d", code)
	}
}

func TestAuthAdminKeyFromEnv(t *testing.T) {
	dir := t.TempDir()
	const key = "env-admin-key-0123456789abcdef"
	s, logs := startLogged(t, Config{DataDir: dir, Auth: true, AdminKey: key})
	defer s.Shutdown()
	if _, err := os.Stat(filepath.Join(dir, AdminKeyFile)); !os.IsNotExist(err) {
		t.Fatalf("admin.key written although BASALT_ADMIN_KEY was given: %v", err)
	}
	if !strings.Contains(logs.String(), "BASALT_ADMIN_KEY") {
		t.Fatalf("start-up logs:\n%s", logs)
	}
	if code := get(t, s, key, "/v1/orgs/self/ws"); code != 200 {
		t.Fatalf("env admin key: %d", code)
	}
	if _, err := Start(Config{DataDir: t.TempDir(), HTTPAddr: "127.0.0.1:0", PGAddr: "127.0.0.1:0", Auth: true, AdminKey: "short"}); err == nil {
		t.Fatal("a short BASALT_ADMIN_KEY was accepted")
	}
}

func TestAuthOnWhenNotLoopback(t *testing.T) {
	s, logs := startLogged(t, Config{DataDir: t.TempDir(), HTTPAddr: "0.0.0.0:0", AdminKey: "env-admin-key-0123456789abcdef"})
	defer s.Shutdown()
	if !s.Keys().Required() {
		t.Fatalf("authentication is off on 0.0.0.0:\n%s", logs)
	}
	if code := get(t, s, "", "/v1/orgs/self/ws"); code != 401 {
		t.Fatalf("no key: %d", code)
	}
}

func TestIsLoopback(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:3030": true,
		"127.0.0.2:3030": true,
		"[::1]:5433":     true,
		"localhost:3030": true,
		"0.0.0.0:3030":   false,
		"[::]:3030":      false,
		":3030":          false,
		"10.1.2.3:3030":  false,
		"bad":            false,
	} {
		if got := isLoopback(addr); got != want {
			t.Errorf("isLoopback(%q) = %v", addr, got)
		}
	}
}

// TestAuthPostgres: on the PostgreSQL protocol the user name is free and
// the password is the key (SCRAM-SHA-256); roles hold there too.
func TestAuthPostgres(t *testing.T) {
	const admin = "env-admin-key-0123456789abcdef"
	s, _ := startLogged(t, Config{DataDir: t.TempDir(), Auth: true, AdminKey: admin})
	defer s.Shutdown()
	_, port, _ := net.SplitHostPort(s.HTTPAddr())
	base := "http://127.0.0.1:" + port + "/v1/orgs/self"
	post := func(key, path, body string) map[string]any {
		t.Helper()
		return postAs(t, key, base+path, body)
	}
	post(admin, "/ws/commons/collections", `{"name":"t"}`)
	post(admin, "/ws/commons/collections/t/docs", `{"data":[{"_id":"1","a":1}]}`)
	post(admin, "/ws", `{"name":"shop"}`)
	ro := post(admin, "/users/self/apikeys", `{"name":"ro","role":"read-only"}`)["data"].(map[string]any)["key"].(string)
	shop := post(admin, "/users/self/apikeys", `{"name":"shop","role":"member","workspaces":["shop"]}`)["data"].(map[string]any)["key"].(string)

	connect := func(user, key string) (*pgconn.PgConn, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return pgconn.Connect(ctx, fmt.Sprintf("postgres://%s:%s@%s/basalt?sslmode=disable", user, key, s.PGAddr()))
	}
	exec := func(c *pgconn.PgConn, sql string) error {
		_, err := c.Exec(context.Background(), sql).ReadAll()
		return err
	}
	sqlstate := func(err error) string {
		var pe *pgconn.PgError
		if errors.As(err, &pe) {
			return pe.Code
		}
		return fmt.Sprint(err)
	}

	if _, err := connect("anyone", "bsk_not-a-key"); sqlstate(err) != "28P01" {
		t.Fatalf("bad key: %v, want 28P01", err)
	}
	c, err := connect("whoever", ro)
	if err != nil {
		t.Fatalf("read-only key: %v", err)
	}
	if err := exec(c, "SELECT a FROM t"); err != nil {
		t.Fatalf("read-only SELECT: %v", err)
	}
	if err := exec(c, "INSERT INTO t SELECT 2 AS a"); sqlstate(err) != "42501" {
		t.Fatalf("read-only INSERT: %v, want 42501", err)
	}
	c.Close(context.Background())

	c, err = connect("app", shop)
	if err != nil {
		t.Fatalf("workspace key: %v", err)
	}
	if err := exec(c, "SELECT a FROM commons.t"); sqlstate(err) != "42501" {
		t.Fatalf("workspace key reading commons: %v, want 42501", err)
	}
	c.Close(context.Background())

	c, err = connect("root", admin)
	if err != nil {
		t.Fatalf("admin key: %v", err)
	}
	if err := exec(c, "INSERT INTO t SELECT 2 AS a"); err != nil {
		t.Fatalf("admin INSERT: %v", err)
	}
	c.Close(context.Background())
}

// TestAuthPostgresTLS: over TLS the key is checked with SCRAM-SHA-256-PLUS,
// bound to the server's certificate; pgx insists on it with
// channel_binding=require.
func TestAuthPostgresTLS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := testcert.Files(t, dir)
	const admin = "env-admin-key-0123456789abcdef"
	s, _ := startLogged(t, Config{DataDir: filepath.Join(dir, "data"), Auth: true, AdminKey: admin, TLSCert: certFile, TLSKey: keyFile})
	defer s.Shutdown()
	for _, cb := range []string{"require", "disable"} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		c, err := pgconn.Connect(ctx, fmt.Sprintf("postgres://u:%s@%s/basalt?sslmode=require&channel_binding=%s", admin, s.PGAddr(), cb))
		if err != nil {
			cancel()
			t.Fatalf("channel_binding=%s: %v", cb, err)
		}
		c.Close(ctx)
		cancel()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := pgconn.Connect(ctx, fmt.Sprintf("postgres://u:wrong@%s/basalt?sslmode=require&channel_binding=require", s.PGAddr())); err == nil {
		t.Fatal("a wrong key connected over TLS")
	}
}

// postAs posts body to url with an API key and returns the decoded answer,
// failing the test unless it is 200.
func postAs(t *testing.T, key, url, body string) map[string]any {
	t.Helper()
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	req.Header.Set("Authorization", "ApiKey "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	if resp.StatusCode != 200 {
		t.Fatalf("POST %s: %d %v", url, resp.StatusCode, out)
	}
	return out
}
