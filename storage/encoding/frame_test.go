package encoding

import (
	"bytes"
	"errors"
	"testing"
)

func TestFrameRoundTrip(t *testing.T) {
	src := bytes.Repeat([]byte("row store document "), 1000)
	frame := AppendFrame(nil, src)
	if len(frame) >= len(src)/4 {
		t.Fatalf("repetitive input compressed to %d of %d bytes", len(frame), len(src))
	}
	out, err := DecodeFrame([]byte("prefix"), frame, len(src))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out[6:], src) || string(out[:6]) != "prefix" {
		t.Fatal("round trip changed the data")
	}
	if _, err := DecodeFrame(nil, frame, len(src)-1); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("short rawLen: %v, want ErrCorrupt", err)
	}
	if _, err := DecodeFrame(nil, frame[:len(frame)/2], len(src)); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("truncated frame: %v, want ErrCorrupt", err)
	}
}

func TestCodecFrames(t *testing.T) {
	src := bytes.Repeat([]byte("hot and cold segments "), 500)
	for _, c := range []Codec{CodecS2, CodecZstd} {
		frame := AppendCodecFrame([]byte("x"), src, c)
		out, err := DecodeCodecFrame(nil, frame[1:], len(src))
		if err != nil || !bytes.Equal(out, src) {
			t.Fatalf("codec %c: %v", c, err)
		}
		if _, err := DecodeCodecFrame(nil, frame[1:len(frame)-3], len(src)); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("codec %c truncated: %v", c, err)
		}
	}
	if _, err := DecodeCodecFrame(nil, []byte{'q', 1, 2}, 2); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("unknown codec: %v", err)
	}
}
