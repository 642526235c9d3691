package kafka

import (
	"context"

	"github.com/basaltdb/basalt/types"
)

// decoderPool lends the partition workers their decoders. A batch's
// documents alias its decoder's memory until the batch is committed, so the
// decoders bound the decoded batches in flight.
//
// Large batches (a backlog's polls, up to a MiB a partition) share two
// decoders per core, so that while one batch of a partition commits the
// next is decoded, but not two per partition: decoded documents are
// pointers the collector scans at every cycle, and with two large decoders
// for each of 8 partitions the collector took 7% of the server's CPU on a
// backlog (HTTP writes: under 1%), and a backlog of RockBench documents ran
// at 35,600–37,200 docs/s instead of 38,000–38,400 with 300 MB more RSS.
//
// A small batch (a source at the head of its topic: tens of kilobytes a
// poll) takes a decoder of its own when the shared ones are all lent, and
// merges no more than smallBatchBytes: such a decoder holds little. With
// four decoders for eight partitions, half the partitions' polls waited
// for the others' commits before they could even be decoded, and missed
// the group commit those joined: data latency at 20 MB/s had p95 41–51 ms
// and p99 70–84 ms, against 30–40 and 50–60 with a decoder each.
type decoderPool struct {
	newDecoder func() *types.Decoder
	large      chan *types.Decoder
	// small keeps idle small-batch decoders for reuse, up to its capacity.
	small chan *types.Decoder
}

// smallBatchBytes is the largest poll that may take a decoder of its own,
// and the most such a batch merges (see decoderPool).
const smallBatchBytes = 256 << 10

// maxIdleSmall is how many idle small-batch decoders a pool keeps.
const maxIdleSmall = 16

// newDecoderPool returns a pool of n shared decoders made by newDecoder,
// which also makes the small batches' decoders.
func newDecoderPool(newDecoder func() *types.Decoder, n int) *decoderPool {
	p := &decoderPool{newDecoder: newDecoder, large: make(chan *types.Decoder, n), small: make(chan *types.Decoder, maxIdleSmall)}
	for range n {
		p.large <- newDecoder()
	}
	return p
}

// get returns a decoder for a batch of size bytes: a shared one if one is
// free, else for a small batch one of its own (small is then true), else
// the next shared one returned, or ctx's error if it ends first.
func (p *decoderPool) get(ctx context.Context, size int64) (dec *types.Decoder, small bool, err error) {
	select {
	case dec = <-p.large:
		return dec, false, nil
	default:
	}
	if size <= smallBatchBytes {
		select {
		case dec = <-p.small:
		default:
			dec = p.newDecoder()
		}
		return dec, true, nil
	}
	select {
	case dec = <-p.large:
		return dec, false, nil
	case <-ctx.Done():
		return nil, false, ctx.Err()
	}
}

// put resets dec, whose documents (size bytes of records) are no longer
// used, and takes it back. A small batch's decoder is kept idle only if
// the batch stayed small (one poll may take it past smallBatchBytes), so
// that the idle ones hold little.
func (p *decoderPool) put(dec *types.Decoder, small bool, size int64) {
	dec.Reset()
	if !small {
		p.large <- dec
		return
	}
	if size > 2*smallBatchBytes {
		return
	}
	select {
	case p.small <- dec:
	default: // enough idle ones: the collector takes it
	}
}

// free returns how many shared decoders are not lent.
func (p *decoderPool) free() int { return len(p.large) }
