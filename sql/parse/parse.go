package parse

import (
	"errors"
	"fmt"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"github.com/pganalyze/pg_query_go/v6/parser"

	"github.com/basaltdb/basalt/sql/ast"
	"github.com/basaltdb/basalt/sql/sqlerr"
)

// Parse parses text that may hold several statements separated by ';'. Text
// with no statement at all (empty, only ';' or comments) gives one
// *ast.Empty. Errors are *sqlerr.Error: syntax errors (42601) carry the line
// and column in text, unsupported constructs are 0A000.
func Parse(text string) ([]ast.Statement, error) {
	return parseText(text, 0)
}

// ParseOne parses exactly one statement; more than one is an error.
func ParseOne(text string) (ast.Statement, error) {
	stmts, err := Parse(text)
	if err != nil {
		return nil, err
	}
	if len(stmts) != 1 {
		return nil, sqlerr.New(sqlerr.Syntax, "expected one statement, got %d", len(stmts))
	}
	return stmts[0], nil
}

// exprPrefix turns a scalar expression into a statement for ParseExpr.
const exprPrefix = "SELECT "

// ParseExpr parses a scalar expression. Positions in the result and in
// errors refer to text.
func ParseExpr(text string) (ast.Expr, error) {
	stmts, err := parseText(exprPrefix+text, len(exprPrefix))
	if err != nil {
		return nil, err
	}
	if len(stmts) == 1 {
		if s, ok := stmts[0].(*ast.Select); ok && isBareExpr(s) {
			return s.Targets[0].Expr, nil
		}
	}
	return nil, sqlerr.New(sqlerr.Syntax, "expected a single scalar expression")
}

// isBareExpr reports whether s is `SELECT expr` and nothing else.
func isBareExpr(s *ast.Select) bool {
	return len(s.Targets) == 1 && s.Targets[0].Expr != nil && s.Targets[0].Alias == "" &&
		!s.Distinct && s.DistinctOn == nil && s.From == nil && s.Where == nil &&
		s.GroupBy == nil && s.Having == nil && s.Windows == nil && s.Values == nil &&
		s.SetOp == "" && s.With == nil && s.OrderBy == nil && s.Limit == nil && s.Offset == nil
}

// parseText parses text whose first skip bytes are a prefix added by this
// package: positions are reported relative to text[skip:].
func parseText(text string, skip int) ([]ast.Statement, error) {
	if i := strings.IndexByte(text, 0); i >= 0 {
		// pg_query takes a C string: it would silently stop at the NUL.
		line, col := sqlerr.Position(text[skip:], max(i-skip, 0))
		return nil, sqlerr.At(sqlerr.Syntax, line, col, "invalid NUL byte in query text")
	}
	rw, err := newRewrite(text)
	if err != nil {
		return nil, shiftError(err, text, skip)
	}
	res, err := pg_query.Parse(rw.text)
	if err != nil {
		return nil, shiftError(rw.parseError(err), text, skip)
	}
	tr := &translator{rw: rw, skip: skip}
	var out []ast.Statement
	for _, raw := range res.Stmts {
		stmt, err := tr.rawStmt(raw)
		if err != nil {
			return nil, shiftError(err, text, skip)
		}
		out = append(out, stmt)
	}
	if len(out) == 0 {
		out = append(out, &ast.Empty{})
	}
	return out, nil
}

// parseError turns an error from pg_query.Parse into a *sqlerr.Error located
// in the original text.
func (rw *rewrite) parseError(err error) error {
	var pe *parser.Error
	if !errors.As(err, &pe) {
		// pg_query only fails this way when decoding a tree nested too
		// deeply for protobuf.
		return &posError{code: sqlerr.ProgramLimit, msg: fmt.Sprintf("statement is too complex: %v", err), off: -1}
	}
	msg := pe.Message
	if pe.Cursorpos <= 0 {
		return &posError{code: sqlerr.Syntax, msg: msg, off: -1}
	}
	off := charToByte(rw.text, pe.Cursorpos-1)
	if orig, repl, ok := rw.replacementAt(off); ok {
		// The message quotes the rewritten token; show what the user wrote.
		msg = strings.Replace(msg, `"`+strings.TrimSpace(repl)+`"`, `"`+orig+`"`, 1)
	}
	return syntaxErrorAt(rw.toOrig(off), "%s", msg)
}

// posError is an error at a byte offset of the text handed to pg_query
// before rewriting (-1 when unknown). shiftError turns it into a
// *sqlerr.Error once the caller's text is known.
type posError struct {
	code string
	msg  string
	off  int
}

func (e *posError) Error() string { return e.msg }

// syntaxErrorAt returns a syntax error at byte offset off.
func syntaxErrorAt(off int, format string, args ...any) error {
	return &posError{code: sqlerr.Syntax, msg: fmt.Sprintf(format, args...), off: off}
}

// unsupportedAt returns a feature-not-supported error at byte offset off.
func unsupportedAt(off int, format string, args ...any) error {
	return &posError{code: sqlerr.FeatureNotSupported, msg: fmt.Sprintf(format, args...), off: off}
}

// shiftError converts a *posError into a *sqlerr.Error located in
// text[skip:], the text the caller passed.
func shiftError(err error, text string, skip int) error {
	var pe *posError
	if !errors.As(err, &pe) {
		return err
	}
	if pe.off < 0 {
		return sqlerr.New(pe.code, "%s", pe.msg)
	}
	line, col := sqlerr.Position(text[skip:], max(pe.off-skip, 0))
	return sqlerr.At(pe.code, line, col, "%s", pe.msg)
}

// charToByte converts a 0-based character offset, counted the way
// PostgreSQL counts UTF-8 characters (by lead byte), to a byte offset.
func charToByte(text string, chars int) int {
	off := 0
	for n := 0; n < chars && off < len(text); n++ {
		c := text[off]
		switch {
		case c&0x80 == 0:
			off++
		case c&0xe0 == 0xc0:
			off += 2
		case c&0xf0 == 0xe0:
			off += 3
		case c&0xf8 == 0xf0:
			off += 4
		default:
			off++
		}
	}
	return min(off, len(text))
}
