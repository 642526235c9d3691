package auth

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/basaltdb/basalt/catalog"
)

// KeyPrefix starts every generated key, so that a leaked key is easy to
// recognise (and to scan for) as a Basalt key.
const KeyPrefix = "bsk_"

// keyBytes is the entropy of a generated key: 256 bits, beyond guessing,
// which is why a plain SHA-256 digest is a safe way to store it.
const keyBytes = 32

// hintLen is how many trailing characters of a key a list shows (Rockset
// showed a 6-character identifier).
const hintLen = 6

// DefaultSCRAMIterations is the PBKDF2 iteration count of the SCRAM
// verifiers: PostgreSQL's default (scram_iterations) and RFC 7677's
// minimum. Generated keys need no more: they are random, not chosen.
const DefaultSCRAMIterations = 4096

// newSecret returns a fresh key.
func newSecret() (string, error) {
	var b [keyBytes]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("generate API key: %w", err)
	}
	return KeyPrefix + hex.EncodeToString(b[:]), nil
}

// digest is how a key is recognised: its SHA-256.
func digest(secret string) [sha256.Size]byte { return sha256.Sum256([]byte(secret)) }

func hint(secret string) string {
	if len(secret) <= hintLen {
		return secret
	}
	return secret[len(secret)-hintLen:]
}

// checkSecret validates a key chosen by the operator (BASALT_ADMIN_KEY):
// printable ASCII without spaces, so that it survives headers, shells and
// SASLprep unchanged, and long enough not to be guessed.
func checkSecret(s string) error {
	if len(s) < 16 {
		return fmt.Errorf("%w: an API key must be at least 16 characters long", catalog.ErrInvalid)
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return fmt.Errorf("%w: an API key must be printable ASCII without spaces", catalog.ErrInvalid)
		}
	}
	return nil
}

// scramVerifier derives what a SCRAM-SHA-256 server stores for password
// (RFC 5802 section 3):
//
//	SaltedPassword = PBKDF2-HMAC-SHA-256(password, salt, iterations)
//	StoredKey      = SHA-256(HMAC(SaltedPassword, "Client Key"))
//	ServerKey      = HMAC(SaltedPassword, "Server Key")
//
// The password is used as is: keys are printable ASCII, which SASLprep
// leaves unchanged.
func scramVerifier(password string, salt []byte, iterations int) (catalog.SCRAMVerifier, error) {
	salted, err := pbkdf2.Key(sha256.New, password, salt, iterations, sha256.Size)
	if err != nil {
		return catalog.SCRAMVerifier{}, fmt.Errorf("derive SCRAM verifier: %w", err)
	}
	clientKey := hmacSHA256(salted, []byte("Client Key"))
	stored := sha256.Sum256(clientKey)
	return catalog.SCRAMVerifier{
		Salt:       salt,
		Iterations: iterations,
		StoredKey:  stored[:],
		ServerKey:  hmacSHA256(salted, []byte("Server Key")),
	}, nil
}

func hmacSHA256(key, msg []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(msg)
	return m.Sum(nil)
}
