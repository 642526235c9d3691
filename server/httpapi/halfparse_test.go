package httpapi

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/basaltdb/basalt/types"
)

// parseOutcome is what parseData made of a body: each element as each
// (and a second half's each and join) saw it, in array order, and the
// request's error.
type parseOutcome struct {
	elems []string
	err   string
	split bool // a second half was joined
}

func describeElem(i int, el docElem) string {
	if el.err != nil {
		return fmt.Sprintf("%d: error %v (id %q)", i, el.err, el.id)
	}
	return fmt.Sprintf("%d: %s", i, el.v.JSON())
}

// parseBoth parses body in one pass and with a second half allowed.
func parseBoth(t *testing.T, body []byte, limits types.Limits) (seq, halves parseOutcome) {
	t.Helper()
	run := func(half bool) parseOutcome {
		var out parseOutcome
		dec := types.NewDecoder(limits)
		each := func(i int, el docElem) { out.elems = append(out.elems, describeElem(i, el)) }
		var h *secondHalf
		var second []docElem
		if half {
			h = &secondHalf{
				dec:   types.NewDecoder(limits),
				begin: func() {},
				each:  func(_ int, el docElem) { second = append(second, el) },
				join: func(first int, elems []docElem) {
					if len(elems) != len(second) {
						t.Fatalf("join of %d elements, each saw %d", len(elems), len(second))
					}
					for j, el := range elems {
						out.elems = append(out.elems, describeElem(first+j, el))
					}
					out.split = true
				},
			}
		}
		elems, aerr := parseData(body, dec, each, h)
		if aerr != nil {
			out.err = aerr.Message
			out.elems = nil
		} else if len(elems) != len(out.elems) {
			t.Fatalf("parseData returned %d elements, each and join saw %d", len(elems), len(out.elems))
		}
		return out
	}
	return run(false), run(true)
}

// randomBody writes a documents request of n elements. Some elements nest
// objects whose first member is _id after a comma (what a guess of the
// second half's start looks for), some break a document limit, and the
// body may go on after the data array.
func randomBody(rng *rand.Rand, n int) []byte {
	var b strings.Builder
	b.WriteString(`{"data": [`)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(",")
			if rng.IntN(4) == 0 {
				b.WriteString("\n ")
			}
		}
		switch rng.IntN(20) {
		case 0:
			fmt.Fprintf(&b, `{"_id":"deep%d","x":[[[[1]]]]}`, i) // over MaxDepth
		case 1:
			fmt.Fprintf(&b, `{"other":%d}`, i)
		case 2:
			fmt.Fprintf(&b, `{"_id":"n%d","items":[{"_id":1},{"_id":2,"s":"},{\"_id\":"}]}`, i)
		case 3:
			fmt.Fprintf(&b, `{"_id":"big%d","pad":"%s"}`, i, strings.Repeat("y", 300)) // over MaxDocBytes
		default:
			fmt.Fprintf(&b, `{"_id":"d%d","v":%d,"s":"%s","o":{"a":[1,"two",{"_id":3}]}}`, i, rng.IntN(1000), strings.Repeat("x", rng.IntN(40)))
		}
	}
	b.WriteString("]")
	if rng.IntN(3) == 0 {
		b.WriteString(`, "after": {"_id": 1}, "more": [{"_id":2}]`)
	}
	b.WriteString("}")
	return []byte(b.String())
}

