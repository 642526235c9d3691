package fn

import (
	"math"
	"strconv"
	"strings"

	"github.com/basaltdb/basalt/sql/sqlerr"
)

// to_char of a number, as PostgreSQL's number templates have it: 9 (a
// digit, blank when leading), 0 (a digit, zero when leading), . and D
// (the decimal point), , and G (a group separator, blank before the first
// digit), S, MI, PL, SG and PR (signs), TH/th (an ordinal suffix), FM
// (no padding), EEEE (scientific notation) and B, C, SP (accepted, print
// nothing). Everything else is copied, "quoted" text included. The locale
// is C's: D is '.' and G is ','.
//
// A number is formatted from its exact decimal digits, rounded half away
// from zero to the template's decimal places: an int's digits, or a
// float's shortest decimal form, as PostgreSQL formats a numeric (the
// float 2.675 prints 2.68 with 9.99, as numeric 2.675 does; PostgreSQL's
// float8 would print 2.67). When the integer digits do not fit the
// template's digit positions, every position prints '#'.

// numKey is a number template pattern; numLiteral is copied text.
type numKey uint8

const (
	numLiteral numKey = iota
	numComma
	numDec
	numZero
	numNine
	numB
	numC
	numD
	numEEEE
	numFM
	numG
	numMI
	numPL
	numPR
	numSG
	numSP
	numS
	numTH
	numThLower
)

// numKeywords are the number patterns, longer first where one is a
// prefix of another (SG and SP before S). As in PostgreSQL each is
// spelled in upper or lower case, not mixed; L, RN and V are refused.
var numKeywords = []struct {
	s   string
	key numKey
}{
	{"EEEE", numEEEE}, {"eeee", numEEEE},
	{"FM", numFM}, {"fm", numFM}, {"MI", numMI}, {"mi", numMI},
	{"PL", numPL}, {"pl", numPL}, {"PR", numPR}, {"pr", numPR},
	{"SG", numSG}, {"sg", numSG}, {"SP", numSP}, {"sp", numSP},
	{"TH", numTH}, {"th", numThLower},
	{"RN", numLiteral}, {"rn", numLiteral},
	{",", numComma}, {".", numDec}, {"0", numZero}, {"9", numNine},
	{"B", numB}, {"b", numB}, {"C", numC}, {"c", numC}, {"D", numD}, {"d", numD},
	{"G", numG}, {"g", numG}, {"S", numS}, {"s", numS},
	{"L", numLiteral}, {"l", numLiteral}, {"V", numLiteral}, {"v", numLiteral},
}

type numNode struct {
	key  numKey
	text string // a literal's text
}

// numTemplate is a parsed number template: its nodes and what they say
// about the number's layout.
type numTemplate struct {
	nodes     []numNode
	pre, post int // digit positions before and after the decimal point
	decimal   bool
	zero      bool // a 0 position: leading zeros print from zeroStart
	zeroStart int  // 1-based position of the first 0 before the point
	zeroEnd   int
	fill      bool // FM
	lsign     int  // S: -1 before the digits, +1 after, 0 none
	lsignPre  int  // pre when S was seen
	minus     bool // MI or SG
	plus      bool // PL or SG
	bracket   bool // PR
	eeee      bool
}

func errNumTemplate(format string, args ...any) error {
	return sqlerr.New(sqlerr.Syntax, format, args...)
}

// parseNumTemplate parses a number template, with PostgreSQL's errors
// (42601) for patterns that cannot go together.
func parseNumTemplate(t string) (*numTemplate, error) {
	nt := &numTemplate{}
	for i := 0; i < len(t); {
		if t[i] == '"' {
			j := i + 1
			for ; j < len(t) && t[j] != '"'; j++ {
				if t[j] == '\\' && j+1 < len(t) {
					j++
				}
				nt.nodes = append(nt.nodes, numNode{text: t[j : j+1]})
			}
			i = j + 1
			continue
		}
		var kw string
		var key numKey
		for _, k := range numKeywords {
			if strings.HasPrefix(t[i:], k.s) {
				kw, key = k.s, k.key
				break
			}
		}
		if kw == "" {
			// Outside quotes a backslash escapes a double quote only.
			if t[i] == '\\' && i+1 < len(t) && t[i+1] == '"' {
				i++
			}
			nt.nodes = append(nt.nodes, numNode{text: t[i : i+1]})
			i++
			continue
		}
		if key == numLiteral {
			return nil, sqlerr.New(sqlerr.FeatureNotSupported, "to_char of a number does not support the pattern %q", kw)
		}
		if err := nt.add(key); err != nil {
			return nil, err
		}
		nt.nodes = append(nt.nodes, numNode{key: key})
		i += len(kw)
	}
	return nt, nil
}

