package types

import (
	"math"
	"strconv"
	"strings"
)

// InferText types a cell of CSV or of COPY's text format, whose text carries
// no type of its own: integers and floats in plain decimal notation become
// numbers, "true" and "false" booleans, anything else a string. A number
// with a leading zero, as in the zip code "02139", keeps a string, since
// turning it into 2139 would lose what it says. An empty cell is the
// caller's to decide (NULL in CSV), as is COPY's NULL marker.
//
// `basalt load` and COPY (server/pgwire) type CSV and text cells with it,
// so a file loads the same either way.
func InferText(s string) Value {
	switch s {
	case "true":
		return Bool(true)
	case "false":
		return Bool(false)
	}
	if !looksNumeric(s) {
		return String(s)
	}
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return Int(i)
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsInf(f, 0) {
		if !strings.ContainsAny(s, ".eE") {
			// An integer past int64 keeps its digits, as the JSON
			// decoder's do (Value.IntegerText): an _id of them stays
			// itself.
			return Value{kind: KindFloat, num: math.Float64bits(f), str: s}
		}
		return Float(f)
	}
	// Out of float64's range: the text is kept as it is.
	return String(s)
}

// looksNumeric accepts -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?.
func looksNumeric(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	start := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == start || (s[start] == '0' && i-start > 1) {
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		d := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == d {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		d := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == d {
			return false
		}
	}
	return i == len(s)
}
