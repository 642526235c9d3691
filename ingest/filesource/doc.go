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
// An object is loaded once: one that is rewritten or appended to after it
// was read to the end is not read again.
//
//	List ──objects──► not Done? ──file.Iterator(After: checkpoint)──► batch
//	                                                                    │
//	                        Job.Write(records, {object: last offset | Done})
package filesource
