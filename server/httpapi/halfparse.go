package httpapi

import (
	"bytes"
	"errors"
	"sync/atomic"

	"github.com/basaltdb/basalt/types"
)

// A large request's data array is decoded and prepared in two halves on two
// goroutines: a request of 1,000 RockBench documents took 15 ms of one core
// to decode and prepare, most of its latency under a light load, while the
// other core idled. Where the second half starts is a guess made without
// reading the first half (finding the elements' boundaries first would be
// one more pass over the body); the first half's decoder
// confirms it when it reaches the guessed offset as the start of an element
// of the array. A guess inside a nested value (an object in a document
// that opens as the documents do) is never reached: the second half's work
// is thrown away and the first goes on alone, so the outcome, errors
// included, is always that of one sequential pass. (No guess falls inside
// a string: the opening bytes hold a quote, which a string escapes.)

// halfMinBytes is the smallest data array decoded in two halves.
var halfMinBytes = 128 << 10

// halvesTaken counts the second halves joined, for tests.
var halvesTaken atomic.Int64

// secondHalf is what parseData needs to decode a second half.
type secondHalf struct {
	dec *types.Decoder
	// begin is called before the second half starts, on parseData's
	// goroutine.
	begin func()
	// each is parseData's each for the second half's elements, counted
	// from the half's first.
	each func(i int, el docElem)
	// join takes the half's elements once the first half has reached
	// them: first is the index of the half's first element in the array.
	join func(first int, elems []docElem)
}

// halfResult is a second half's outcome: its elements up to the end of the
// array, and the offset just past the last one; ok false when it met
// something a sequential pass must report (or was told to stop).
type halfResult struct {
	elems []docElem
	end   int
	ok    bool
}

// speculation is a second half being decoded.
type speculation struct {
	start  int // the guessed offset of its first element
	stop   atomic.Bool
	result chan halfResult
}

// startHalf guesses where the second half of the array at body[arr] ('[')
// starts and decodes it on a goroutine; nil when the array is too small or
// no guess is found.
func startHalf(body []byte, arr int, h *secondHalf) *speculation {
	if h == nil || len(body)-arr < halfMinBytes {
		return nil
	}
	start := guessHalf(body, arr)
	if start < 0 {
		return nil
	}
	h.begin()
	s := &speculation{start: start, result: make(chan halfResult, 1)}
	go func() { s.result <- decodeHalf(body, start, h, &s.stop) }()
	return s
}

// guessHalf returns an offset past the middle of the array at body[arr]
// that looks like the start of one of its elements: after a comma, the
// same opening bytes as its first element (up to the first member's colon,
// `{"_id":` for most requests). -1 when the first element is no object or
// nothing alike follows the middle.
func guessHalf(body []byte, arr int) int {
	first := types.SkipSpace(body, arr+1)
	if first >= len(body) || body[first] != '{' {
		return -1
	}
	sig := body[first:min(len(body), first+32)]
	colon := bytes.IndexByte(sig, ':')
	if colon < 2 {
		return -1
	}
	sig = sig[:colon+1]
	from := arr + (len(body)-arr)/2
	for tries := 0; tries < 8; tries++ {
		k := bytes.Index(body[from:], sig)
		if k < 0 {
			return -1
		}
		at := from + k
		p := at - 1
		for p > first && isSpace(body[p]) {
			p--
		}
		if body[p] == ',' {
			return at
		}
		from = at + 1
	}
	return -1
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// decodeHalf decodes the elements from body[start] to the end of their
// array as parseData does, each given to h.each.
func decodeHalf(body []byte, start int, h *secondHalf, stop *atomic.Bool) halfResult {
	var elems []docElem
	for i := start; ; {
		if stop.Load() {
			return halfResult{}
		}
		v, end, err := h.dec.DecodeAt(body, i)
		el := docElem{v: v}
		var de *types.DocError
		if errors.As(err, &de) {
			el = docElem{err: de, id: failedID(body[i:end])}
		} else if err != nil {
			return halfResult{}
		}
		h.each(len(elems), el)
		elems = append(elems, el)
		j := types.SkipSpace(body, end)
		switch {
		case j < len(body) && body[j] == ',':
			i = types.SkipSpace(body, j+1)
		case j < len(body) && body[j] == ']':
			return halfResult{elems: elems, end: end, ok: true}
		default:
			return halfResult{}
		}
	}
}

// take waits for the second half when the first half reached its start;
// false when the half failed and the first half must go on alone.
func (s *speculation) take() (halfResult, bool) {
	r := <-s.result
	if r.ok {
		halvesTaken.Add(1)
	}
	return r, r.ok
}

// cancel stops the second half, whose guess was wrong or is no longer
// needed, and waits for it: its decoder and the body are the caller's
// again.
func (s *speculation) cancel() {
	s.stop.Store(true)
	<-s.result
}
