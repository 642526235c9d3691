package server

import (
	"context"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/basaltdb/basalt/internal/jdbctest"
	"github.com/basaltdb/basalt/internal/testcert"
)

// TestAuthJDBC connects with pgjdbc to a server that requires API keys:
// the password is the key, checked by SCRAM-SHA-256, in plain text and
// over TLS (sslmode=require); a read-only key may read but not write, and a
// wrong key is refused with 28P01 (JdbcCompat.java, mode auth).
func TestAuthJDBC(t *testing.T) {
	prog := jdbctest.Compile(t, "pgwire/testdata/jdbc", "JdbcCompat")
	dir := t.TempDir()
	certFile, keyFile := testcert.Files(t, dir)
	const admin = "env-admin-key-0123456789abcdef"
	s, _ := startLogged(t, Config{DataDir: filepath.Join(dir, "data"), Auth: true, AdminKey: admin, TLSCert: certFile, TLSKey: keyFile})
	defer s.Shutdown()
	_, port, _ := net.SplitHostPort(s.HTTPAddr())
	post := func(path, body string) map[string]any {
		t.Helper()
		return postAs(t, admin, "http://127.0.0.1:"+port+"/v1/orgs/self"+path, body)
	}
	post("/ws/commons/collections", `{"name":"t"}`)
	post("/ws/commons/collections/t/docs", `{"data":[{"_id":"1","a":1}]}`)
	ro := post("/users/self/apikeys", `{"name":"ro","role":"read-only"}`)["data"].(map[string]any)["key"].(string)

	for _, c := range []struct {
		name, sslmode, key, insert string
	}{
		{"admin", "disable", admin, "none"},
		{"admin over TLS", "require", admin, "none"},
		{"read-only", "disable", ro, "42501"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			url := "jdbc:postgresql://" + s.PGAddr() + "/basalt?sslmode=" + c.sslmode + "&connectTimeout=10&socketTimeout=60"
			out, err := prog.Run(ctx, "UTC", url, "app", c.key, "auth", c.insert)
			if err != nil || !strings.HasSuffix(strings.TrimSpace(out), "ALL OK") {
				t.Fatalf("java: %v\n%s", err, out)
			}
		})
	}
}
