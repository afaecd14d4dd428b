package main

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"
)

// BenchmarkStartup measures `atrium serve` from the call to run() until it
// listens, on an existing data folder (the common restart) — migrations
// checked, key loaded, templates parsed, socket bound.
func BenchmarkStartup(b *testing.B) {
	data := b.TempDir()
	boot := func() {
		ctx, cancel := context.WithCancel(context.Background())
		out := &syncBuffer{}
		done := make(chan error, 1)
		go func() {
			done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--data", data, "--log-format", "json"}, noEnv, out, io.Discard)
		}()
		deadline := time.Now().Add(10 * time.Second)
		for !strings.Contains(out.String(), "listening on") {
			if time.Now().After(deadline) {
				b.Fatalf("no start within 10s: %s", out.String())
			}
			time.Sleep(100 * time.Microsecond)
		}
		b.StopTimer()
		cancel()
		if err := <-done; err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	boot() // first start creates the database and the administrator
	b.ResetTimer()
	for b.Loop() {
		boot()
	}
}
