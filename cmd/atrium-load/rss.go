package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"
)

// rssReport is the server's resident memory during the run, in MiB.
type rssReport struct {
	PID   int     `json:"pid"`
	Start float64 `json:"start_mib"`
	Peak  float64 `json:"peak_mib"`
	End   float64 `json:"end_mib"`
}

// rssSampler reads a process's resident set size from /proc every
// interval, keeping the first, the largest and the last reading.
type rssSampler struct {
	pid  int
	mu   sync.Mutex
	rep  rssReport
	stop context.CancelFunc
	done chan struct{}
}

// readRSS returns the VmRSS of a process in bytes (Linux).
func readRSS(pid int) (int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, fmt.Errorf("read the server's memory: %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := sc.Bytes()
		if rest, ok := bytes.CutPrefix(line, []byte("VmRSS:")); ok {
			f := bytes.Fields(rest)
			if len(f) == 2 && string(f[1]) == "kB" {
				kb, err := strconv.ParseInt(string(f[0]), 10, 64)
				if err == nil {
					return kb << 10, nil
				}
			}
		}
	}
	return 0, fmt.Errorf("/proc/%d/status has no VmRSS line", pid)
}

// startRSS takes the first reading now — failing if the process cannot be
// read — and goes on in the background until stopped.
func startRSS(pid int, every time.Duration) (*rssSampler, error) {
	n, err := readRSS(pid)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &rssSampler{pid: pid, stop: cancel, done: make(chan struct{})}
	s.rep = rssReport{PID: pid, Start: mib(n), Peak: mib(n), End: mib(n)}
	go func() {
		defer close(s.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				s.sample()
			}
		}
	}()
	return s, nil
}

func (s *rssSampler) sample() {
	n, err := readRSS(s.pid)
	if err != nil {
		return // the process ended; the last reading stands
	}
	s.mu.Lock()
	s.rep.End = mib(n)
	s.rep.Peak = max(s.rep.Peak, mib(n))
	s.mu.Unlock()
}

// finish takes a last reading and returns the report.
func (s *rssSampler) finish() *rssReport {
	s.stop()
	<-s.done
	s.sample()
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.rep
	return &r
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }
