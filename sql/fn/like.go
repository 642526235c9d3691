package fn

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/basaltdb/basalt/sql/sqlerr"
)

// LikeMatcher is a compiled LIKE or ILIKE pattern. It is immutable and safe
// for concurrent use.
type LikeMatcher struct {
	toks  []likeTok
	icase bool
	// exact, prefix and suffix are fast paths for the commonest patterns
	// ('abc', 'abc%', '%abc'), which need no backtracking.
	kind   likeKind
	needle string
}

type likeKind uint8

const (
	likeGeneral likeKind = iota
	likeExact
	likePrefix
	likeSuffix
	likeContains
)

// likeTok is one pattern element: a literal rune, _ (any one character) or
// % (any sequence).
type likeTok struct {
	r    rune
	kind byte // 'c' literal, '_' any char, '%' any sequence
}

// CompileLike compiles a PostgreSQL LIKE pattern: % matches any sequence of
// characters, _ any one character, and escape (one character; "\" is
// PostgreSQL's default, "" disables escaping) makes the next character
// literal. caseInsensitive gives ILIKE. A pattern ending in the escape
// character is 22025; an escape string longer than one character is 22025 too.
func CompileLike(pattern, escape string, caseInsensitive bool) (*LikeMatcher, error) {
	var esc rune = -1
	if escape != "" {
		r, n := utf8.DecodeRuneInString(escape)
		if n != len(escape) {
			return nil, sqlerr.New(codeInvalidEscape, "invalid escape string")
		}
		esc = r
	}
	m := &LikeMatcher{icase: caseInsensitive}
	rs := []rune(pattern)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case r == esc:
			if i+1 == len(rs) {
				return nil, sqlerr.New(codeInvalidEscape, "LIKE pattern must not end with escape character")
			}
			i++
			m.toks = append(m.toks, likeTok{r: m.fold(rs[i]), kind: 'c'})
		case r == '%':
			if n := len(m.toks); n == 0 || m.toks[n-1].kind != '%' {
				m.toks = append(m.toks, likeTok{kind: '%'})
			}
		case r == '_':
			m.toks = append(m.toks, likeTok{kind: '_'})
		default:
			m.toks = append(m.toks, likeTok{r: m.fold(r), kind: 'c'})
		}
	}
	m.classify()
	return m, nil
}

// classify picks a fast path when the pattern is literals with at most a
// leading and a trailing %.
func (m *LikeMatcher) classify() {
	if m.icase {
		return
	}
	toks := m.toks
	lead := len(toks) > 0 && toks[0].kind == '%'
	if lead {
		toks = toks[1:]
	}
	trail := len(toks) > 0 && toks[len(toks)-1].kind == '%'
	if trail {
		toks = toks[:len(toks)-1]
	}
	var b strings.Builder
	for _, t := range toks {
		if t.kind != 'c' {
			return
		}
		b.WriteRune(t.r)
	}
	m.needle = b.String()
	switch {
	case lead && trail:
		m.kind = likeContains
	case lead:
		m.kind = likeSuffix
	case trail:
		m.kind = likePrefix
	default:
		m.kind = likeExact
	}
}

func (m *LikeMatcher) fold(r rune) rune {
	if m.icase {
		return unicode.ToLower(r)
	}
	return r
}

// Match reports whether s matches the whole pattern.
func (m *LikeMatcher) Match(s string) bool {
	switch m.kind {
	case likeExact:
		return s == m.needle
	case likePrefix:
		return strings.HasPrefix(s, m.needle)
	case likeSuffix:
		return strings.HasSuffix(s, m.needle)
	case likeContains:
		return strings.Contains(s, m.needle)
	}
	rs := []rune(s)
	if m.icase {
		for i, r := range rs {
			rs[i] = unicode.ToLower(r)
		}
	}
	// Greedy matching that backtracks only to the most recent %: linear in
	// practice and O(len(s)*len(pattern)) at worst.
	toks := m.toks
	si, ti := 0, 0
	starT, starS := -1, 0
	for si < len(rs) {
		if ti < len(toks) {
			switch t := toks[ti]; t.kind {
			case '%':
				starT, starS = ti, si
				ti++
				continue
			case '_':
				si++
				ti++
				continue
			default:
				if t.r == rs[si] {
					si++
					ti++
					continue
				}
			}
		}
		if starT < 0 {
			return false
		}
		starS++
		si, ti = starS, starT+1
	}
	for ti < len(toks) && toks[ti].kind == '%' {
		ti++
	}
	return ti == len(toks)
}

// Like reports whether s matches pattern under LIKE (or ILIKE when
// caseInsensitive); see CompileLike for the pattern syntax.
func Like(s, pattern, escape string, caseInsensitive bool) (bool, error) {
	m, err := CompileLike(pattern, escape, caseInsensitive)
	if err != nil {
		return false, err
	}
	return m.Match(s), nil
}
