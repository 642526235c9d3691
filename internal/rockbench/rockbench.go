// Package rockbench generates documents shaped like RockBench's
// (github.com/rockset/rockbench): about 1.3 KB of nested JSON with ~45 values
// (names, an address with coordinates, nine tags, five friends, a sentence
// and a paragraph of text), plus `_event_time` and `_ts` in microseconds.
// Benchmarks in the repository and `basalt bench` share it so their figures
// describe the same workload.
package rockbench

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"
)

var (
	firstNames = []string{"Emma", "Liam", "Olivia", "Noah", "Ava", "Elijah", "Sophia", "James", "Isabella", "Lucas", "Mia", "Mason", "Amelia", "Ethan", "Harper", "Logan"}
	lastNames  = []string{"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson"}
	companies  = []string{"facebook", "google", "rockset", "tesla", "uber", "lyft"}
	streets    = []string{"1st", "2nd", "3rd", "4th", "5th", "6th", "7th", "8th", "9th", "10th"}
	cities     = []string{"SF", "San Mateo", "San Jose", "Mountain View", "Menlo Park", "Palo Alto"}
	words      = []string{"lorem", "ipsum", "dolor", "sit", "amet", "consectetur", "adipiscing", "elit", "sed", "do", "eiusmod", "tempor", "incididunt", "ut", "labore", "et", "dolore", "magna", "aliqua", "enim", "ad", "minim", "veniam", "quis", "nostrud", "exercitation", "ullamco", "laboris", "nisi", "aliquip", "ex", "ea", "commodo", "consequat"}
	domains    = []string{"example.com", "mail.net", "corp.io", "inbox.org"}
	ages       = []int{15, 27, 61}
)

const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

func randString(rng *rand.Rand, dst []byte, n int) []byte {
	for i := 0; i < n; i++ {
		dst = append(dst, letters[rng.IntN(len(letters))])
	}
	return dst
}

// sentence appends a sentence as RockBench's generator (go-faker's
// lorem) makes them: six words, the first capitalized, and a full stop.
func sentence(rng *rand.Rand, dst []byte) []byte {
	for i := 0; i < 6; i++ {
		w := words[rng.IntN(len(words))]
		switch {
		case i == 0:
			dst = append(dst, w[0]-'a'+'A')
			w = w[1:]
		default:
			dst = append(dst, ' ')
		}
		dst = append(dst, w...)
	}
	return append(dst, '.')
}

// paragraph appends a paragraph as go-faker makes them: one to ten
// sentences.
func paragraph(rng *rand.Rand, dst []byte) []byte {
	n := 1 + rng.IntN(10)
	for i := 0; i < n; i++ {
		if i > 0 {
			dst = append(dst, ' ')
		}
		dst = sentence(rng, dst)
	}
	return dst
}

func uuid(rng *rand.Rand, dst []byte) []byte {
	const hex = "0123456789abcdef"
	for i, n := range []int{8, 4, 4, 4, 12} {
		if i > 0 {
			dst = append(dst, '-')
		}
		for j := 0; j < n; j++ {
			dst = append(dst, hex[rng.IntN(16)])
		}
	}
	return dst
}

func str(dst []byte, key string, val []byte) []byte {
	dst = append(dst, '"')
	dst = append(dst, key...)
	dst = append(dst, `":"`...)
	dst = append(dst, val...)
	return append(dst, `",`...)
}

// ID formats a document number as RockBench does: 24 digits, zero-padded.
func ID(n int) string { return fmt.Sprintf("%024d", n) }