// add records what the pattern key says about the layout.
func (nt *numTemplate) add(key numKey) error {
	if nt.eeee && key != numEEEE {
		return errNumTemplate(`"EEEE" must be the last pattern used`)
	}
	switch key {
	case numNine, numZero:
		if nt.bracket {
			return errNumTemplate(`"%c" must be ahead of "PR"`, "09"[b2i(key == numNine)])
		}
		if key == numZero && !nt.zero && !nt.decimal {
			nt.zero = true
			nt.zeroStart = nt.pre + 1
		}
		if nt.decimal {
			nt.post++
		} else {
			nt.pre++
		}
		if key == numZero {
			nt.zeroEnd = nt.pre + nt.post
		}
	case numDec, numD:
		if nt.decimal {
			return errNumTemplate("multiple decimal points")
		}
		nt.decimal = true
	case numFM:
		nt.fill = true
	case numS:
		switch {
		case nt.lsign != 0:
			return errNumTemplate(`cannot use "S" twice`)
		case nt.plus || nt.minus || nt.bracket:
			return errNumTemplate(`cannot use "S" and "PL"/"MI"/"SG"/"PR" together`)
		case !nt.decimal:
			nt.lsign, nt.lsignPre = -1, nt.pre
		default:
			nt.lsign = 1
		}
	case numMI, numPL, numSG:
		if nt.lsign != 0 {
			return errNumTemplate(`cannot use "S" and "%s" together`, map[numKey]string{numMI: "MI", numPL: "PL", numSG: "SG"}[key])
		}
		nt.minus = nt.minus || key != numPL
		nt.plus = nt.plus || key != numMI
	case numPR:
		if nt.lsign != 0 || nt.plus || nt.minus {
			return errNumTemplate(`cannot use "PR" and "S"/"PL"/"MI"/"SG" together`)
		}
		nt.bracket = true
	case numEEEE:
		if nt.eeee {
			return errNumTemplate(`cannot use "EEEE" twice`)
		}
		if nt.fill || nt.lsign != 0 || nt.bracket || nt.minus || nt.plus {
			return errNumTemplate(`"EEEE" is incompatible with other formats`)
		}
		nt.eeee = true
	}
	return nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// decimalNum is a number's exact decimal form: digits with the decimal
// point after the first point of them (point may be <= 0 or past the
// end), and its sign.
type decimalNum struct {
	neg    bool
	digits []byte // no leading zeros; empty for zero
	point  int
}

func intDecimal(v int64) decimalNum {
	s := strconv.FormatInt(v, 10)
	d := decimalNum{neg: v < 0}
	s = strings.TrimPrefix(s, "-")
	if s != "0" {
		d.digits, d.point = []byte(s), len(s)
	}
	return d
}

// floatDecimal is the shortest decimal form of a finite float.
func floatDecimal(f float64) decimalNum {
	d := decimalNum{neg: f < 0}
	if f == 0 {
		return decimalNum{}
	}
	s := strconv.FormatFloat(math.Abs(f), 'e', -1, 64)
	e := strings.IndexByte(s, 'e')
	exp, _ := strconv.Atoi(s[e+1:])
	for i := 0; i < e; i++ {
		if s[i] != '.' {
			d.digits = append(d.digits, s[i])
		}
	}
	d.point = exp + 1
	return d
}

// round rounds d half away from zero to scale digits after the point.
func (d decimalNum) round(scale int) decimalNum {
	keep := d.point + scale
	if keep >= len(d.digits) {
		return d
	}
	if keep < 0 {
		return decimalNum{}
	}
	up := d.digits[keep] >= '5'
	out := decimalNum{neg: d.neg, digits: append([]byte(nil), d.digits[:keep]...), point: d.point}
	if up {
		i := len(out.digits) - 1
		for ; i >= 0 && out.digits[i] == '9'; i-- {
			out.digits[i] = '0'
		}
		if i >= 0 {
			out.digits[i]++
		} else {
			out.digits = append([]byte{'1'}, out.digits...)
			out.point++
		}
	}
	out.digits = []byte(strings.TrimRight(string(out.digits), "0"))
	if len(out.digits) == 0 {
		return decimalNum{}
	}
	return out
}

// fixed writes d's absolute value with scale digits after the point
// (none and no point when scale is 0), as numeric_out writes a numeric
// rounded to scale.
func (d decimalNum) fixed(scale int) string {
	var b strings.Builder
	if d.point <= 0 {
		b.WriteByte('0')
	}
	for i := 0; i < d.point; i++ {
		b.WriteByte(d.digit(i))
	}
	if scale > 0 {
		b.WriteByte('.')
		for i := d.point; i < d.point+scale; i++ {
			b.WriteByte(d.digit(i))
		}
	}
	return b.String()
}

func (d decimalNum) digit(i int) byte {
	if i >= 0 && i < len(d.digits) {
		return d.digits[i]
	}
	return '0'
}

// sci writes d in scientific notation with scale digits after the point
// (PostgreSQL's numeric_out_sci): the exponent is taken before rounding,
// so 99999 with two places is 10.00e+04, as there.
func (d decimalNum) sci(scale int) string {
	exp := 0
	if len(d.digits) > 0 {
		exp = d.point - 1
	}
	m := decimalNum{digits: d.digits, point: d.point - exp}.round(scale)
	s := m.fixed(scale)
	if d.neg && len(m.digits) > 0 {
		s = "-" + s
	}
	es := strconv.Itoa(abs(exp))
	if len(es) < 2 {
		es = "0" + es
	}
	if exp < 0 {
		return s + "e-" + es
	}
	return s + "e+" + es
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// toCharNumber formats d (nil for a NaN or an infinity) by the template.
func toCharNumber(nt *numTemplate, d *decimalNum) string {
	if nt.eeee {
		// The template is then the layout of the digits only: its text
		// is not printed, as in PostgreSQL.
		if d == nil {
			return " " + strings.Repeat("#", nt.pre) + "." + strings.Repeat("#", nt.post+4)
		}
		s := d.sci(nt.post)
		if s[0] != '-' {
			s = " " + s
		}
		return s
	}
	var number string
	sign := byte('+')
	prePad := 0
	if d != nil {
		r := d.round(nt.post)
		number = r.fixed(nt.post)
		if r.neg && len(r.digits) > 0 {
			sign = '-'
		}
	}
	intLen := strings.IndexByte(number, '.')
	if intLen < 0 {
		intLen = len(number)
	}
	switch {
	case d != nil && intLen < nt.pre:
		prePad = nt.pre - intLen
	case d == nil || intLen > nt.pre:
		number = strings.Repeat("#", nt.pre) + "." + strings.Repeat("#", nt.post)
	}
	p := numPrinter{nt: *nt, number: number, sign: sign, prePad: prePad}
	return p.print()
}

// numPrinter walks a template's nodes, writing number's characters at its
// digit positions.
type numPrinter struct {
	nt       numTemplate
	number   string
	pos      int // next character of number
	sign     byte
	signDone bool
	prePad   int // leading digit positions the number does not reach
	lastRel  int // with FM and a point: the last significant character, or -1
	count    int
	cur      int // digit positions written so far
	inNumber bool
	out      strings.Builder
}

func (p *numPrinter) print() string {
	nt := &p.nt
	if nt.zeroStart > 0 {
		nt.zeroStart--
	}
	if nt.plus || nt.minus {
		// MI, PL and SG print the sign themselves; PL alone leaves the
		// minus to the digits.
		p.signDone = !(nt.plus && !nt.minus)
	} else {
		if p.sign != '-' && nt.fill {
			nt.bracket = false
		}
		p.signDone = p.sign == '+' && nt.fill && nt.lsign == 0
		if nt.lsign == -1 && nt.pre == nt.lsignPre {
			nt.lsign = 1
		}
	}
	p.count = nt.post + nt.pre - 1
	p.lastRel = -1
	if nt.fill && nt.decimal {
		p.lastRel = lastRelevant(p.number)
		// Digits a 0 position asks for are kept, within the number.
		if p.lastRel >= 0 && nt.zeroEnd > p.prePad {
			lastZero := min(len(p.number)-1, nt.zeroEnd-p.prePad)
			p.lastRel = max(p.lastRel, lastZero)
		}
	}
	if !p.signDone && p.prePad == 0 {
		p.count++
	}
	for _, n := range nt.nodes {
		switch n.key {
		case numLiteral:
			p.out.WriteString(n.text)
		case numNine, numZero, numDec, numD:
			p.digit(n.key)
		case numComma, numG:
			p.mark(p.inNumber, ',', nt.fill)
		case numMI:
			p.mark(p.sign == '-', '-', nt.fill)
		case numPL:
			p.mark(p.sign == '+', '+', nt.fill)
		case numSG:
			p.out.WriteByte(p.sign)
		case numTH, numThLower:
			if p.number == "" || p.number[0] == '#' || p.sign == '-' || nt.decimal {
				continue
			}
			v, _ := strconv.Atoi(p.number)
			p.out.WriteString(ordinalSuffix(v, n.key == numTH))
		}
	}
	return p.out.String()
}

// lastRelevant is the index of number's last non-zero fraction digit, or
// of its point when the fraction is all zeros; -1 without a point.
func lastRelevant(number string) int {
	dot := strings.IndexByte(number, '.')
	if dot < 0 {
		return -1
	}
	r := dot
	for i := dot + 1; i < len(number); i++ {
		if number[i] != '0' {
			r = i
		}
	}
	return r
}

// preDecSpace: the number is 0.x and the template has no 0 position, so
// the zero before the point prints as a blank ("9.9" gives " .5").
// mark writes c where show holds (a group separator inside the number, the
// sign its pattern shows), else a space, or nothing in fill mode (FM).
func (p *numPrinter) mark(show bool, c byte, fill bool) {
	switch {
	case show:
		p.out.WriteByte(c)
	case !fill:
		p.out.WriteByte(' ')
	}
}

func (p *numPrinter) preDecSpace() bool {
	return !p.nt.zero && p.pos == 0 && p.number != "" && p.number[0] == '0' && p.nt.post != 0
}

func (p *numPrinter) lastRelIsPoint() bool {
	return p.lastRel >= 0 && p.number[p.lastRel] == '.'
}

// digit writes one digit or decimal point position.
func (p *numPrinter) digit(key numKey) {
	nt := &p.nt
	// The sign goes before the first digit the number reaches.
	if !p.signDone && (p.cur >= p.prePad || (nt.zero && nt.zeroStart == p.cur)) &&
		(!p.preDecSpace() || p.lastRelIsPoint()) {
		switch {
		case nt.lsign != 0:
			if nt.lsign == -1 {
				p.out.WriteByte(p.sign)
				p.signDone = true
			}
		case nt.bracket:
			if p.sign == '+' {
				p.out.WriteByte(' ')
			} else {
				p.out.WriteByte('<')
			}
			p.signDone = true
		case p.sign == '+':
			if !nt.fill {
				p.out.WriteByte(' ')
			}
			p.signDone = true
		case p.sign == '-':
			p.out.WriteByte('-')
			p.signDone = true
		}
	}
	switch {
	case p.cur < p.prePad && (nt.zeroStart > p.cur || !nt.zero):
		if !nt.fill {
			p.out.WriteByte(' ')
		}
	case nt.zero && p.cur < p.prePad && nt.zeroStart <= p.cur:
		p.out.WriteByte('0')
		p.inNumber = true
	default:
		c := byte(0)
		if p.pos < len(p.number) {
			c = p.number[p.pos]
		}
		switch {
		case c == '.':
			if !p.lastRelIsPoint() || nt.fill {
				p.out.WriteByte('.')
			}
		case p.lastRel >= 0 && p.pos > p.lastRel && key != numZero:
			// FM drops trailing zeros of the fraction.
		case p.preDecSpace():
			if !nt.fill {
				p.out.WriteByte(' ')
			} else if p.lastRelIsPoint() {
				p.out.WriteByte('0')
			}
		case c != 0:
			p.out.WriteByte(c)
			p.inNumber = true
		}
		if p.pos < len(p.number) {
			p.pos++
		}
	}
	end := p.count + b2i(p.prePad > 0) + b2i(nt.decimal)
	if p.lastRel >= 0 && p.lastRel == p.pos {
		end = p.cur
	}
	if p.cur+1 == end {
		switch {
		case p.signDone && nt.bracket:
			if p.sign == '+' {
				p.out.WriteByte(' ')
			} else {
				p.out.WriteByte('>')
			}
		case nt.lsign == 1:
			p.out.WriteByte(p.sign)
		}
	}
	p.cur++
}
