package ingest

import (
	"context"
	"runtime"
	"time"
)

// Gate bounds the requests whose bodies are being read and decoded at once.
// The ingester's queue bounds the events waiting to be written, but a
// request holds its body and its decoded events before it reaches the
// queue: without a gate, a few hundred clients sending large batches at
// once would each be decoded in memory before any of them was refused.
// A request that finds every slot taken waits a little (the slots turn over
// in milliseconds) and is then refused Busy, its body unread.
type Gate struct {
	slots chan struct{}
	wait  time.Duration
}

// NewGate allows n requests to decode at once (n ≤ 0: four per CPU), each
// waiting at most wait for a slot (wait ≤ 0: 250 ms).
func NewGate(n int, wait time.Duration) *Gate {
	if n <= 0 {
		n = 4 * runtime.GOMAXPROCS(0)
	}
	if wait <= 0 {
		wait = 250 * time.Millisecond
	}
	return &Gate{slots: make(chan struct{}, n), wait: wait}
}

// Enter takes a slot, waiting at most the gate's wait, and returns the
// function that gives it back. It fails Busy when no slot came free, or with
// ctx's error when the caller left.
func (g *Gate) Enter(ctx context.Context) (release func(), err error) {
	select {
	case g.slots <- struct{}{}:
		return g.leave, nil
	default:
	}
	t := time.NewTimer(g.wait)
	defer t.Stop()
	select {
	case g.slots <- struct{}{}:
		return g.leave, nil
	case <-t.C:
		return nil, busy()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (g *Gate) leave() { <-g.slots }
