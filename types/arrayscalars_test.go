package types

import (
	"slices"
	"testing"
)

func TestArrayScalars(t *testing.T) {
	v := Array([]Value{String("a"), Int(2), Array([]Value{String("nested")}), Object([]Field{{Name: "k", Value: Int(1)}}), Null, Float(2.5), Timestamp(7), Bool(true)})
	b := AppendBinary(nil, v)
	var got []string
	if err := ArrayScalars(b, func(e Value) bool { got = append(got, e.JSON()); return true }); err != nil {
		t.Fatal(err)
	}
	want := []string{`"a"`, "2", "null", "2.5", Timestamp(7).JSON(), "true"}
	if !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	// Stopping early.
	n := 0
	if err := ArrayScalars(b, func(Value) bool { n++; return n < 2 }); err != nil || n != 2 {
		t.Fatalf("stop: n=%d err=%v", n, err)
	}
	// Not an array, truncated.
	if err := ArrayScalars(AppendBinary(nil, Int(1)), func(Value) bool { return true }); err == nil {
		t.Error("an int is not an array")
	}
	if err := ArrayScalars(b[:len(b)-2], func(Value) bool { return true }); err == nil {
		t.Error("truncated array accepted")
	}
}
