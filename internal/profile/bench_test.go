package profile

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
)

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPUThroughput adds MB per CPU-second, which a shared, loaded
// machine distorts far less than MB per wall-clock second.
func reportCPUThroughput(b *testing.B, bytes int64, cpu0 time.Duration) {
	b.StopTimer()
	if d := cpuTime() - cpu0; d > 0 {
		b.ReportMetric(float64(bytes)*float64(b.N)/1e6/d.Seconds(), "MB/cpu-s")
	}
}

// writeBenchCSV writes rows of a typical table: an id, two numbers, a
// category, a boolean, a timestamp, an e-mail and a short text.
func writeBenchCSV(w io.Writer, rows int, seed uint64) error {
	rng := rand.New(rand.NewPCG(seed, 99))
	bw := bufio.NewWriterSize(w, 1<<20)
	bw.WriteString("id,amount,score,category,active,created,email,comment\n")
	cats := []string{"alpha", "beta", "gamma", "delta", "epsilon", "zeta"}
	comments := []string{"ok", "needs review", `said "fine"`, "late, but complete", "n/a"}
	base := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	var line []byte
	for i := 0; i < rows; i++ {
		line = line[:0]
		line = strconv.AppendInt(line, int64(i), 10)
		line = append(line, ',')
		line = strconv.AppendFloat(line, float64(rng.IntN(1000000))/100, 'f', 2, 64)
		line = append(line, ',')
		line = strconv.AppendFloat(line, rng.NormFloat64(), 'g', 8, 64)
		line = append(line, ',')
		line = append(line, cats[rng.IntN(len(cats))]...)
		line = append(line, ',')
		line = strconv.AppendBool(line, rng.IntN(2) == 0)
		line = append(line, ',')
		line = time.Unix(base+rng.Int64N(3e7), 0).UTC().AppendFormat(line, time.RFC3339)
		line = append(line, ',')
		line = fmt.Appendf(line, "user%d@example.com", rng.IntN(1e6))
		line = append(line, ',')
		c := comments[rng.IntN(len(comments))]
		if strings.ContainsAny(c, `,"`) {
			c = `"` + strings.ReplaceAll(c, `"`, `""`) + `"`
		}
		line = append(line, c...)
		line = append(line, '\n')
		if _, err := bw.Write(line); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// BenchmarkProfileCSV measures single-pass CSV profiling throughput; run it
// on one core with GOMAXPROCS=1 (docs/benchmarks.md).
func BenchmarkProfileCSV(b *testing.B) {
	var buf bytes.Buffer
	if err := writeBenchCSV(&buf, 500000, 1); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for b.Loop() {
		p, _, err := Read(context.Background(), "bench.csv", bytes.NewReader(data), "csv", Options{})
		if err != nil {
			b.Fatal(err)
		}
		if p.Rows != 500000 {
			b.Fatalf("rows %d", p.Rows)
		}
	}
	reportCPUThroughput(b, int64(len(data)), cpu0)
}

// BenchmarkProfileJSONL is the same table as JSON Lines.
func BenchmarkProfileJSONL(b *testing.B) {
	var csvBuf bytes.Buffer
	if err := writeBenchCSV(&csvBuf, 100000, 1); err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	lines := strings.Split(strings.TrimSpace(csvBuf.String()), "\n")[1:]
	for i, l := range lines {
		f := strings.SplitN(l, ",", 8)
		fmt.Fprintf(&buf, `{"id":%d,"amount":%s,"score":%s,"category":%q,"active":%s,"created":%q,"email":%q,"comment":%q}`+"\n",
			i, f[1], f[2], f[3], f[4], f[5], f[6], f[7])
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for b.Loop() {
		if _, _, err := Read(context.Background(), "bench.jsonl", bytes.NewReader(data), "jsonl", Options{}); err != nil {
			b.Fatal(err)
		}
	}
	reportCPUThroughput(b, int64(len(data)), cpu0)
}

// TestBigProfileMemory profiles a generated CSV of at least 1 GB in a child
// process and checks its peak resident memory (VmHWM) stays under 200 MB.
// It takes minutes and a gigabyte of disk, so it runs only with
// ATRIUM_BIG_PROFILE=1.
func TestBigProfileMemory(t *testing.T) {
	if path := os.Getenv("ATRIUM_BIG_PROFILE_CHILD"); path != "" {
		start, cpu0 := time.Now(), cpuTime()
		p, _, err := File(context.Background(), path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		status, err := os.ReadFile("/proc/self/status")
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(string(status), "\n") {
			if strings.HasPrefix(l, "VmHWM:") {
				cpu := cpuTime() - cpu0
				fmt.Printf("RESULT rows=%d bytes=%d wall=%.1fs cpu=%.1fs (%.0f MB/cpu-s) %s\n", p.Rows, p.Bytes, time.Since(start).Seconds(),
					cpu.Seconds(), float64(p.Bytes)/1e6/cpu.Seconds(), strings.Join(strings.Fields(l), " "))
			}
		}
		return
	}
	if os.Getenv("ATRIUM_BIG_PROFILE") != "1" {
		t.Skip("set ATRIUM_BIG_PROFILE=1 to profile a 1 GB file and measure peak memory")
	}
	const rows = 11_000_000 // about 1.03 GB of CSV
	dir := t.TempDir()
	t.Run("csv", func(t *testing.T) {
		path := filepath.Join(dir, "big.csv")
		writeBig(t, path, func(w io.Writer) error { return writeBenchCSV(w, rows, 2) })
		measureChild(t, path)
		os.Remove(path)
	})
	t.Run("parquet", func(t *testing.T) {
		path := filepath.Join(dir, "big.parquet")
		writeBig(t, path, func(w io.Writer) error { return writeBenchParquet(w, rows, 2) })
		measureChild(t, path)
		os.Remove(path)
	})
}

func writeBig(t *testing.T, path string, write func(io.Writer) error) {
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := write(f); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

type benchRow struct {
	ID       int64     `parquet:"id"`
	Amount   float64   `parquet:"amount"`
	Score    *float64  `parquet:"score"`
	Category string    `parquet:"category,dict"`
	Active   bool      `parquet:"active"`
	Created  time.Time `parquet:"created,timestamp(millisecond)"`
	Email    string    `parquet:"email"`
	Comment  string    `parquet:"comment"`
}

// writeBenchParquet writes the benchmark table as Parquet, 1 M rows per row
// group.
func writeBenchParquet(w io.Writer, rows int, seed uint64) error {
	rng := rand.New(rand.NewPCG(seed, 99))
	pw := parquet.NewGenericWriter[benchRow](w, parquet.MaxRowsPerRowGroup(1_000_000))
	cats := []string{"alpha", "beta", "gamma", "delta", "epsilon", "zeta"}
	comments := []string{"ok", "needs review", `said "fine"`, "late, but complete", "n/a"}
	base := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	batch := make([]benchRow, 0, 4096)
	for i := 0; i < rows; i++ {
		r := benchRow{ID: int64(i), Amount: float64(rng.IntN(1000000)) / 100, Category: cats[rng.IntN(len(cats))],
			Active: rng.IntN(2) == 0, Created: time.Unix(base+rng.Int64N(3e7), 0).UTC(),
			Email: fmt.Sprintf("user%d@example.com", rng.IntN(1e6)), Comment: comments[rng.IntN(len(comments))]}
		if i%50 != 0 {
			s := rng.NormFloat64()
			r.Score = &s
		}
		batch = append(batch, r)
		if len(batch) == cap(batch) {
			if _, err := pw.Write(batch); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	if _, err := pw.Write(batch); err != nil {
		return err
	}
	return pw.Close()
}

func measureChild(t *testing.T, path string) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestBigProfileMemory$", "-test.v")
	cmd.Env = append(os.Environ(), "ATRIUM_BIG_PROFILE_CHILD="+path)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	var kb int64
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(l, "RESULT ") {
			t.Log(l)
			fmt.Sscanf(l[strings.Index(l, "VmHWM: ")+7:], "%d", &kb)
		}
	}
	if kb == 0 {
		t.Fatalf("no result from the child:\n%s", out)
	}
	if kb > 200*1024 {
		t.Errorf("peak RSS %d kB, limit 200 MB", kb)
	}
}
