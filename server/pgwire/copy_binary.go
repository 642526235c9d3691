package pgwire

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/basaltdb/basalt/sql"
	"github.com/basaltdb/basalt/sql/ast"
	"github.com/basaltdb/basalt/sql/sqlerr"
	"github.com/basaltdb/basalt/types"
)

// COPY's binary format: the fields of a row carry no type, so the server
// must know which type the client encoded each column as. A client learns
// the types the way pgx's CopyFrom does: it describes `SELECT cols FROM
// coll` and encodes each column as that RowDescription says. The
// description depends on the kinds the collection holds and may be cached
// by the client for the life of the connection, so conn remembers what it
// described for each such SELECT (copyTypes) and a binary COPY of the same
// columns decodes as it promised; a COPY whose columns were never described
// on the connection is decoded as a fresh description would say.

// copySignature starts a binary COPY stream.
const copySignature = "PGCOPY\n\377\r\n\000"

// maxCopyTypes bounds the descriptions a connection remembers.
const maxCopyTypes = 256

// copyTypesKey names a COPY's target columns: the workspace (a bare name
// resolved by the connection's default schema), the collection and the
// columns.
func (c *conn) copyTypesKey(schema, coll string, cols []string) string {
	if schema == "" {
		schema = c.schema()
	}
	return schema + "\x00" + coll + "\x00" + strings.Join(cols, "\x00")
}

// selectColumnsKey returns the copyTypesKey of a statement that is exactly
// `SELECT col, … FROM [schema.]coll` (what pgx's CopyFrom describes), or
// false.
func (c *conn) selectColumnsKey(stmt ast.Statement) (string, bool) {
	s, ok := stmt.(*ast.Select)
	if !ok || s.With != nil || s.Distinct || s.DistinctOn != nil || s.Where != nil || s.GroupBy != nil || s.Having != nil ||
		s.Values != nil || s.SetOp != "" || s.OrderBy != nil || s.Limit != nil || s.Offset != nil || len(s.From) != 1 || len(s.Targets) == 0 {
		return "", false
	}
	tn, ok := s.From[0].(*ast.TableName)
	if !ok || tn.Alias != "" || tn.ColAliases != nil {
		return "", false
	}
	cols := make([]string, len(s.Targets))
	for i, t := range s.Targets {
		ref, ok := t.Expr.(*ast.ColumnRef)
		if !ok || t.Star || t.Alias != "" || len(ref.Parts) != 1 {
			return "", false
		}
		cols[i] = ref.Parts[0]
	}
	return c.copyTypesKey(tn.Schema, tn.Name, cols), true
}

// rememberCopyTypes records the column types a Describe of stmt promised,
// when stmt is a SELECT a binary COPY may be encoded by.
func (c *conn) rememberCopyTypes(stmt ast.Statement, oids []uint32) {
	key, ok := c.selectColumnsKey(stmt)
	if !ok {
		return
	}
	if c.copyTypes == nil {
		c.copyTypes = map[string][]uint32{}
	}
	if _, ok := c.copyTypes[key]; !ok && len(c.copyTypes) >= maxCopyTypes {
		for k := range c.copyTypes {
			delete(c.copyTypes, k)
			break
		}
	}
	c.copyTypes[key] = append([]uint32(nil), oids...)
}

// binaryCopyTypes returns the types the fields of a binary COPY are
// encoded as: those the connection described for the same columns, else a
// fresh description's.
func (c *conn) binaryCopyTypes(cmd *copyCmd) ([]uint32, error) {
	if oids, ok := c.copyTypes[c.copyTypesKey(cmd.ws, cmd.coll, cmd.cols)]; ok && len(oids) == len(cmd.cols) {
		return oids, nil
	}
	sel := &ast.Select{From: []ast.TableExpr{&ast.TableName{Schema: cmd.ws, Name: cmd.coll}}}
	for _, col := range cmd.cols {
		sel.Targets = append(sel.Targets, ast.Target{Expr: &ast.ColumnRef{Parts: []string{col}}})
	}
	cols, err := c.sess.Describe(context.Background(), sel, sql.Params{})
	if err != nil {
		return nil, err
	}
	if len(cols) != len(cmd.cols) {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "cannot describe the columns of COPY %s", cmd.coll)
	}
	oids := make([]uint32, len(cols))
	for i, col := range cols {
		oids[i] = columnOID(col.Type)
	}
	return oids, nil
}

