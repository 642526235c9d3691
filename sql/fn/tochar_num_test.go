package fn

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/basaltdb/basalt/types"
)

// TestToCharNumber checks to_char of numbers against what PostgreSQL 15
// printed for the same values and templates (testdata/to_char_number.tsv:
// kind i for an int8, n for a numeric, which Basalt's floats follow).
func TestToCharNumber(t *testing.T) {
	f, err := os.Open("testdata/to_char_number.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.SplitN(line, "\t", 4)
		if len(parts) != 4 {
			t.Fatalf("bad line %q", line)
		}
		var v types.Value
		if parts[0] == "i" {
			i, err := strconv.ParseInt(parts[1], 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			v = types.Int(i)
		} else {
			x, err := strconv.ParseFloat(parts[1], 64)
			if err != nil {
				t.Fatal(err)
			}
			v = types.Float(x)
		}
		got, err := evalToChar(nil, []types.Value{v, types.String(parts[2])})
		if err != nil {
			t.Errorf("to_char(%s %s, %q): %v", parts[0], parts[1], parts[2], err)
			continue
		}
		if got.Str() != parts[3] {
			t.Errorf("to_char(%s %s, %q) = %q, PostgreSQL %q", parts[0], parts[1], parts[2], got.Str(), parts[3])
		}
		n++
	}
	if n < 960 {
		t.Fatalf("read %d cases", n)
	}
}

// TestToCharInterval checks to_char of intervals against PostgreSQL 15
// (testdata/to_char_interval.tsv).
func TestToCharInterval(t *testing.T) {
	f, err := os.Open("testdata/to_char_interval.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.SplitN(line, "\t", 3)
		if len(parts) != 3 {
			t.Fatalf("bad line %q", line)
		}
		iv, err := ParseInterval(parts[0], "")
		if err != nil {
			t.Fatal(err)
		}
		v, err := IntervalValue(iv)
		if err != nil {
			t.Fatal(err)
		}
		got, err := evalToChar(nil, []types.Value{v, types.String(parts[1])})
		if err != nil {
			t.Errorf("to_char(interval %q, %q): %v", parts[0], parts[1], err)
			continue
		}
		if got.Str() != parts[2] {
			t.Errorf("to_char(interval %q, %q) = %q, PostgreSQL %q", parts[0], parts[1], got.Str(), parts[2])
		}
		n++
	}
	if n < 190 {
		t.Fatalf("read %d cases", n)
	}
}

// TestToCharErrors: templates PostgreSQL refuses, with its SQLSTATE.
func TestToCharErrors(t *testing.T) {
	iv, _ := IntervalValue(Interval{Days: 1})
	for _, c := range []struct {
		v    types.Value
		tmpl string
		code string
	}{
		{types.Int(5), "9.9.9", "42601"},
		{types.Int(5), "9D9.9", "42601"},
		{types.Int(5), "S9S", "42601"},
		{types.Int(5), "S9MI", "42601"},
		{types.Int(5), "PL9S", "42601"},
		{types.Int(5), "9PR9", "42601"},
		{types.Int(5), "S9PR", "42601"},
		{types.Float(5), "9EEEE9", "42601"},
		{types.Float(5), "FM9EEEE", "42601"},
		{types.Float(5), "9EEEEEEEE", "42601"},
		{types.Int(5), "RN", "0A000"},
		{types.Int(5), "9V9", "0A000"},
		{types.Int(5), "L9", "0A000"},
		{iv, "Day", "22007"},
		{iv, "Mon", "22007"},
		{iv, "AD", "22007"},
		{iv, "TZ", "22007"},
		{iv, "D", "22007"},
		{iv, "IW", "0A000"},
		{types.Bool(true), "9", "42883"},
	} {
		_, err := evalToChar(nil, []types.Value{c.v, types.String(c.tmpl)})
		if got := errCode(err); got != c.code {
			t.Errorf("to_char(%v, %q): %v, want %s", c.v, c.tmpl, err, c.code)
		}
	}
}
