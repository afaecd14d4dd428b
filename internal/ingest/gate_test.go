package ingest

import (
	"context"
	"testing"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
)

// TestGateBoundsDecoding: with every slot taken a request waits, then is
// refused Busy with a wait to retry after; a slot given back lets the next in.
func TestGateBoundsDecoding(t *testing.T) {
	g := NewGate(2, 20*time.Millisecond)
	ctx := context.Background()
	a, err := g.Enter(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b, err := g.Enter(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, err = g.Enter(ctx)
	if atrium.KindOf(err) != atrium.Unavailable {
		t.Fatalf("third request with two slots: %v, want Unavailable", err)
	}
	if _, ok := atrium.RetryAfter(err); !ok {
		t.Fatalf("the refusal %v carries no wait to retry after", err)
	}
	a()
	c, err := g.Enter(ctx)
	if err != nil {
		t.Fatalf("after a slot came free: %v", err)
	}
	slow := &Gate{slots: g.slots, wait: time.Minute}
	done := make(chan error, 1)
	cctx, cancel := context.WithCancel(ctx)
	go func() { _, err := slow.Enter(cctx); done <- err }()
	cancel()
	if err := <-done; err != context.Canceled {
		t.Fatalf("a caller that leaves while waiting: %v, want context.Canceled", err)
	}
	b()
	c()
}