// TestParseDataHalves: decoding a data array in two halves gives what one
// pass gives (elements in order with their indexes, per-document errors,
// the request's error), on random bodies and on corrupted ones, whatever
// the guess of the second half's start.
func TestParseDataHalves(t *testing.T) {
	defer func(old int) { halfMinBytes = old }(halfMinBytes)
	halfMinBytes = 64
	limits := types.Limits{MaxDepth: 4, MaxDocBytes: 256}
	limits.EnsureDefaults()
	rng := rand.New(rand.NewPCG(7, 11))
	splits := 0
	for iter := 0; iter < 3000; iter++ {
		body := randomBody(rng, 1+rng.IntN(60))
		if iter%3 == 1 && len(body) > 2 {
			// Corrupt one byte, or cut the body short.
			if rng.IntN(2) == 0 {
				body[rng.IntN(len(body))] = "{}[],:\"x1 \\"[rng.IntN(11)]
			} else {
				body = body[:rng.IntN(len(body))]
			}
		}
		seq, halves := parseBoth(t, body, limits)
		if seq.err != halves.err || strings.Join(seq.elems, "\n") != strings.Join(halves.elems, "\n") {
			t.Fatalf("body %s\none pass: %q\n%s\nin halves: %q\n%s", body, seq.err, strings.Join(seq.elems, "\n"), halves.err, strings.Join(halves.elems, "\n"))
		}
		if halves.split {
			splits++
		}
	}
	// The comparison means something only if halves were taken.
	if splits < 600 {
		t.Fatalf("a second half was taken in %d of 3000 bodies", splits)
	}
}

// TestGuessHalf: the guess lands on an element's start after the middle,
// or on nothing when the elements are not objects alike.
func TestGuessHalf(t *testing.T) {
	body := []byte(`{"data":[{"_id":1,"a":"aaaaaaaa"}, {"_id":2,"a":"bbbbbbbb"}, {"_id":3,"a":"c"}]}`)
	got := guessHalf(body, strings.IndexByte(string(body), '['))
	if want := strings.Index(string(body), `{"_id":3`); got != want {
		t.Errorf("guess %d, want %d (the third element)", got, want)
	}
	for _, s := range []string{
		`{"data":[1,2,3,4,5,6,7,8,9,10,11,12]}`,
		`{"data":[{"_id":1},{"x":2},{"x":3},{"x":4},{"x":5}]}`,
		`{"data":[{"_id":1},{"x":{"_id":2}},{"x":{"_id":3}}]}`,
	} {
		if got := guessHalf([]byte(s), strings.IndexByte(s, '[')); got != -1 {
			t.Errorf("%s: guess %d, want none", s, got)
		}
	}
}

// TestLargeWriteInHalves: a request decoded in two halves writes every
// document and reports each failed one with its index in the request.
func TestLargeWriteInHalves(t *testing.T) {
	a := newAPITest(t, types.Limits{MaxDepth: 4}, 64<<20)
	a.ok("POST", "/v1/orgs/self/ws/commons/collections", `{"name":"c"}`)
	const docs = "/v1/orgs/self/ws/commons/collections/c/docs"
	const n = 2000
	var b strings.Builder
	var want []string
	b.WriteString(`{"data":[`)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		switch {
		case i%97 == 5:
			fmt.Fprintf(&b, `{"_id":"e%d","_op":"nope"}`, i)
			want = append(want, fmt.Sprintf(`e%d ERROR: field _op is "nope"`, i))
		case i%89 == 7:
			fmt.Fprintf(&b, `{"_id":"e%d","x":[[[[[1]]]]]}`, i)
			want = append(want, fmt.Sprintf("e%d ERROR: document %d: ", i, i))
		default:
			fmt.Fprintf(&b, `{"_id":"d%d","v":%d,"pad":"%s"}`, i, i, strings.Repeat("p", 100))
			want = append(want, fmt.Sprintf("d%d ADDED", i))
		}
	}
	b.WriteString("]}")
	taken := halvesTaken.Load()
	checkResults(t, a.ok("POST", docs, b.String()), want)
	if halvesTaken.Load() != taken+1 {
		t.Fatalf("the request of %d bytes was not decoded in two halves", b.Len())
	}
	out := a.ok("POST", "/v1/orgs/self/queries", `{"sql":{"query":"SELECT COUNT(*) AS n, SUM(v) AS s FROM commons.c"}}`)
	row := out["results"].([]any)[0].(map[string]any)
	wantN, wantSum := 0, 0
	for i := 0; i < n; i++ {
		if i%97 != 5 && i%89 != 7 {
			wantN++
			wantSum += i
		}
	}
	if row["n"] != float64(wantN) || row["s"] != float64(wantSum) {
		t.Fatalf("count %v sum %v, want %d and %d", row["n"], row["s"], wantN, wantSum)
	}
}
