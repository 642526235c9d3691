package fn

import (
	"crypto/rand"
	"encoding/hex"

	"github.com/basaltdb/basalt/types"
)

// Version is what VERSION() returns. Clients and drivers parse the leading
// "PostgreSQL <major>.<minor>" to decide which features to use.
const Version = "PostgreSQL 15.0 on x86_64-pc-linux-gnu, compiled by Basalt"

func miscFuncs() []*Func {
	uuid := &Func{Name: "gen_random_uuid", Volatile: true, Eval: func(*Ctx, []types.Value) (types.Value, error) {
		return types.String(newUUID()), nil
	}}
	return []*Func{
		uuid,
		alias("uuid", uuid),
		{Name: "version", Eval: func(*Ctx, []types.Value) (types.Value, error) {
			return types.String(Version), nil
		}},
	}
}

// newUUID returns a random (version 4) UUID in its canonical text form.
func newUUID() string {
	var u [16]byte
	_, _ = rand.Read(u[:]) // crypto/rand.Read never fails (Go 1.24+).
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:], u[10:])
	return string(b[:])
}