// copyBinary reads COPY's binary format: the signature, flags and header
// extension, then rows of a field count and length-prefixed fields (-1 for
// NULL), up to the trailer (a field count of -1). A row whose field count
// is not the column count, or whose field does not decode as its type, is
// skipped and counted; a stream that breaks off mid-row fails the COPY.
func (c *conn) copyBinary(cmd *copyCmd, oids []uint32, in *copyReader, w *copyWriter, st *copyStats) error {
	br := bufio.NewReaderSize(in, 256<<10)
	hdr := make([]byte, len(copySignature)+8)
	if _, err := io.ReadFull(br, hdr); err != nil {
		if err := streamErr(err); err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
			return err
		}
		return sqlerr.New("22P04", "COPY file signature not recognized")
	}
	if string(hdr[:len(copySignature)]) != copySignature {
		return sqlerr.New("22P04", "COPY file signature not recognized")
	}
	flags := binary.BigEndian.Uint32(hdr[len(copySignature):])
	if flags&(1<<16) != 0 {
		return sqlerr.New(sqlerr.FeatureNotSupported, "COPY binary data with OIDs is not supported")
	}
	if flags&^uint32(1<<16)&0xffff0000 != 0 {
		return sqlerr.New("22P04", "unrecognized critical flags in COPY file header")
	}
	if ext := binary.BigEndian.Uint32(hdr[len(copySignature)+4:]); ext > 0 {
		if ext > math.MaxInt32 {
			return sqlerr.New("22P04", "invalid COPY file header (wrong length)")
		}
		if _, err := br.Discard(int(ext)); err != nil {
			return binaryEOF(err)
		}
	}
	maxField := c.srv.cfg.Engine.Limits().MaxDocBytes
	var buf []byte
	var row int64
	for {
		var n [4]byte
		if _, err := io.ReadFull(br, n[:2]); err != nil {
			if errors.Is(err, errCopyDone) {
				// The stream ended without a trailer: take what came.
				return nil
			}
			return binaryEOF(err)
		}
		count := int16(binary.BigEndian.Uint16(n[:2]))
		if count == -1 {
			// The trailer. Anything after it is ignored, as PostgreSQL
			// ignores data after the end marker.
			in.drain()
			return nil
		}
		row++
		var fields []types.Field
		var reason string
		if int(count) != len(cmd.cols) {
			reason = fmt.Sprintf("%d fields where %d columns are named", count, len(cmd.cols))
		} else {
			fields = make([]types.Field, 0, count)
		}
		for i := 0; i < int(count); i++ {
			if _, err := io.ReadFull(br, n[:]); err != nil {
				return binaryEOF(err)
			}
			size := int32(binary.BigEndian.Uint32(n[:]))
			if size < -1 {
				return sqlerr.New("22P04", "invalid field size %d in row %d of COPY binary data", size, row)
			}
			if size == -1 {
				if reason == "" {
					fields = append(fields, types.Field{Name: cmd.cols[i], Value: types.Null})
				}
				continue
			}
			if reason != "" || (maxField > 0 && int(size) > maxField) {
				if reason == "" {
					reason = fmt.Sprintf("column %s: a field of %d bytes is larger than %d", cmd.cols[i], size, maxField)
				}
				if _, err := br.Discard(int(size)); err != nil {
					return binaryEOF(err)
				}
				continue
			}
			if cap(buf) < int(size) {
				buf = make([]byte, size)
			}
			buf = buf[:size]
			if _, err := io.ReadFull(br, buf); err != nil {
				return binaryEOF(err)
			}
			v, err := copyBinaryValue(buf, oids[i])
			if err != nil {
				reason = fmt.Sprintf("column %s: %s", cmd.cols[i], err)
				continue
			}
			fields = append(fields, types.Field{Name: cmd.cols[i], Value: v})
		}
		if reason != "" {
			st.reject(row, reason)
			continue
		}
		w.add(row, types.Object(fields))
		if err := w.maybeFlush(st); err != nil {
			return err
		}
	}
}

// binaryEOF reports a binary COPY stream that ended mid-row.
func binaryEOF(err error) error {
	if errors.Is(err, errCopyDone) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return sqlerr.New("22P04", "unexpected EOF in COPY binary data")
	}
	return err
}

// copyBinaryValue decodes one field of a binary COPY encoded as oid. The
// value owns its memory (b is reused for the next field).
func copyBinaryValue(b []byte, oid uint32) (types.Value, error) {
	switch oid {
	case oidBytea:
		return types.Value{}, errors.New("bytea values are not supported (Basalt has no binary kind); send them as text, e.g. base64")
	case oidText, oidVarchar, oidName, oidBPChar, oidUnknown:
		if !utf8.Valid(b) {
			return types.Value{}, errors.New("invalid byte sequence for encoding \"UTF8\"")
		}
	case oidTimestamptz, oidTimestamp:
		if len(b) == 8 {
			if us := int64(binary.BigEndian.Uint64(b)); us == math.MaxInt64 || us == math.MinInt64 {
				return types.Value{}, errors.New("infinite timestamps are not supported")
			}
		}
	case oidDate:
		if len(b) == 4 {
			if d := int32(binary.BigEndian.Uint32(b)); d == math.MaxInt32 || d == math.MinInt32 {
				return types.Value{}, errors.New("infinite dates are not supported")
			}
		}
	case oidJSON, oidJSONB:
		body := b
		if oid == oidJSONB {
			if len(b) < 1 || b[0] != 1 {
				return types.Value{}, errors.New("unsupported jsonb version number")
			}
			body = b[1:]
		}
		if len(bytes.TrimSpace(body)) == 0 {
			return types.Value{}, errors.New("invalid input syntax for type json: empty")
		}
	}
	v, err := paramValue(b, oid, 1)
	if err != nil {
		var se *sqlerr.Error
		if errors.As(err, &se) {
			if se.Code == "22P03" {
				return types.Value{}, fmt.Errorf("incorrect binary data format for type %s (%d bytes)", typeName(oid), len(b))
			}
			return types.Value{}, errors.New(se.Message)
		}
		return types.Value{}, err
	}
	return v, nil
}
