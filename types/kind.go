package types

// Kind is the dynamic type of a Value. Every value carries its kind: a field
// may hold an int in one document and a string in another.
//
// The numeric order of the kinds is the fixed cross-type sort order used when
// values of different kinds are ordered (undefined and null first, then
// booleans, numbers, strings, timestamps, arrays and objects).
type Kind uint8

const (
	// KindUndefined marks an absent field. It is distinct from KindNull, an
	// explicit JSON null.
	KindUndefined Kind = iota
	KindNull
	KindBool
	KindInt
	KindFloat
	KindString
	KindTimestamp
	KindArray
	KindObject
	// KindInterval is a span of time (SQL's interval), made by queries
	// (`ts - ts`, `INTERVAL '1 hour'`), never by documents: it comes after
	// the kinds documents hold so that their numbers, which segment files
	// record, stay as they were. It sorts after objects.
	KindInterval

	// NumKinds is the number of kinds; it sizes per-kind tables.
	NumKinds

	// NumDocKinds bounds the kinds a document holds (all but intervals):
	// what segment files may record.
	NumDocKinds = KindInterval
)

var kindNames = [NumKinds]string{
	KindUndefined: "undefined",
	KindNull:      "null",
	KindBool:      "bool",
	KindInt:       "int",
	KindFloat:     "float",
	KindString:    "string",
	KindTimestamp: "timestamp",
	KindArray:     "array",
	KindObject:    "object",
	KindInterval:  "interval",
}

// String returns the lower-case name of the kind, as shown in schemas.
func (k Kind) String() string {
	if k < NumKinds {
		return kindNames[k]
	}
	return "kind(" + itoa(int64(k)) + ")"
}

// IsNumeric reports whether values of the kind compare as numbers.
func (k Kind) IsNumeric() bool { return k == KindInt || k == KindFloat }

// IsScalar reports whether the kind is neither an array nor an object.
func (k Kind) IsScalar() bool { return k < KindArray || k == KindInterval }

func itoa(v int64) string {
	var buf [20]byte
	return string(appendInt(buf[:0], v))
}

func appendInt(b []byte, v int64) []byte {
	if v < 0 {
		b = append(b, '-')
		u := uint64(-v)
		if v == -1<<63 {
			u = 1 << 63
		}
		return appendUint(b, u)
	}
	return appendUint(b, uint64(v))
}

func appendUint(b []byte, u uint64) []byte {
	var buf [20]byte
	i := len(buf)
	for u >= 10 {
		i--
		buf[i] = byte('0' + u%10)
		u /= 10
	}
	i--
	buf[i] = byte('0' + u)
	return append(b, buf[i:]...)
}