// AppendDoc appends one document (a JSON object) to dst. id may be empty (no
// `_id` field: the server generates one); nowMicros fills `_event_time` and
// `_ts`.
func AppendDoc(dst []byte, rng *rand.Rand, id string, nowMicros int64) []byte {
	var tmp []byte
	dst = append(dst, '{')
	if id != "" {
		dst = str(dst, "_id", []byte(id))
	}
	dst = str(dst, "Guid", uuid(rng, tmp[:0]))
	dst = append(dst, `"IsActive":`...)
	dst = strconv.AppendBool(dst, rng.IntN(2) == 0)
	dst = append(dst, `,"Balance":`...)
	dst = strconv.AppendFloat(dst, float64(rng.IntN(1000000))/100, 'f', -1, 64)
	dst = append(dst, ',')
	dst = str(dst, "Picture", randString(rng, tmp[:0], 32))
	dst = append(dst, `"Age":`...)
	dst = strconv.AppendInt(dst, int64(ages[rng.IntN(len(ages))]), 10)
	first, last := firstNames[rng.IntN(len(firstNames))], lastNames[rng.IntN(len(lastNames))]
	dst = append(dst, `,"Name":{"First":"`...)
	dst = append(dst, first...)
	dst = append(dst, `","Last":"`...)
	dst = append(dst, last...)
	dst = append(dst, `"},`...)
	dst = str(dst, "Company", []byte(companies[rng.IntN(len(companies))]))
	email := append(randString(rng, tmp[:0], 10), '@')
	email = append(email, domains[rng.IntN(len(domains))]...)
	dst = str(dst, "Email", email)
	dst = str(dst, "Phone", []byte(fmt.Sprintf("%03d-%03d-%04d", rng.IntN(1000), rng.IntN(1000), rng.IntN(10000))))
	dst = append(dst, `"Address":{"Street":"`...)
	dst = append(dst, streets[rng.IntN(len(streets))]...)
	dst = append(dst, `","City":"`...)
	dst = append(dst, cities[rng.IntN(len(cities))]...)
	dst = append(dst, `","ZipCode":`...)
	dst = strconv.AppendInt(dst, int64(rng.IntN(32768)), 10)
	dst = append(dst, `,"Coordinates":{"Latitude":`...)
	dst = strconv.AppendFloat(dst, float64(float32(rng.Float64()*180-90)), 'f', -1, 32)
	dst = append(dst, `,"Longitude":`...)
	dst = strconv.AppendFloat(dst, float64(float32(rng.Float64()*360-180)), 'f', -1, 32)
	dst = append(dst, `}},`...)
	dst = str(dst, "About", sentence(rng, tmp[:0]))
	reg := time.Unix(1e9+rng.Int64N(7e8), 0).UTC().Format("2006-01-02 15:04:05")
	dst = str(dst, "Registered", []byte(reg))
	dst = append(dst, `"Tags":[`...)
	for i := 0; i < 9; i++ {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, '"')
		dst = randString(rng, dst, 14)
		dst = append(dst, '"')
	}
	dst = append(dst, `],"Friends":{`...)
	for i := 1; i <= 5; i++ {
		if i > 1 {
			dst = append(dst, ',')
		}
		dst = append(dst, `"Friend`...)
		dst = strconv.AppendInt(dst, int64(i), 10)
		dst = append(dst, `":{"Name":{"First":"`...)
		dst = append(dst, firstNames[rng.IntN(len(firstNames))]...)
		dst = append(dst, `","Last":"`...)
		dst = append(dst, lastNames[rng.IntN(len(lastNames))]...)
		dst = append(dst, `"},"Age":`...)
		dst = strconv.AppendInt(dst, int64(ages[rng.IntN(len(ages))]), 10)
		dst = append(dst, '}')
	}
	dst = append(dst, `},`...)
	dst = str(dst, "Greeting", paragraph(rng, tmp[:0]))
	dst = str(dst, "generator_identifier", []byte("basalt-bench"))
	dst = append(dst, `"_event_time":`...)
	dst = strconv.AppendInt(dst, nowMicros, 10)
	dst = append(dst, `,"_ts":`...)
	dst = strconv.AppendInt(dst, nowMicros, 10)
	return append(dst, '}')
}

// replaceable are the fields RockBench's patch workload replaces.
var replaceable = []string{"/Email", "/About", "/Company", "/Name/First", "/Name/Last", "/Age", "/Balance", "/Phone", "/Picture", "/Guid", "/Address/City", "/Address/ZipCode"}

// AppendPatch appends a RockBench-style patch of document id: one field
// replaced or added (or a tag appended), and `_ts` set to now.
func AppendPatch(dst []byte, rng *rand.Rand, id string, nowMicros int64) []byte {
	dst = append(dst, `{"_id":"`...)
	dst = append(dst, id...)
	dst = append(dst, `","patch":[`...)
	switch r := rng.IntN(10); {
	case r == 0:
		dst = append(dst, `{"op":"add","path":"/Tags/-","value":"`...)
		dst = uuid(rng, dst)
		dst = append(dst, `"},`...)
	case r == 1:
		dst = append(dst, `{"op":"add","path":"/f`...)
		dst = randString(rng, dst, 8)
		dst = append(dst, `","value":"`...)
		dst = randString(rng, dst, 12)
		dst = append(dst, `"},`...)
	default:
		p := replaceable[rng.IntN(len(replaceable))]
		dst = append(dst, `{"op":"replace","path":"`...)
		dst = append(dst, p...)
		dst = append(dst, `","value":`...)
		switch p {
		case "/Age", "/Address/ZipCode":
			dst = strconv.AppendInt(dst, int64(rng.IntN(100000)), 10)
		case "/Balance":
			dst = strconv.AppendFloat(dst, float64(rng.IntN(1000000))/100, 'f', -1, 64)
		default:
			dst = append(dst, '"')
			dst = randString(rng, dst, 12)
			dst = append(dst, '"')
		}
		dst = append(dst, `},`...)
	}
	dst = append(dst, `{"op":"add","path":"/_ts","value":`...)
	dst = strconv.AppendInt(dst, nowMicros, 10)
	return append(dst, `}]}`...)
}
