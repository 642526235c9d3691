package rowlog

import (
	"encoding/binary"
	"hash/crc32"
	"testing"
)

// FuzzParseRecords: any bytes after a file's header parse, in either
// format, without a panic into rows and commits that are slices of the
// input, each capped at its own length (a caller that appends to one must
// not overwrite the next).
func FuzzParseRecords(f *testing.F) {
	rec := func(commit []byte, rows ...Row) []byte {
		var p []byte
		p = binary.AppendUvarint(p, uint64(len(rows)))
		for _, r := range rows {
			p = binary.AppendUvarint(p, r.ID)
			p = binary.AppendUvarint(p, uint64(len(r.Data)))
			p = append(p, r.Data...)
		}
		if commit != nil {
			p = binary.AppendUvarint(p, uint64(len(commit)))
			p = append(p, commit...)
		}
		b := binary.LittleEndian.AppendUint32(nil, uint32(len(p)))
		b = binary.LittleEndian.AppendUint32(b, crc32.Checksum(p, castagnoli))
		return append(b, p...)
	}
	f.Add(rec(nil, Row{ID: 1, Data: []byte("a")}, Row{ID: 2, Data: []byte("bc")}), false)
	f.Add(append(rec(nil, Row{ID: 7, Data: []byte("x")}), 3, 0, 0, 0, 9, 9, 9, 9, 1), false)
	f.Add(rec([]byte("commit"), Row{ID: 1, Data: []byte("a")}), true)
	f.Add(append(rec([]byte{}, Row{ID: 7, Data: []byte("x")}), rec([]byte("c"), Row{ID: 8, Data: []byte("y")})...), true)
	f.Add([]byte{}, true)
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0}, false)
	f.Fuzz(func(t *testing.T, b []byte, commits bool) {
		total := 0
		err := parseRecords(b, commits, func(id uint64, row []byte) {
			total += len(row)
			if cap(row) != len(row) {
				t.Fatalf("row %d: capacity %d beyond its %d bytes", id, cap(row), len(row))
			}
		}, func(commit []byte) {
			total += len(commit)
			if cap(commit) != len(commit) {
				t.Fatalf("commit: capacity %d beyond its %d bytes", cap(commit), len(commit))
			}
		})
		if err == nil && total > len(b) {
			t.Fatalf("%d bytes of rows from %d bytes of input", total, len(b))
		}
	})
}
