// Package pgwire serves the PostgreSQL wire protocol (version 3.0) over
// Basalt's SQL session, so that psql, drivers (pgx, JDBC, libpq), Grafana's
// PostgreSQL data source and DBeaver work against Basalt. Messages are read
// and written with github.com/jackc/pgx/v5/pgproto3; this package owns the
// protocol's state machine and the mapping of Basalt's dynamic values onto
// PostgreSQL types. It goes through sql.Session for everything SQL.
//
// # Connections
//
// A Server accepts connections and serves each on a goroutine of its own
// (conn). Startup has a deadline (StartupTimeout): SSLRequest is answered
// 'S' and the connection switches to TLS when Config.TLS is set, else 'N';
// GSSENCRequest is answered 'N'; a CancelRequest cancels the statement
// running on the connection whose BackendKeyData it carries and closes. The
// StartupMessage's user and database are recorded (a database named like a
// workspace makes it the default schema); Config.Auth, when set, then runs
// its own authentication exchange (the hook SCRAM-SHA-256 with API keys
// plugs into), and without it only loopback clients are trusted. The client
// then gets AuthenticationOk, the usual ParameterStatus messages
// (server_version "15.0 (Basalt)", UTF8, ISO dates, UTC, …), BackendKeyData
// and ReadyForQuery. Every message is bounded by MaxMessageBytes; a
// malformed or oversized one gets a FATAL 08P01 and the connection closes,
// never the server.
//
// # Queries
//
// The simple protocol runs each statement of a Query in turn, stopping at
// the first error. The extended protocol keeps named and unnamed prepared
// statements and portals; errors skip to Sync. Statements that are not SQL
// for the session are handled here: BEGIN/COMMIT/ROLLBACK only track the
// transaction status clients expect (Basalt applies each write when its
// statement runs), SET/SHOW of the protocol's settings (client_encoding,
// search_path, statement_timeout, application_name …) and COPY.
//
// # Types
//
// Columns are described as bool, int8, float8 (ints and floats together
// too), text, timestamptz or jsonb (arrays and objects); a column whose
// values mix other kinds is text. Which type a column gets depends on when
// it is described:
//
//   - Simple queries and Describe of a portal execute first and describe
//     the result they have (execute-and-cache: the portal keeps its rows
//     for Execute), so the types are exact.
//   - Describe of a prepared statement happens before any parameter is
//     known, so the statement is bound and planned without running it
//     (sql.Session.Describe) and each column gets the kinds the collection
//     holds at its path, or the kind its expression yields. Executions
//     that are not described again send values as those types; a value
//     that no longer fits (a field that gained a second kind since) fails
//     with 0A000 "cached plan must not change result type", which drivers
//     such as pgx answer by preparing the statement again.
//
// Parameters keep the types the client gave in Parse. Untyped ones get the
// type their use implies, as PostgreSQL infers them ($1 compared with an
// int field is int8, a value inserted into one too; see
// sql.Session.ParamKinds), else 0 (unspecified):
// such a text parameter is a string, which the binder casts when it is
// compared with a typed field. Binary parameters are read for int2/4/8,
// float4/8, bool, text, timestamp(tz), date, uuid and jsonb; binary
// results are written for the described types.
//
// # COPY
//
// COPY coll [(cols)] FROM STDIN in text, csv, ndjson and binary formats writes
// batches of CopyBatchRows documents through storage.Engine.Write as the
// data arrives, one batch in flight while the next is parsed. A header row
// (or the column list) names the fields; integers and floats become
// numbers, true/false booleans, empty (NULL) cells null, the rest strings.
// Rows are independent, as documents of the HTTP write API are: a bad row
// is skipped and counted, and the command completes with "COPY n" (rows
// written) after a WARNING naming the rejected rows. CopyFail or a broken
// stream fails the COPY; batches already written stay written.
//
// COPY coll [(cols)] TO STDOUT and COPY (query) TO STDOUT send the rows of
// `SELECT cols FROM coll` (all columns when none are named) or of the
// query in the text or csv format (HEADER, DELIMITER, NULL, FORCE_QUOTE),
// each value as a simple query's text would be (objects and arrays as
// JSON) escaped as PostgreSQL escapes it, NULL as \N in text and an empty
// field in csv: what psql's \copy … to, pgx's CopyTo and pgjdbc's
// CopyManager.copyOut read (copy_out.go).
//
// Binary COPY (pgx's CopyFrom) needs a column list. Its fields carry no
// type: clients encode each column as the type a Describe of `SELECT cols
// FROM coll` gave, so the connection remembers those descriptions
// (copy_binary.go) and decodes the COPY as it described the same columns,
// else as a fresh description would say.
//
// # Catalog
//
// catalog.go emulates enough of pg_catalog and information_schema for
// client tools: references to catalog tables become VALUES lists built from
// the live catalog (workspaces are schemas, collections tables, top-level
// fields columns, _id the primary key of each), and system functions
// (format_type, pg_table_is_visible, current_schema(), quote_ident,
// pg_get_keywords(), …) their values. catalog_columns.go holds PostgreSQL
// 15's column lists for the emulated tables; tables Basalt has no
// counterpart for are empty. jdbc_test.go checks the result with pgjdbc's
// DatabaseMetaData and with the catalog queries DBeaver sends
// (testdata/jdbc/dbeaver).
package pgwire
