package catalog

import (
	"reflect"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
)

func TestAPIKeyRecords(t *testing.T) {
	fs := vfs.NewMem()
	c, closeDB := openTestCatalog(t, fs)
	if _, ok, err := c.AuthConfig(); err != nil || ok {
		t.Fatalf("auth config before it was written: %v %v", ok, err)
	}
	cfg := AuthConfig{SCRAMSalt: []byte("0123456789abcdef"), SCRAMIterations: 4096}
	if err := c.PutAuthConfig(cfg); err != nil {
		t.Fatal(err)
	}
	k1 := APIKey{Name: "a", User: "admin", Role: "admin", CreatedAt: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC), State: "ACTIVE",
		Hint: "abcdef", Digest: []byte{1, 2, 3}, SCRAM: SCRAMVerifier{Salt: cfg.SCRAMSalt, Iterations: 4096, StoredKey: []byte{4}, ServerKey: []byte{5}}}
	k2 := APIKey{Name: "b", User: "bob@example.com", Role: "read-only", Workspaces: []string{"shop"}, State: "SUSPENDED",
		ExpiresAt: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), Digest: []byte{9}}
	for _, k := range []APIKey{k1, k2} {
		if err := c.PutAPIKey(k); err != nil {
			t.Fatal(err)
		}
	}
	closeDB()
	c, closeDB = openTestCatalog(t, fs)
	defer closeDB()
	got, err := c.APIKeys()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, []APIKey{k1, k2}) {
		t.Fatalf("records after reopen:\n%+v\nwant\n%+v", got, []APIKey{k1, k2})
	}
	if gotCfg, ok, err := c.AuthConfig(); err != nil || !ok || !reflect.DeepEqual(gotCfg, cfg) {
		t.Fatalf("auth config: %+v %v %v", gotCfg, ok, err)
	}
	if err := c.DeleteAPIKey("admin", "a"); err != nil {
		t.Fatal(err)
	}
	if got, _ := c.APIKeys(); len(got) != 1 || got[0].Name != "b" {
		t.Fatalf("after delete: %+v", got)
	}
}
