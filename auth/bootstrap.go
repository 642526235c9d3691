package auth

import (
	"fmt"
	"os"
	"path/filepath"
)

// The bootstrap key: the first admin key, name "admin" of user "admin".
const (
	BootstrapUser = "admin"
	BootstrapName = "admin"
)

// Bootstrapped says where the first admin key came from.
type Bootstrapped int

const (
	// BootstrapExisting: a usable admin key already existed; nothing changed.
	BootstrapExisting Bootstrapped = iota
	// BootstrapFromEnv: the key given by the operator (BASALT_ADMIN_KEY) is
	// the bootstrap key.
	BootstrapFromEnv
	// BootstrapGenerated: a new key was generated and written to the key
	// file.
	BootstrapGenerated
)

// Bootstrap makes sure an administrator can get in. With adminKey (the
// operator's BASALT_ADMIN_KEY) it becomes the bootstrap key, replacing an
// earlier one, so that changing the variable rotates the key. Without it,
// if no usable unrestricted admin key exists (first start, or every admin
// key was revoked or expired), a new bootstrap key is generated and written
// to keyFile with mode 0600, replacing the file atomically.
func (s *Store) Bootstrap(adminKey, keyFile string) (Bootstrapped, error) {
	if adminKey != "" {
		if err := checkSecret(adminKey); err != nil {
			return 0, fmt.Errorf("BASALT_ADMIN_KEY: %w", err)
		}
		s.mu.RLock()
		e := s.byID[keyID{BootstrapUser, BootstrapName}]
		s.mu.RUnlock()
		if e != nil && e.digest == digest(adminKey) && e.role == RoleAdmin && e.usable(s.now()) {
			return BootstrapFromEnv, nil
		}
		if _, err := s.create(KeySpec{Name: BootstrapName, User: BootstrapUser, Role: RoleAdmin}, adminKey, true); err != nil {
			return 0, fmt.Errorf("store the admin key from BASALT_ADMIN_KEY: %w", err)
		}
		return BootstrapFromEnv, nil
	}
	if s.hasUsableAdmin() {
		return BootstrapExisting, nil
	}
	secret, err := newSecret()
	if err != nil {
		return 0, err
	}
	// Write the file first: a key stored but lost to a failed write would
	// lock the operator out until the next start.
	if err := writeKeyFile(keyFile, secret); err != nil {
		return 0, err
	}
	if _, err := s.create(KeySpec{Name: BootstrapName, User: BootstrapUser, Role: RoleAdmin}, secret, true); err != nil {
		return 0, fmt.Errorf("store the generated admin key: %w", err)
	}
	return BootstrapGenerated, nil
}

// writeKeyFile writes the key with mode 0600 through a synced temporary
// file renamed into place. It uses package os rather than the engine's
// vfs.FS because the file's mode matters: vfs.FS creates files without
// one.
func writeKeyFile(path, secret string) error {
	tmp := path + ".tmp"
	_ = os.Remove(tmp)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("write the admin key file: %w", err)
	}
	_, err = f.WriteString(secret + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("write the admin key file %q: %w", path, err)
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}
