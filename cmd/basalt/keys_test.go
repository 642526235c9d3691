package main

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/basaltdb/basalt/server"
)

// runBasalt runs the CLI with args and returns stdout, stderr and the error.
func runBasalt(args ...string) (string, string, error) {
	var out, errOut bytes.Buffer
	cmd := rootCmd()
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	err := cmd.Execute()
	return out.String(), errOut.String(), err
}

// TestKeysCLI drives `basalt keys` against a running server with
// authentication on.
func TestKeysCLI(t *testing.T) {
	const admin = "cli-admin-key-0123456789abcdef"
	s, err := server.Start(server.Config{DataDir: t.TempDir(), HTTPAddr: "127.0.0.1:0", PGAddr: "127.0.0.1:0", Auth: true, AdminKey: admin,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown()
	url := "http://" + s.HTTPAddr()
	status := func(key string) int {
		t.Helper()
		req, _ := http.NewRequest("GET", url+"/v1/orgs/self/ws", nil)
		req.Header.Set("Authorization", "ApiKey "+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	t.Setenv("BASALT_URL", url)
	t.Setenv("BASALT_API_KEY", "")

	// Without a key: refused, saying how to give one.
	if _, _, err := runBasalt("keys", "list"); err == nil || !strings.Contains(err.Error(), "401") || !strings.Contains(err.Error(), "BASALT_API_KEY") {
		t.Fatalf("list without a key: %v", err)
	}

	out, errOut, err := runBasalt("keys", "create", "dash", "--role", "read-only", "--workspace", "shop", "--expires", "30d", "--api-key", admin)
	if err != nil {
		t.Fatalf("create: %v %s", err, errOut)
	}
	key := strings.TrimSpace(out)
	if !strings.HasPrefix(key, "bsk_") || strings.Count(out, "\n") != 1 || !strings.Contains(errOut, "shown this once") || !strings.Contains(errOut, "workspaces shop") {
		t.Fatalf("create printed %q / %q", out, errOut)
	}
	if code := status(key); code != 200 {
		t.Fatalf("new key: %d", code)
	}

	// The environment gives the key too.
	t.Setenv("BASALT_API_KEY", admin)
	out, _, err = runBasalt("keys", "list")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "dash") || !strings.Contains(out, "read-only") || !strings.Contains(out, "shop") || strings.Contains(out, key) || !strings.Contains(out, key[len(key)-6:]) {
		t.Fatalf("list:\n%s", out)
	}
	out, _, err = runBasalt("keys", "get", "dash", "--json")
	if err != nil || !strings.Contains(out, `"name":"dash"`) || strings.Contains(out, key) || !strings.Contains(out, `"expiry_time":"`) {
		t.Fatalf("get --json: %v %s", err, out)
	}

	if out, _, err = runBasalt("keys", "suspend", "dash"); err != nil || !strings.Contains(out, "SUSPENDED") {
		t.Fatalf("suspend: %v %s", err, out)
	}
	if code := status(key); code != 401 {
		t.Fatalf("suspended key: %d", code)
	}
	if out, _, err = runBasalt("keys", "resume", "dash"); err != nil || !strings.Contains(out, "ACTIVE") {
		t.Fatalf("resume: %v %s", err, out)
	}
	if code := status(key); code != 200 {
		t.Fatalf("resumed key: %d", code)
	}

	// A read-only key manages nothing.
	if _, _, err := runBasalt("keys", "create", "x", "--api-key", key); err == nil || !strings.Contains(err.Error(), "403 FORBIDDEN") {
		t.Fatalf("create with a read-only key: %v", err)
	}

	if out, _, err = runBasalt("keys", "revoke", "dash"); err != nil || !strings.Contains(out, "revoked") {
		t.Fatalf("revoke: %v %s", err, out)
	}
	if code := status(key); code != 401 {
		t.Fatalf("revoked key: %d", code)
	}
	if _, _, err := runBasalt("keys", "get", "dash"); err == nil || !strings.Contains(err.Error(), "404 NOTFOUND") {
		t.Fatalf("get a revoked key: %v", err)
	}
	if _, _, err := runBasalt("keys", "create", "y", "--expires", "yesterday"); err == nil || !strings.Contains(err.Error(), "--expires") {
		t.Fatalf("bad --expires: %v", err)
	}
}

func TestParseExpires(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"30d":                  now.AddDate(0, 0, 30),
		"36h":                  now.Add(36 * time.Hour),
		"2031-02-03T04:05:06Z": time.Date(2031, 2, 3, 4, 5, 6, 0, time.UTC),
	} {
		got, err := parseExpires(in, now)
		if err != nil || !got.Equal(want) {
			t.Errorf("%s: %v %v, want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "0d", "-1h", "soon"} {
		if _, err := parseExpires(bad, now); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
