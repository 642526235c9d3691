package fn

import (
	"crypto/md5"
	"encoding/hex"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/basaltdb/basalt/sql/sqlerr"
	"github.com/basaltdb/basalt/types"
)

// maxStringBytes bounds strings that functions build (REPEAT, LPAD), as
// PostgreSQL bounds a text value to 1 GB; a query asking for more is error
// 54000 rather than an out-of-memory crash.
const maxStringBytes = 256 << 20

func errTooLong() error {
	return sqlerr.New(sqlerr.ProgramLimit, "requested length too large")
}

// Concat is the || operator. A NULL or undefined operand yields NULL. Two
// arrays concatenate; an array and another value append or prepend it, as
// PostgreSQL's anyarray || anyelement does; two objects merge, the right
// one's fields winning, as jsonb || jsonb does. Otherwise both sides convert
// to text (bools as "true"/"false", like PostgreSQL's textanycat) and join.
func Concat(a, b types.Value) types.Value {
	if isNull(a) || isNull(b) {
		return types.Null
	}
	ak, bk := a.Kind(), b.Kind()
	switch {
	case ak == types.KindArray && bk == types.KindArray:
		return types.Array(append(append(make([]types.Value, 0, a.Len()+b.Len()), a.Elems()...), b.Elems()...))
	case ak == types.KindArray:
		return types.Array(append(append(make([]types.Value, 0, a.Len()+1), a.Elems()...), b))
	case bk == types.KindArray:
		return types.Array(append(append(make([]types.Value, 0, b.Len()+1), a), b.Elems()...))
	case ak == types.KindObject && bk == types.KindObject:
		r := a
		for _, f := range b.Fields() {
			r = r.WithField(f.Name, f.Value)
		}
		return r
	}
	return types.String(castText(a) + castText(b))
}

// castText is the text of v as a cast to text spells it: like textOut, but
// bools are "true" and "false".
func castText(v types.Value) string {
	if v.Kind() == types.KindBool {
		return strconv.FormatBool(v.Bool())
	}
	return textOut(v)
}

type evalFn = func(*Ctx, []types.Value) (types.Value, error)

// strFunc1 lifts a string -> string function.
func strFunc1(name string, f func(string) string) evalFn {
	return func(_ *Ctx, a []types.Value) (types.Value, error) {
		if a[0].Kind() != types.KindString {
			return types.Value{}, errNoFunction(name, a)
		}
		return types.String(f(a[0].Str())), nil
	}
}

// strArgs checks that the arguments at the given positions are strings and
// ints as kinds says ('s' or 'i'), for the arguments present.
func strArgs(name string, a []types.Value, kinds string) error {
	for i, v := range a {
		if i >= len(kinds) {
			break
		}
		want := types.KindString
		if kinds[i] == 'i' {
			want = types.KindInt
		}
		if v.Kind() != want {
			return errNoFunction(name, a)
		}
	}
	return nil
}

