package parse

import (
	"sort"
	"strconv"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/basaltdb/basalt/sql/ast"
)

// edit replaces the original bytes [start, end) with repl.
type edit struct {
	start, end int
	repl       string
}

// span maps one edit between the original and the rewritten text.
type span struct {
	origStart, origEnd int
	newStart, newEnd   int
}

// rewrite is the result of rewriting Rockset spellings into PostgreSQL ones.
// All offsets it records for the translator are offsets into the rewritten
// text, because those are what pg_query's locations refer to.
type rewrite struct {
	orig string
	text string // the rewritten text handed to pg_query
	// spans lists the edits in text order; offsets outside them shift by
	// the accumulated length difference.
	spans []span

	// params maps a positional parameter number introduced by the rewrite
	// to the name of the Rockset `:name` parameter it stands for.
	params map[int32]string
	// undefined holds the offsets of the IS tokens of `IS [NOT] UNDEFINED`
	// tests, which were rewritten to `IS [NOT] NULL`.
	undefined map[int]bool
	// tryCasts holds the offsets of the CAST tokens that were TRY_CAST.
	tryCasts map[int]bool
	// describes maps the offset of a DESCRIBE statement's stand-in to the
	// statement.
	describes map[int]*ast.Describe
	// tokens are the original text's tokens (comments excluded), to find
	// keywords the parse tree has no location for.
	tokens []*pg_query.ScanToken
}

// describeStandIn replaces a DESCRIBE statement in the text given to
// pg_query, so that statements keep their order; the translator recognizes
// it by its location, not by its text.
const describeStandIn = "SHOW basalt_describe"

