// Package file reads documents out of files for bulk loads: history and
// backfill in NDJSON, JSON, CSV or Parquet, from local paths and globs or
// from S3-compatible object storage, gzip-compressed or not.
//
// A load is a list of objects in a stable order (each location's objects
// sorted by name) and, inside each object, documents in file order. Every
// document has a Position: its object and a byte offset (text formats,
// counted in the decompressed stream) or a row index (Parquet). Positions
// grow along the load, so "everything up to and including P" is a prefix
// of it: a restarted load resumes after the last position it knows was
// acknowledged (Config.After), and a position names a document for good,
// so a writer that derives a document's _id from it (DerivedID) upserts
// the same document again rather than adding a duplicate when it replays
// a batch whose acknowledgement was lost.
//
//	location ──List──► []Object (sorted, with sizes)
//	        ──Open───► Iterator ──Next(ctx)──► Doc{Data, Pos} | *DocError | *ObjectError | io.EOF
//	                        └──Progress()──► bytes read of total
//
// The package knows nothing of servers, SQL or flags: the CLI (`basalt
// load`) and, later, a server-side collection source both drive an
// Iterator.
package file