func stringFuncs() []*Func {
	length := &Func{Name: "length", MinArgs: 1, MaxArgs: 1, NullIn: true, Eval: evalLength}
	trim := &Func{Name: "btrim", MinArgs: 1, MaxArgs: 2, NullIn: true, Eval: trimFunc("btrim", true, true)}
	substr := &Func{Name: "substr", MinArgs: 2, MaxArgs: 3, NullIn: true, Eval: evalSubstr}
	strpos := &Func{Name: "strpos", MinArgs: 2, MaxArgs: 2, NullIn: true, Eval: evalStrpos}
	return []*Func{
		length,
		alias("char_length", length),
		alias("character_length", length),
		{Name: "octet_length", MinArgs: 1, MaxArgs: 1, NullIn: true, Eval: func(_ *Ctx, a []types.Value) (types.Value, error) {
			if a[0].Kind() != types.KindString {
				return types.Value{}, errNoFunction("octet_length", a)
			}
			return types.Int(int64(len(a[0].Str()))), nil
		}},
		{Name: "lower", MinArgs: 1, MaxArgs: 1, NullIn: true, Eval: strFunc1("lower", strings.ToLower)},
		{Name: "upper", MinArgs: 1, MaxArgs: 1, NullIn: true, Eval: strFunc1("upper", strings.ToUpper)},
		{Name: "initcap", MinArgs: 1, MaxArgs: 1, NullIn: true, Eval: strFunc1("initcap", initcap)},
		trim,
		alias("trim", trim),
		{Name: "ltrim", MinArgs: 1, MaxArgs: 2, NullIn: true, Eval: trimFunc("ltrim", true, false)},
		{Name: "rtrim", MinArgs: 1, MaxArgs: 2, NullIn: true, Eval: trimFunc("rtrim", false, true)},
		{Name: "lpad", MinArgs: 2, MaxArgs: 3, NullIn: true, Eval: padFunc("lpad", true)},
		{Name: "rpad", MinArgs: 2, MaxArgs: 3, NullIn: true, Eval: padFunc("rpad", false)},
		{Name: "concat", MinArgs: 1, MaxArgs: -1, Eval: func(_ *Ctx, a []types.Value) (types.Value, error) {
			var b strings.Builder
			for _, v := range a {
				b.WriteString(textOut(v))
			}
			return types.String(b.String()), nil
		}},
		{Name: "concat_ws", MinArgs: 2, MaxArgs: -1, Eval: evalConcatWS},
		substr,
		alias("substring", substr),
		{Name: "left", MinArgs: 2, MaxArgs: 2, NullIn: true, Eval: leftRight("left", true)},
		{Name: "right", MinArgs: 2, MaxArgs: 2, NullIn: true, Eval: leftRight("right", false)},
		{Name: "replace", MinArgs: 3, MaxArgs: 3, NullIn: true, Eval: func(_ *Ctx, a []types.Value) (types.Value, error) {
			if err := strArgs("replace", a, "sss"); err != nil {
				return types.Value{}, err
			}
			if a[1].Str() == "" {
				return a[0], nil
			}
			return types.String(strings.ReplaceAll(a[0].Str(), a[1].Str(), a[2].Str())), nil
		}},
		{Name: "translate", MinArgs: 3, MaxArgs: 3, NullIn: true, Eval: func(_ *Ctx, a []types.Value) (types.Value, error) {
			if err := strArgs("translate", a, "sss"); err != nil {
				return types.Value{}, err
			}
			// As PostgreSQL: each character of from becomes the one at
			// the same position of to, or is deleted when to is shorter;
			// the first occurrence of a character in from counts.
			from, to := []rune(a[1].Str()), []rune(a[2].Str())
			m := make(map[rune]int, len(from))
			for i, r := range from {
				if _, seen := m[r]; !seen {
					m[r] = i
				}
			}
			var b strings.Builder
			for _, r := range a[0].Str() {
				i, ok := m[r]
				switch {
				case !ok:
					b.WriteRune(r)
				case i < len(to):
					b.WriteRune(to[i])
				}
			}
			return types.String(b.String()), nil
		}},
		{Name: "reverse", MinArgs: 1, MaxArgs: 1, NullIn: true, Eval: strFunc1("reverse", func(s string) string {
			r := []rune(s)
			for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
				r[i], r[j] = r[j], r[i]
			}
			return string(r)
		})},
		{Name: "repeat", MinArgs: 2, MaxArgs: 2, NullIn: true, Eval: func(_ *Ctx, a []types.Value) (types.Value, error) {
			if err := strArgs("repeat", a, "si"); err != nil {
				return types.Value{}, err
			}
			s, n := a[0].Str(), a[1].Int()
			if n <= 0 || s == "" {
				return types.String(""), nil
			}
			if n > maxStringBytes/int64(len(s)) {
				return types.Value{}, errTooLong()
			}
			return types.String(strings.Repeat(s, int(n))), nil
		}},
		strpos,
		alias("position", strpos),
		{Name: "split_part", MinArgs: 3, MaxArgs: 3, NullIn: true, Eval: evalSplitPart},
		{Name: "starts_with", MinArgs: 2, MaxArgs: 2, NullIn: true, Eval: func(_ *Ctx, a []types.Value) (types.Value, error) {
			if err := strArgs("starts_with", a, "ss"); err != nil {
				return types.Value{}, err
			}
			return types.Bool(strings.HasPrefix(a[0].Str(), a[1].Str())), nil
		}},
		{Name: "ends_with", MinArgs: 2, MaxArgs: 2, NullIn: true, Eval: func(_ *Ctx, a []types.Value) (types.Value, error) {
			if err := strArgs("ends_with", a, "ss"); err != nil {
				return types.Value{}, err
			}
			return types.Bool(strings.HasSuffix(a[0].Str(), a[1].Str())), nil
		}},
		{Name: "md5", MinArgs: 1, MaxArgs: 1, NullIn: true, Eval: strFunc1("md5", func(s string) string {
			sum := md5.Sum([]byte(s))
			return hex.EncodeToString(sum[:])
		})},
		{Name: "chr", MinArgs: 1, MaxArgs: 1, NullIn: true, Eval: evalChr},
		{Name: "ascii", MinArgs: 1, MaxArgs: 1, NullIn: true, Eval: func(_ *Ctx, a []types.Value) (types.Value, error) {
			if a[0].Kind() != types.KindString {
				return types.Value{}, errNoFunction("ascii", a)
			}
			r, _ := utf8.DecodeRuneInString(a[0].Str())
			if a[0].Str() == "" {
				r = 0
			}
			return types.Int(int64(r)), nil
		}},
		{Name: "to_hex", MinArgs: 1, MaxArgs: 1, NullIn: true, Eval: func(_ *Ctx, a []types.Value) (types.Value, error) {
			if a[0].Kind() != types.KindInt {
				return types.Value{}, errNoFunction("to_hex", a)
			}
			return types.String(strconv.FormatUint(uint64(a[0].Int()), 16)), nil
		}},
	}
}