// newRewrite scans text with pg_query's own scanner and rewrites, token by
// token, the Rockset spellings the PostgreSQL grammar lacks. Because it
// works on tokens, string literals, quoted identifiers and comments are never
// touched. It returns a syntax error for a malformed DESCRIBE statement;
// when the text cannot be scanned it is returned unchanged, and parsing it
// reports the error.
func newRewrite(text string) (*rewrite, error) {
	rw := &rewrite{orig: text, text: text}
	scan, err := pg_query.Scan(text)
	if err != nil {
		return rw, nil
	}
	toks := make([]*pg_query.ScanToken, 0, len(scan.Tokens))
	for _, tok := range scan.Tokens {
		if tok.Token == pg_query.Token_SQL_COMMENT || tok.Token == pg_query.Token_C_COMMENT {
			continue
		}
		if tok.Start < 0 || tok.End < tok.Start || int(tok.End) > len(text) {
			// Never expected from the scanner; keep the text as is.
			return rw, nil
		}
		toks = append(toks, tok)
	}
	rw.tokens = toks

	var edits []edit
	// Marks are recorded as original offsets and converted once the
	// rewritten text exists.
	var undefinedAt, tryCastAt []int
	describeAt := map[int]*ast.Describe{}
	named := map[string]int32{}
	nextParam := int32(maxParam(text, toks)) + 1
	rw.params = map[int32]string{}

	// stack holds the open brackets: '(' , 's' for a subscript '[' and 'a'
	// for an ARRAY constructor '['.
	var stack []byte
	stmtStart := true
	for i := 0; i < len(toks); i++ {
		tok := toks[i]
		if stmtStart && tok.Token != pg_query.Token_ASCII_59 {
			stmtStart = false
			if isWord(text, tok, "describe") {
				d, end, err := parseDescribe(text, toks, i)
				if err != nil {
					return nil, err
				}
				edits = append(edits, edit{int(tok.Start), int(toks[end-1].End), describeStandIn})
				describeAt[int(tok.Start)] = d
				i = end - 1
				continue
			}
		}
		switch tok.Token {
		case pg_query.Token_ASCII_59: // ';'
			stmtStart = true
			stack = stack[:0]
		case pg_query.Token_ASCII_40: // '('
			stack = append(stack, '(')
		case pg_query.Token_ASCII_91: // '['
			kind := byte('s')
			if i > 0 {
				prev := toks[i-1].Token
				if prev == pg_query.Token_ARRAY {
					kind = 'a'
				} else if (prev == pg_query.Token_ASCII_91 || prev == pg_query.Token_ASCII_44) && len(stack) > 0 && stack[len(stack)-1] == 'a' {
					kind = 'a' // a nested constructor: ARRAY[[1, 2], [3, 4]]
				}
			}
			stack = append(stack, kind)
		case pg_query.Token_ASCII_41, pg_query.Token_ASCII_93: // ')' ']'
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		case pg_query.Token_ASCII_58: // ':'
			// A ':' directly followed by a name is a named parameter,
			// except inside a subscript, where it separates slice bounds.
			if i+1 >= len(toks) || toks[i+1].Start != tok.End || !isName(toks[i+1]) {
				break
			}
			if len(stack) > 0 && stack[len(stack)-1] == 's' {
				break
			}
			name, ok := identText(text, toks[i+1], false)
			if !ok || name == "" {
				break
			}
			n, seen := named[name]
			if !seen {
				n = nextParam
				nextParam++
				named[name] = n
				rw.params[n] = name
			}
			repl := "$" + strconv.Itoa(int(n))
			if i > 0 && toks[i-1].End == tok.Start {
				// `a:b` must not become the identifier `a$1`.
				repl = " " + repl
			}
			edits = append(edits, edit{int(tok.Start), int(toks[i+1].End), repl})
			i++
		case pg_query.Token_IS:
			j := i + 1
			if j < len(toks) && toks[j].Token == pg_query.Token_NOT {
				j++
			}
			if j < len(toks) && isWord(text, toks[j], "undefined") {
				edits = append(edits, edit{int(toks[j].Start), int(toks[j].End), "NULL"})
				undefinedAt = append(undefinedAt, int(tok.Start))
				i = j
			}
		case pg_query.Token_IDENT:
			if isWord(text, tok, "try_cast") && i+1 < len(toks) && toks[i+1].Token == pg_query.Token_ASCII_40 &&
				(i == 0 || toks[i-1].Token != pg_query.Token_ASCII_46) {
				edits = append(edits, edit{int(tok.Start), int(tok.End), "CAST"})
				tryCastAt = append(tryCastAt, int(tok.Start))
			}
		}
	}
	if len(edits) == 0 {
		return rw, nil
	}

	var b strings.Builder
	last := 0
	for _, e := range edits {
		b.WriteString(text[last:e.start])
		ns := b.Len()
		b.WriteString(e.repl)
		rw.spans = append(rw.spans, span{origStart: e.start, origEnd: e.end, newStart: ns, newEnd: b.Len()})
		last = e.end
	}
	b.WriteString(text[last:])
	rw.text = b.String()

	rw.undefined = map[int]bool{}
	for _, off := range undefinedAt {
		rw.undefined[rw.toNew(off)] = true
	}
	rw.tryCasts = map[int]bool{}
	for _, off := range tryCastAt {
		rw.tryCasts[rw.toNew(off)] = true
	}
	rw.describes = map[int]*ast.Describe{}
	for off, d := range describeAt {
		rw.describes[rw.toNew(off)] = d
	}
	return rw, nil
}

// toOrig maps an offset in the rewritten text to the original text. An
// offset inside a replacement maps to the start of what it replaced.
func (rw *rewrite) toOrig(off int) int {
	if off < 0 {
		return off
	}
	i := sort.Search(len(rw.spans), func(i int) bool { return rw.spans[i].newStart > off })
	if i == 0 {
		return off
	}
	s := rw.spans[i-1]
	if off < s.newEnd {
		return s.origStart
	}
	return s.origEnd + off - s.newEnd
}

// toNew maps an offset of the original text that is not inside an edit, or
// is the start of one, to the rewritten text.
func (rw *rewrite) toNew(off int) int {
	i := sort.Search(len(rw.spans), func(i int) bool { return rw.spans[i].origStart > off })
	if i == 0 {
		return off
	}
	s := rw.spans[i-1]
	if off < s.origEnd {
		return s.newStart
	}
	return s.newEnd + off - s.origEnd
}

