package ingest

import (
	"slices"
	"sync"
	"time"
)

// Source states, as Rockset reports them.
const (
	StateInitializing = "INITIALIZING"
	StateProcessing   = "PROCESSING" // reading a backlog
	StateWatching     = "WATCHING"   // caught up, waiting for new records
	StateError        = "ERROR"
	StateSuspended    = "SUSPENDED"
)

// PartitionStatus is the position of one partition.
type PartitionStatus struct {
	Partition int32 `json:"partition_number"`
	// Offset is the next offset to read (committed with the documents).
	Offset int64 `json:"partition_offset"`
	// Lag is how many records the topic holds past Offset, as of the last
	// look at the partition's end (-1: not known yet).
	Lag int64 `json:"offset_lag"`
}

// Status is a snapshot of a source's progress.
type Status struct {
	State           string
	Message         string
	Since           time.Time
	LastProcessedAt time.Time
	LastErrorAt     time.Time
	// Records read (documents of array records count one each), documents
	// written, records that could not be decoded, documents the
	// transformation or the write rejected (both kept in _meta.bad).
	Records, Documents, BadRecords, ErrorDocuments int64
	// Replaced counts documents that replaced one with the same _id;
	// Deleted, documents a file source deleted because the object they
	// were read from was rewritten and read again.
	Replaced   int64
	Deleted    int64
	Partitions []PartitionStatus
	// BytesRead and BytesTotal are a file or S3 source's progress: bytes
	// of its listed objects read (as stored, compressed or not) and their
	// total. ObjectsDone of ObjectsTotal objects are read to the end.
	BytesRead, BytesTotal     int64
	ObjectsDone, ObjectsTotal int64
	// InFlightBytes and InFlightRecords are a Kafka source's records
	// polled and handed on to be decoded and committed, not committed yet:
	// the memory a backlog takes while the collection writes slower than
	// the topic delivers (bounded by the connector's byte budget).
	InFlightBytes, InFlightRecords int64
}

// statusBox is a Status shared between a job and readers.
type statusBox struct {
	mu sync.Mutex
	s  Status
}

func (b *statusBox) get() Status {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.s
	s.Partitions = slices.Clone(s.Partitions)
	return s
}

func (b *statusBox) update(fn func(s *Status)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	fn(&b.s)
}

func (s *Status) setState(state, msg string, now time.Time) {
	if s.State != state {
		s.Since = now
	}
	s.State, s.Message = state, msg
	if state == StateError {
		s.LastErrorAt = now
	}
}

func (s *Status) partition(p int32) *PartitionStatus {
	i, ok := slices.BinarySearchFunc(s.Partitions, p, func(ps PartitionStatus, p int32) int { return int(ps.Partition - p) })
	if !ok {
		s.Partitions = slices.Insert(s.Partitions, i, PartitionStatus{Partition: p, Lag: -1})
	}
	return &s.Partitions[i]
}
