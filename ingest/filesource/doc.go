// Package filesource is the connector of the ingest package for S3 and
// file collection sources: it lists the objects of an S3 bucket (prefix or
// glob) or the files of a path or glob on the server's machine, reads
// their documents with ingest/file (NDJSON, JSON, CSV, Parquet, gzip) and
// hands them to the ingest job in batches, each committed atomically with
// the position it reached. Once every listed object is read, it lists
// again every Options.Interval and loads the objects that appeared (as
// Rockset's S3 sources watch their bucket).
//
// Positions. The job keeps one checkpoint per object, named by the
// object's ingest/file name (s3://bucket/key, or the absolute path), whose
// value is the ingest/file offset of the last document committed: a byte
// offset in the decompressed stream for NDJSON, JSON and CSV, a row index
// for Parquet. Done (math.MaxInt64) marks an object read to the end; an
// object without a checkpoint has not been started. A restarted source
// resumes each object after its checkpoint, and a document without an
// _id gets one derived from its object and offset (ingest/file.DerivedID,
// after the source id), so a batch replayed after a crash replaces the
// same documents rather than adding them again: exactly-once.
//
// Versions. Next to each object's checkpoint the job keeps, under
// "version " + name, a hash of the version it was read from
// (file.Object.Version: S3's ETag, size and modification time, a file's
// size and modification time), committed with every batch. An object
// listed with another version was rewritten in place: it is read again
// from its start, and the documents its earlier version left under derived
// _ids (found by their _id prefix, Job.DerivedIDs) are deleted in the same
// atomic write as the new version's first batch and its position
// (Job.WriteReplacing; beyond maxStaleDeletes, the rest ahead of it). Until
// that write a restart still sees the old version's checkpoint and starts
// over; after it, it resumes the new version. A document with its own _id
// is replaced by it and stays if the new version lacks it, and a rollup
// collection folds the new version on top of the old: neither can be
// taken back by _id prefix.
//
//	List ──objects──► not Done, or another version? ──file.Iterator(After: checkpoint)──► batch
//	                                                                                        │
//	      Job.WriteReplacing(stale ids, records, {object: last offset | Done, version: hash})
package filesource
