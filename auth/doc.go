// Package auth owns API keys: who may do what. It creates keys and shows
// each once, keeps them (hashed) in the catalog, recognises them on every
// request, and answers whether the caller may do an action on a workspace.
//
// A key is a random 32-byte secret shown once as "bsk_" and 64 hex digits.
// The catalog stores, per key, its SHA-256 digest (so HTTP checks a key with
// one hash and one map lookup, never a slow derivation per request) and
// SCRAM-SHA-256 verifier material (RFC 5802, RFC 7677), so the PostgreSQL
// protocol can check the key as a password without ever seeing it.
//
// SCRAM sends the salt before the client proves anything, but on the
// PostgreSQL protocol the user name is free and only the password (the key)
// says who the caller is. So every key of a server is derived with one
// server-wide salt and iteration count, and the server, holding the
// client's proof, finds the key whose StoredKey the proof matches (one HMAC
// per active key; a server has few keys, and this runs once per
// connection). The keys themselves are 256-bit random, so the shared salt
// costs nothing against guessing.
//
// Roles are admin (everything, including keys), member (read and write
// documents, create and drop workspaces, collections and lambdas) and
// read-only; a member or read-only key may be limited to workspaces, and then
// sees nothing else. A Principal is the caller a key stands for; its Can and
// Check methods are the one place these rules live, for both protocols.
package auth
