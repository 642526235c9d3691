package fn

import (
	"strconv"
	"strings"

	"github.com/basaltdb/basalt/sql/sqlerr"
	"github.com/basaltdb/basalt/types"
)

// formatFuncs are format and the quoting functions it uses.
func formatFuncs() []*Func {
	return []*Func{
		{Name: "format", MinArgs: 1, MaxArgs: -1, Eval: evalFormat},
		{Name: "quote_ident", MinArgs: 1, MaxArgs: 1, NullIn: true, Eval: func(_ *Ctx, a []types.Value) (types.Value, error) {
			return types.String(quoteIdent(textOut(a[0]))), nil
		}},
		{Name: "quote_literal", MinArgs: 1, MaxArgs: 1, NullIn: true, Eval: func(_ *Ctx, a []types.Value) (types.Value, error) {
			return types.String(quoteLiteral(textOut(a[0]))), nil
		}},
		{Name: "quote_nullable", MinArgs: 1, MaxArgs: 1, Eval: func(_ *Ctx, a []types.Value) (types.Value, error) {
			if isNull(a[0]) {
				return types.String("NULL"), nil
			}
			return types.String(quoteLiteral(textOut(a[0]))), nil
		}},
	}
}

// quoteIdent quotes s as an identifier when it needs it, as PostgreSQL's
// quote_ident does: anything but a lower-case name of letters, digits and
// underscores not starting with a digit.
func quoteIdent(s string) string {
	plain := s != ""
	for i, c := range s {
		if !(c >= 'a' && c <= 'z' || c == '_' || i > 0 && c >= '0' && c <= '9') {
			plain = false
			break
		}
	}
	if plain && !reservedWords[s] {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// reservedWords are the keywords quote_ident quotes even in lower case
// (a common subset of PostgreSQL's reserved ones).
var reservedWords = map[string]bool{
	"all": true, "and": true, "any": true, "array": true, "as": true, "asc": true, "case": true, "cast": true,
	"check": true, "column": true, "create": true, "default": true, "desc": true, "distinct": true, "do": true,
	"else": true, "end": true, "false": true, "for": true, "from": true, "grant": true, "group": true,
	"having": true, "in": true, "into": true, "limit": true, "not": true, "null": true, "offset": true,
	"on": true, "or": true, "order": true, "select": true, "table": true, "then": true, "to": true,
	"true": true, "union": true, "user": true, "using": true, "when": true, "where": true, "with": true,
}

// quoteLiteral quotes s as a string literal, as quote_literal does: a
// backslash makes it an E-prefixed literal, its backslashes doubled.
func quoteLiteral(s string) string {
	q := "'" + strings.ReplaceAll(s, "'", "''") + "'"
	if strings.Contains(s, `\`) {
		return "E" + strings.ReplaceAll(q, `\`, `\\`)
	}
	return q
}

// evalFormat is PostgreSQL's format(template, args…): %s the text of an
// argument (NULL as nothing), %I it quoted as an identifier, %L as a
// literal (NULL as NULL), %% a percent sign; an argument position n$ and a
// width (- to pad on the right, * to take it from the arguments) may
// precede the type.
func evalFormat(_ *Ctx, a []types.Value) (types.Value, error) {
	if isNull(a[0]) {
		return types.Null, nil
	}
	if a[0].Kind() != types.KindString {
		return types.Value{}, errNoFunction("format", a)
	}
	f, args := a[0].Str(), a[1:]
	var b strings.Builder
	next := 0
	bad := func(msg string) error { return sqlerr.New(codeInvalidArgument, "format: %s", msg) }
	num := func(i int) (int, int) {
		j := i
		for j < len(f) && f[j] >= '0' && f[j] <= '9' {
			j++
		}
		n, _ := strconv.Atoi(f[i:j])
		return n, j
	}
	for i := 0; i < len(f); i++ {
		if f[i] != '%' {
			b.WriteByte(f[i])
			continue
		}
		i++
		if i >= len(f) {
			return types.Value{}, bad("unterminated format() type specifier")
		}
		if f[i] == '%' {
			b.WriteByte('%')
			continue
		}
		// [n$][-][width|*]type
		if n, j := num(i); j > i && j < len(f) && f[j] == '$' {
			if n < 1 {
				return types.Value{}, bad("format specifies argument 0, but arguments are numbered from 1")
			}
			next, i = n-1, j+1
		}
		left := false
		if i < len(f) && f[i] == '-' {
			left, i = true, i+1
		}
		width := 0
		if i < len(f) && f[i] == '*' {
			if next >= len(args) {
				return types.Value{}, bad("too few arguments for format()")
			}
			w, err := Cast(args[next], TypeInt)
			if err != nil {
				return types.Value{}, err
			}
			width, next, i = int(w.Int()), next+1, i+1
			if width < 0 {
				left, width = true, -width
			}
		} else if n, j := num(i); j > i {
			width, i = n, j
		}
		if i >= len(f) {
			return types.Value{}, bad("unterminated format() type specifier")
		}
		if next >= len(args) {
			return types.Value{}, bad("too few arguments for format()")
		}
		v := args[next]
		next++
		var s string
		switch f[i] {
		case 's':
			if !isNull(v) {
				s = textOut(v)
			}
		case 'I':
			if isNull(v) {
				return types.Value{}, sqlerr.New("22004", "null values cannot be formatted as an SQL identifier")
			}
			s = quoteIdent(textOut(v))
		case 'L':
			s = "NULL"
			if !isNull(v) {
				s = quoteLiteral(textOut(v))
			}
		default:
			return types.Value{}, bad("unrecognized format() type specifier \"" + string(f[i]) + "\"")
		}
		if pad := width - len([]rune(s)); pad > 0 {
			if left {
				s += strings.Repeat(" ", pad)
			} else {
				s = strings.Repeat(" ", pad) + s
			}
		}
		b.WriteString(s)
		if b.Len() > maxStringBytes {
			return types.Value{}, errTooLong()
		}
	}
	return types.String(b.String()), nil
}
