// Package sql is the session layer of Basalt's SQL engine: it parses a
// statement (sql/parse), binds and optimizes it against consistent
// snapshots of the collections it reads (sql/plan), runs it (sql/exec)
// under the session's limits, and answers EXPLAIN, DESCRIBE, INSERT, SET
// and SHOW. Both protocol faces (HTTP, pgwire) go through Session only.
package sql
