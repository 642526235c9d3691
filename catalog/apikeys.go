package catalog

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/basaltdb/basalt/storage/kv"
	"github.com/cockroachdb/pebble/v2"
)

// APIKey is the catalog record of an API key. It never holds the key
// itself: only a SHA-256 digest, to recognise the key on HTTP, and SCRAM
// verifier material, to check it on the PostgreSQL protocol. Package auth
// gives the fields their meaning; the catalog only persists them.
type APIKey struct {
	Name       string    `json:"name"`
	User       string    `json:"user"`
	Role       string    `json:"role"`
	Workspaces []string  `json:"workspaces,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	// CreatedBy names the API key that created this one ("" when none did).
	CreatedBy string `json:"created_by,omitempty"`
	// ExpiresAt is when the key stops working (zero: never).
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	State     string    `json:"state"`
	// Hint is the key's last characters, so that a list can tell keys
	// apart without showing them.
	Hint   string        `json:"hint"`
	Digest []byte        `json:"digest"`
	SCRAM  SCRAMVerifier `json:"scram"`
}

// SCRAMVerifier is what a SCRAM-SHA-256 server stores instead of a
// password (RFC 5802 section 3).
type SCRAMVerifier struct {
	Salt       []byte `json:"salt"`
	Iterations int    `json:"iterations"`
	StoredKey  []byte `json:"stored_key"`
	ServerKey  []byte `json:"server_key"`
}

// AuthConfig holds what every API key shares: the SCRAM salt and
// iteration count, fixed per server because the PostgreSQL protocol must
// send them before it knows which key the client holds.
type AuthConfig struct {
	SCRAMSalt       []byte `json:"scram_salt"`
	SCRAMIterations int    `json:"scram_iterations"`
}

// APIKeys loads every API key record. Callers cache them (package auth
// does): the catalog reads the store on every call.
func (c *Catalog) APIKeys() ([]APIKey, error) {
	var out []APIKey
	start, end := kv.APIKeySpan()
	err := kv.Scan(c.db, start, end, func(_, v []byte) error {
		var k APIKey
		if err := json.Unmarshal(v, &k); err != nil {
			return fmt.Errorf("decode API key record: %w", err)
		}
		out = append(out, k)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load API keys: %w", err)
	}
	return out, nil
}

// PutAPIKey creates or replaces an API key record, durably.
func (c *Catalog) PutAPIKey(k APIKey) error {
	rec, err := json.Marshal(k)
	if err != nil {
		return err
	}
	if err := c.commit(func(b *pebble.Batch) error { return b.Set(kv.APIKeyKey(k.User, k.Name), rec, nil) }); err != nil {
		return fmt.Errorf("write API key %q: %w", k.Name, err)
	}
	return nil
}

// DeleteAPIKey removes an API key record, durably.
func (c *Catalog) DeleteAPIKey(user, name string) error {
	if err := c.commit(func(b *pebble.Batch) error { return b.Delete(kv.APIKeyKey(user, name), nil) }); err != nil {
		return fmt.Errorf("delete API key %q: %w", name, err)
	}
	return nil
}

// AuthConfig returns the shared API key settings; ok is false before they
// were first written.
func (c *Catalog) AuthConfig() (cfg AuthConfig, ok bool, err error) {
	v, ok, err := kv.Get(c.db, kv.AuthConfigKey())
	if err != nil || !ok {
		return cfg, ok, err
	}
	if err := json.Unmarshal(v, &cfg); err != nil {
		return cfg, false, fmt.Errorf("decode auth settings: %w", err)
	}
	return cfg, true, nil
}

// PutAuthConfig writes the shared API key settings, durably.
func (c *Catalog) PutAuthConfig(cfg AuthConfig) error {
	rec, err := json.Marshal(cfg)
	if err != nil {
		return err
	}
	if err := c.commit(func(b *pebble.Batch) error { return b.Set(kv.AuthConfigKey(), rec, nil) }); err != nil {
		return fmt.Errorf("write auth settings: %w", err)
	}
	return nil
}
