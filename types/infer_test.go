package types

import "testing"

func TestInferText(t *testing.T) {
	for in, want := range map[string]Value{
		"0":                    Int(0),
		"42":                   Int(42),
		"-7":                   Int(-7),
		"9223372036854775807":  Int(9223372036854775807),
		"9223372036854775808":  Float(9223372036854775808),
		"1.5":                  Float(1.5),
		"-0.25":                Float(-0.25),
		"1e3":                  Float(1000),
		"2.5E-2":               Float(0.025),
		"true":                 Bool(true),
		"false":                Bool(false),
		"True":                 String("True"),
		"02139":                String("02139"),
		"007":                  String("007"),
		"00.5":                 String("00.5"),
		"0.5":                  Float(0.5),
		"+1":                   String("+1"),
		"1.":                   String("1."),
		".5":                   String(".5"),
		"1e":                   String("1e"),
		"1e400":                String("1e400"),
		"0x10":                 String("0x10"),
		"NaN":                  String("NaN"),
		"Inf":                  String("Inf"),
		" 1":                   String(" 1"),
		"12 apples":            String("12 apples"),
		"2026-01-02T03:04:05Z": String("2026-01-02T03:04:05Z"),
		"-":                    String("-"),
		"":                     String(""),
	} {
		if got := InferText(in); got.Kind() != want.Kind() || got.JSON() != want.JSON() {
			t.Errorf("InferText(%q) = %s (%v), want %s (%v)", in, got.JSON(), got.Kind(), want.JSON(), want.Kind())
		}
	}
	// Integers past int64 keep their digits for an _id, as decoded JSON's
	// do; other numbers have no text.
	for in, want := range map[string]string{"9223372036854775808": "9223372036854775808", "-12345678901234567890": "-12345678901234567890", "1e30": "", "42": "", "1.5": ""} {
		if got := InferText(in).IntegerText(); got != want {
			t.Errorf("InferText(%q).IntegerText() = %q, want %q", in, got, want)
		}
	}
}