// evalLength counts the characters of a string; for arrays and objects it
// counts elements and fields, as Rockset's LENGTH does.
func evalLength(_ *Ctx, a []types.Value) (types.Value, error) {
	switch a[0].Kind() {
	case types.KindString:
		return types.Int(int64(utf8.RuneCountInString(a[0].Str()))), nil
	case types.KindArray, types.KindObject:
		return types.Int(int64(a[0].Len())), nil
	}
	return types.Value{}, errNoFunction("length", a)
}

// initcap upper-cases the first letter of each run of letters and digits and
// lower-cases the rest, as PostgreSQL's INITCAP does.
func initcap(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	inWord := false
	for _, r := range s {
		if inWord {
			b.WriteRune(unicode.ToLower(r))
		} else {
			b.WriteRune(unicode.ToUpper(r))
		}
		inWord = unicode.IsLetter(r) || unicode.IsDigit(r)
	}
	return b.String()
}

// trimFunc is BTRIM, LTRIM or RTRIM: it removes the characters of the
// optional second argument (a space by default, not all white space).
func trimFunc(name string, left, right bool) evalFn {
	return func(_ *Ctx, a []types.Value) (types.Value, error) {
		if err := strArgs(name, a, "ss"); err != nil {
			return types.Value{}, err
		}
		cut := " "
		if len(a) == 2 {
			cut = a[1].Str()
		}
		s := a[0].Str()
		if left {
			s = strings.TrimLeft(s, cut)
		}
		if right {
			s = strings.TrimRight(s, cut)
		}
		return types.String(s), nil
	}
}

// padFunc is LPAD or RPAD: the result has exactly n characters, s cut short
// if it is longer; an empty fill leaves s as it is (cut to n).
func padFunc(name string, left bool) evalFn {
	return func(_ *Ctx, a []types.Value) (types.Value, error) {
		if err := strArgs(name, a, "sis"); err != nil {
			return types.Value{}, err
		}
		s, n := []rune(a[0].Str()), a[1].Int()
		fill := []rune(" ")
		if len(a) == 3 {
			fill = []rune(a[2].Str())
		}
		if n <= 0 {
			return types.String(""), nil
		}
		if n > maxStringBytes/4 {
			return types.Value{}, errTooLong()
		}
		if int64(len(s)) >= n {
			return types.String(string(s[:n])), nil
		}
		if len(fill) == 0 {
			return types.String(string(s)), nil
		}
		pad := make([]rune, 0, n-int64(len(s)))
		for i := 0; int64(len(pad)) < n-int64(len(s)); i++ {
			pad = append(pad, fill[i%len(fill)])
		}
		if left {
			return types.String(string(pad) + string(s)), nil
		}
		return types.String(string(s) + string(pad)), nil
	}
}

