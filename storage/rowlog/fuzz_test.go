package rowlog

import (
	"encoding/binary"
	"hash/crc32"
	"testing"
)

// FuzzParseRecords: any bytes after a file's header parse without a panic
// into rows that are slices of the input, each capped at its own length (a
// caller that appends to one must not overwrite the next).
func FuzzParseRecords(f *testing.F) {
	rec := func(rows ...Row) []byte {
		var p []byte
		p = binary.AppendUvarint(p, uint64(len(rows)))
		for _, r := range rows {
			p = binary.AppendUvarint(p, r.ID)
			p = binary.AppendUvarint(p, uint64(len(r.Data)))
			p = append(p, r.Data...)
		}
		b := binary.LittleEndian.AppendUint32(nil, uint32(len(p)))
		b = binary.LittleEndian.AppendUint32(b, crc32.Checksum(p, castagnoli))
		return append(b, p...)
	}
	f.Add(rec(Row{ID: 1, Data: []byte("a")}, Row{ID: 2, Data: []byte("bc")}))
	f.Add(append(rec(Row{ID: 7, Data: []byte("x")}), 3, 0, 0, 0, 9, 9, 9, 9, 1))
	f.Add([]byte{})
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		total := 0
		err := parseRecords(b, func(id uint64, row []byte) {
			total += len(row)
			if cap(row) != len(row) {
				t.Fatalf("row %d: capacity %d beyond its %d bytes", id, cap(row), len(row))
			}
		})
		if err == nil && total > len(b) {
			t.Fatalf("%d bytes of rows from %d bytes of input", total, len(b))
		}
	})
}
