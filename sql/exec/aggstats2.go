package exec

import (
	"math"

	"github.com/basaltdb/basalt/types"
)

// regrAcc is one of PostgreSQL's two-variable statistics, fn(Y, X): corr,
// covar_pop, covar_samp and the regr_ family. Rows where either is NULL
// (or not a number) are skipped. It keeps what PostgreSQL's float8_regr
// keeps, updated as it updates them (Youngs and Cramer) and merged as it
// merges them, so the answers agree to the last digit.
type regrAcc struct {
	kind          string
	n, sx, sy     float64
	sxx, syy, sxy float64 // sums of squares and products about the means
}

func (a *regrAcc) add(args []types.Value) error {
	y, ok1 := number(args[0])
	x, ok2 := number(args[1])
	if !ok1 || !ok2 {
		return nil
	}
	a.n++
	a.sx += x
	a.sy += y
	if a.n > 1 {
		tx, ty := x*a.n-a.sx, y*a.n-a.sy
		scale := 1 / (a.n * (a.n - 1))
		a.sxx += tx * tx * scale
		a.syy += ty * ty * scale
		a.sxy += tx * ty * scale
	}
	return nil
}

// number is v as a float when it is one.
func number(v types.Value) (float64, bool) {
	switch v.Kind() {
	case types.KindInt:
		return float64(v.Int()), true
	case types.KindFloat:
		return v.Float(), true
	}
	return 0, false
}

func (a *regrAcc) merge(o accumulator) {
	b := o.(*regrAcc)
	if b.n == 0 {
		return
	}
	if a.n == 0 {
		*a = *b
		return
	}
	n := a.n + b.n
	tx, ty := a.sx/a.n-b.sx/b.n, a.sy/a.n-b.sy/b.n
	f := a.n * b.n / n
	a.sxx += b.sxx + f*tx*tx
	a.syy += b.syy + f*ty*ty
	a.sxy += b.sxy + f*tx*ty
	a.sx += b.sx
	a.sy += b.sy
	a.n = n
}

func (a *regrAcc) result() (types.Value, error) {
	if a.kind == "regr_count" {
		return types.Int(int64(a.n)), nil
	}
	if a.n == 0 {
		return types.Null, nil
	}
	var r float64
	switch a.kind {
	case "covar_pop":
		r = a.sxy / a.n
	case "covar_samp":
		if a.n < 2 {
			return types.Null, nil
		}
		r = a.sxy / (a.n - 1)
	case "corr":
		if a.sxx == 0 || a.syy == 0 {
			return types.Null, nil
		}
		r = max(-1, min(1, a.sxy/math.Sqrt(a.sxx*a.syy)))
	case "regr_slope":
		if a.sxx == 0 {
			return types.Null, nil
		}
		r = a.sxy / a.sxx
	case "regr_intercept":
		if a.sxx == 0 {
			return types.Null, nil
		}
		r = (a.sy - a.sx*a.sxy/a.sxx) / a.n
	case "regr_r2":
		if a.sxx == 0 {
			return types.Null, nil
		}
		if a.syy == 0 {
			return types.Float(1), nil
		}
		r = a.sxy * a.sxy / (a.sxx * a.syy)
		r = min(r, 1)
	case "regr_avgx":
		r = a.sx / a.n
	case "regr_avgy":
		r = a.sy / a.n
	case "regr_sxx":
		r = a.sxx
	case "regr_syy":
		r = a.syy
	case "regr_sxy":
		r = a.sxy
	}
	return types.Float(r), nil
}

// bitAcc is bit_and, bit_or or bit_xor of integers; NULL when none came.
type bitAcc struct {
	op  byte // '&', '|', '#'
	has bool
	v   int64
}

func (a *bitAcc) add(args []types.Value) error {
	if args[0].Kind() == types.KindInt {
		a.fold(args[0].Int())
	}
	return nil
}

func (a *bitAcc) fold(x int64) {
	if !a.has {
		a.has, a.v = true, x
		return
	}
	switch a.op {
	case '&':
		a.v &= x
	case '|':
		a.v |= x
	default:
		a.v ^= x
	}
}

func (a *bitAcc) merge(o accumulator) {
	if b := o.(*bitAcc); b.has {
		a.fold(b.v)
	}
}

func (a *bitAcc) result() (types.Value, error) {
	if !a.has {
		return types.Null, nil
	}
	return types.Int(a.v), nil
}