func evalConcatWS(_ *Ctx, a []types.Value) (types.Value, error) {
	if isNull(a[0]) {
		return types.Null, nil
	}
	sep := textOut(a[0])
	var b strings.Builder
	first := true
	for _, v := range a[1:] {
		if isNull(v) {
			continue
		}
		if !first {
			b.WriteString(sep)
		}
		first = false
		b.WriteString(textOut(v))
	}
	return types.String(b.String()), nil
}

// evalSubstr is SUBSTR(s, start[, count]) with PostgreSQL's arithmetic: the
// characters at positions [start, start+count) that exist, so a start
// before 1 eats into the count. A negative count is 22011.
func evalSubstr(_ *Ctx, a []types.Value) (types.Value, error) {
	if len(a) == 2 && a[0].Kind() == types.KindString && a[1].Kind() == types.KindString {
		// substring(s FROM pattern): a regular expression.
		return substringRegex(a[0].Str(), a[1].Str())
	}
	if err := strArgs("substr", a, "sii"); err != nil {
		return types.Value{}, err
	}
	r := []rune(a[0].Str())
	start := a[1].Int()
	end := int64(len(r)) + 1
	if len(a) == 3 {
		n := a[2].Int()
		if n < 0 {
			return types.Value{}, sqlerr.New(codeSubstringError, "negative substring length not allowed")
		}
		if e, ok := addInt(start, n); ok && e < end {
			end = e
		}
	}
	start = max(start, 1)
	if start >= end {
		return types.String(""), nil
	}
	return types.String(string(r[start-1 : end-1])), nil
}

// leftRight is LEFT or RIGHT: the first (last) n characters, or all but the
// last (first) -n when n is negative.
func leftRight(name string, left bool) evalFn {
	return func(_ *Ctx, a []types.Value) (types.Value, error) {
		if err := strArgs(name, a, "si"); err != nil {
			return types.Value{}, err
		}
		r, n := []rune(a[0].Str()), a[1].Int()
		l := int64(len(r))
		if n < 0 {
			n = max(l+n, 0)
		}
		n = min(n, l)
		if left {
			return types.String(string(r[:n])), nil
		}
		return types.String(string(r[l-n:])), nil
	}
}

// evalStrpos is STRPOS(s, sub) and POSITION(sub IN s), which the parser
// turns into position(s, sub): the 1-based character position of sub, 0
// when absent.
func evalStrpos(_ *Ctx, a []types.Value) (types.Value, error) {
	if err := strArgs("strpos", a, "ss"); err != nil {
		return types.Value{}, err
	}
	i := strings.Index(a[0].Str(), a[1].Str())
	if i < 0 {
		return types.Int(0), nil
	}
	return types.Int(int64(utf8.RuneCountInString(a[0].Str()[:i])) + 1), nil
}

// evalSplitPart is SPLIT_PART(s, delim, n): field n (1-based; negative
// counts from the end, as in PostgreSQL 14+), "" when there is no such
// field. An empty delimiter makes s the only field; n = 0 is 22023.
func evalSplitPart(_ *Ctx, a []types.Value) (types.Value, error) {
	if err := strArgs("split_part", a, "ssi"); err != nil {
		return types.Value{}, err
	}
	s, d, n := a[0].Str(), a[1].Str(), a[2].Int()
	if n == 0 {
		return types.Value{}, sqlerr.New(codeInvalidArgument, "field position must not be zero")
	}
	var parts []string
	if d == "" {
		parts = []string{s}
		if s == "" {
			parts = nil
		}
	} else {
		parts = strings.Split(s, d)
	}
	if n < 0 {
		n += int64(len(parts)) + 1
	}
	if n < 1 || n > int64(len(parts)) {
		return types.String(""), nil
	}
	return types.String(parts[n-1]), nil
}

func evalChr(_ *Ctx, a []types.Value) (types.Value, error) {
	if a[0].Kind() != types.KindInt {
		return types.Value{}, errNoFunction("chr", a)
	}
	n := a[0].Int()
	switch {
	case n == 0:
		return types.Value{}, sqlerr.New(sqlerr.ProgramLimit, "null character not permitted")
	case n < 0:
		return types.Value{}, sqlerr.New(sqlerr.ProgramLimit, "character number must be positive")
	case n > unicode.MaxRune || (n >= 0xD800 && n <= 0xDFFF):
		return types.Value{}, sqlerr.New(sqlerr.ProgramLimit, "requested character not valid for encoding: %d", n)
	}
	return types.String(string(rune(n))), nil
}
