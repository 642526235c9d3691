package kv

import "encoding/binary"

// Table prefixes.
const (
	TableCatalog byte = 'C'
	// TableRows is reserved: rows moved to the row log (storage/rowlog).
	TableRows       byte = 'r'
	TablePK         byte = 'p'
	TableDeletes    byte = 'd'
	TableSegments   byte = 's'
	TableMeta       byte = 'm'
	TableOffsets    byte = 'o'
	catalogWS       byte = 'w'
	catalogColl     byte = 'c'
	catalogNextID   byte = 'n'
	catalogLambda   byte = 'l'
	catalogLambdaV  byte = 'v'
	metaNextRowID   byte = 'n'
	metaLowWater    byte = 'l'
	collectionBytes      = 9 // table byte + cid
)

// CollectionTables are the tables keyed by collection id.
var CollectionTables = []byte{TableRows, TablePK, TableDeletes, TableSegments, TableMeta, TableOffsets}

func appendCID(dst []byte, table byte, cid uint64) []byte {
	return binary.BigEndian.AppendUint64(append(dst, table), cid)
}

// PKKey is the primary-key entry of a document id.
func PKKey(dst []byte, cid uint64, id string) []byte {
	return append(appendCID(dst, TablePK, cid), id...)
}

// DeleteKey is the deletion mark of a row.
func DeleteKey(dst []byte, cid, rowid uint64) []byte {
	return binary.BigEndian.AppendUint64(appendCID(dst, TableDeletes, cid), rowid)
}

// SegmentKey is the record of a sealed segment.
func SegmentKey(dst []byte, cid, segid uint64) []byte {
	return binary.BigEndian.AppendUint64(appendCID(dst, TableSegments, cid), segid)
}

// NextRowIDKey holds the next rowid of a collection.
func NextRowIDKey(cid uint64) []byte { return append(appendCID(nil, TableMeta, cid), metaNextRowID) }

// LowWaterKey holds the lowest rowid that may not be in a sealed segment.
func LowWaterKey(cid uint64) []byte { return append(appendCID(nil, TableMeta, cid), metaLowWater) }

// OffsetKey holds the committed offsets of one ingest source.
func OffsetKey(cid uint64, source string) []byte {
	return append(appendCID(nil, TableOffsets, cid), source...)
}

// TableSpan returns [start, end) of a collection's part of a table.
func TableSpan(table byte, cid uint64) (start, end []byte) {
	return appendCID(nil, table, cid), appendCID(nil, table, cid+1)
}

// RowIDFromKey returns the rowid of a deletion key.
func RowIDFromKey(key []byte) uint64 {
	return binary.BigEndian.Uint64(key[collectionBytes:])
}

// SegIDFromKey returns the segment id of a segment key.
func SegIDFromKey(key []byte) uint64 {
	return binary.BigEndian.Uint64(key[collectionBytes:])
}

// WorkspaceKey is the catalog record of a workspace.
func WorkspaceKey(name string) []byte {
	return append([]byte{TableCatalog, catalogWS}, name...)
}

// WorkspaceSpan spans every workspace record.
func WorkspaceSpan() (start, end []byte) {
	return []byte{TableCatalog, catalogWS}, []byte{TableCatalog, catalogWS + 1}
}

// CollectionKey is the catalog record of a collection.
func CollectionKey(ws, name string) []byte {
	k := append([]byte{TableCatalog, catalogColl}, ws...)
	return append(append(k, 0), name...)
}

// CollectionSpan spans every collection record.
func CollectionSpan() (start, end []byte) {
	return []byte{TableCatalog, catalogColl}, []byte{TableCatalog, catalogColl + 1}
}

// LambdaKey is the catalog record of a query lambda.
func LambdaKey(ws, name string) []byte {
	k := append([]byte{TableCatalog, catalogLambda}, ws...)
	return append(append(k, 0), name...)
}

// LambdaSpan spans every query lambda record.
func LambdaSpan() (start, end []byte) {
	return []byte{TableCatalog, catalogLambda}, []byte{TableCatalog, catalogLambda + 1}
}

// LambdaVersionKey is the record of one version of a query lambda; seq
// orders a lambda's versions by creation.
func LambdaVersionKey(ws, name string, seq uint64) []byte {
	k := append([]byte{TableCatalog, catalogLambdaV}, ws...)
	k = append(append(k, 0), name...)
	return binary.BigEndian.AppendUint64(append(k, 0), seq)
}

// LambdaVersionSpan spans every query lambda version record.
func LambdaVersionSpan() (start, end []byte) {
	return []byte{TableCatalog, catalogLambdaV}, []byte{TableCatalog, catalogLambdaV + 1}
}

// NextCollectionIDKey holds the next collection id.
func NextCollectionIDKey() []byte { return []byte{TableCatalog, catalogNextID} }

// PutUvarint encodes v as a value.
func PutUvarint(v uint64) []byte { return binary.AppendUvarint(nil, v) }

// Uvarint decodes a value written by PutUvarint.
func Uvarint(b []byte) (uint64, bool) {
	v, n := binary.Uvarint(b)
	return v, n > 0 && n == len(b)
}

// Catalog records of API keys (package auth) and of the settings they share.
const (
	catalogAPIKey  byte = 'k'
	catalogAuthCfg byte = 'a'
)

// APIKeyKey is the catalog record of an API key, by owner and name.
func APIKeyKey(user, name string) []byte {
	k := append([]byte{TableCatalog, catalogAPIKey}, user...)
	return append(append(k, 0), name...)
}

// APIKeySpan spans every API key record.
func APIKeySpan() (start, end []byte) {
	return []byte{TableCatalog, catalogAPIKey}, []byte{TableCatalog, catalogAPIKey + 1}
}

// AuthConfigKey holds the settings every API key shares (the SCRAM salt).
func AuthConfigKey() []byte { return []byte{TableCatalog, catalogAuthCfg} }

// catalogIntegration prefixes integration records (Kafka clusters and the
// like that collection sources name).
const catalogIntegration byte = 'i'

// IntegrationKey is the catalog record of an integration.
func IntegrationKey(name string) []byte {
	return append([]byte{TableCatalog, catalogIntegration}, name...)
}

// IntegrationSpan spans every integration record.
func IntegrationSpan() (start, end []byte) {
	return []byte{TableCatalog, catalogIntegration}, []byte{TableCatalog, catalogIntegration + 1}
}