// replacementAt returns the original text and the replacement of the edit
// covering the rewritten offset off.
func (rw *rewrite) replacementAt(off int) (orig, repl string, ok bool) {
	i := sort.Search(len(rw.spans), func(i int) bool { return rw.spans[i].newStart > off })
	if i == 0 || off >= rw.spans[i-1].newEnd {
		return "", "", false
	}
	s := rw.spans[i-1]
	return rw.orig[s.origStart:s.origEnd], rw.text[s.newStart:s.newEnd], true
}

// maxParam returns the largest $N in the text, 0 if none, so that named
// parameters are numbered after the positional ones.
func maxParam(text string, toks []*pg_query.ScanToken) int {
	m := 0
	for _, tok := range toks {
		if tok.Token != pg_query.Token_PARAM {
			continue
		}
		n, err := strconv.Atoi(text[tok.Start+1 : tok.End])
		if err != nil || n > maxParamNumber {
			n = maxParamNumber
		}
		m = max(m, n)
	}
	return m
}

// maxParamNumber bounds parameter numbers; PostgreSQL rejects larger ones.
const maxParamNumber = 1 << 30

// isName reports whether tok can be a name: an identifier or any keyword.
func isName(tok *pg_query.ScanToken) bool {
	return tok.Token == pg_query.Token_IDENT || tok.KeywordKind != pg_query.KeywordKind_NO_KEYWORD
}

// isWord reports whether tok is the unquoted identifier word (any case).
func isWord(text string, tok *pg_query.ScanToken, word string) bool {
	if tok.Token != pg_query.Token_IDENT {
		return false
	}
	return strings.EqualFold(text[tok.Start:tok.End], word)
}

// identText returns the name a name token stands for: a quoted identifier
// without its quotes, an unquoted one lower-cased when fold is set (as
// PostgreSQL folds identifiers) and as written otherwise.
func identText(text string, tok *pg_query.ScanToken, fold bool) (string, bool) {
	s := text[tok.Start:tok.End]
	if strings.HasPrefix(s, `"`) {
		if len(s) < 2 || !strings.HasSuffix(s, `"`) {
			return "", false
		}
		return strings.ReplaceAll(s[1:len(s)-1], `""`, `"`), true
	}
	if strings.HasPrefix(s, "U&") || strings.HasPrefix(s, "u&") {
		return "", false // Unicode-escaped identifiers: not worth decoding here.
	}
	if fold {
		return strings.ToLower(s), true
	}
	return s, true
}

// parseDescribe parses `DESCRIBE name [. name]` starting at toks[i] (the
// DESCRIBE token) and returns the statement and the index after its last
// token.
func parseDescribe(text string, toks []*pg_query.ScanToken, i int) (*ast.Describe, int, error) {
	errAt := func(j int) error {
		if j >= len(toks) {
			return syntaxErrorAt(len(text), "syntax error at end of input")
		}
		return syntaxErrorAt(int(toks[j].Start), "syntax error at or near \"%s\"", text[toks[j].Start:toks[j].End])
	}
	var parts []string
	j := i + 1
	for {
		if j >= len(toks) || !isName(toks[j]) {
			return nil, 0, errAt(j)
		}
		name, ok := identText(text, toks[j], true)
		if !ok {
			return nil, 0, errAt(j)
		}
		parts = append(parts, name)
		j++
		if j < len(toks) && toks[j].Token == pg_query.Token_ASCII_46 && len(parts) < 2 {
			j++
			continue
		}
		break
	}
	if j < len(toks) && toks[j].Token != pg_query.Token_ASCII_59 {
		return nil, 0, errAt(j)
	}
	tn := &ast.TableName{Name: parts[len(parts)-1], Pos: int(toks[i+1].Start)}
	if len(parts) == 2 {
		tn.Schema = parts[0]
	}
	return &ast.Describe{Table: tn}, j, nil
}
