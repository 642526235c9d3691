package file

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/basaltdb/basalt/types"
)

// serverAccepts parses a write request body holding doc twice the way the
// server's HTTP API does (server/httpapi.parseData): a syntax error
// anywhere fails the whole request.
func serverAccepts(doc []byte) bool {
	body := append(append(append(append([]byte(`{"data":[`), doc...), ','), doc...), "]}"...)
	dec := types.NewDecoder(types.Limits{})
	end, err := dec.ScanObject(body, 0, func(name string, at int) (int, error) {
		return types.ScanArray(body, at, func(_, start int) (int, error) {
			_, end, err := dec.DecodeAt(body, start)
			var de *types.DocError
			if errors.As(err, &de) {
				return end, nil
			}
			return end, err
		})
	})
	return err == nil && types.SkipSpace(body, end) == len(body)
}

// TestDocCheckerAgainstServer: a document the checker lets into a batch
// never makes the server refuse the batch, and a valid JSON object the
// server takes is never refused, over random corruptions of documents.
func TestDocCheckerAgainstServer(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	seeds := []string{
		`{"a":1,"b":[true,false,null],"c":{"d":"x\"y","e":-1.5e3},"f":"\u00e9\ud83d\ude00"}`,
		`{"_id":"x","tags":["a","b"],"n":{"m":{"o":[{"p":1}]}}}`,
		`{"s":"tab\tnot allowed raw","u":"\u0000"}`,
		`{"deep":[[[[[[[[[[1]]]]]]]]]],"big":123456789012345678901234567890}`,
	}
	var c docChecker
	alphabet := []byte(`{}[]",:\ 0123456789eE+-.tfnaulsr` + "\x00\x1f\x7f\xff\xc3\xa9")
	for i := 0; i < 200000; i++ {
		b := []byte(seeds[rng.IntN(len(seeds))])
		for k := rng.IntN(4); k >= 0; k-- {
			p := rng.IntN(len(b) + 1)
			switch rng.IntN(3) {
			case 0: // insert
				b = append(b[:p], append([]byte{alphabet[rng.IntN(len(alphabet))]}, b[p:]...)...)
			case 1: // delete
				if p < len(b) {
					b = append(b[:p], b[p+1:]...)
				}
			case 2: // replace
				if p < len(b) {
					b[p] = alphabet[rng.IntN(len(alphabet))]
				}
			}
		}
		b = bytes.TrimSpace(b)
		if len(b) == 0 {
			continue
		}
		msg := c.check(b)
		if msg == "" && !serverAccepts(b) {
			t.Fatalf("checker passes %q, which fails the server's request", b)
		}
		if msg != "" && b[0] == '{' && json.Valid(b) && serverAccepts(b) {
			t.Fatalf("checker refuses %q (%s), a JSON object the server takes", b, msg)
		}
	}
}
