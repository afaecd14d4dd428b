package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/identity"
	"github.com/atrium-mlops/atrium/internal/registry"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/store/pgtest"
	"github.com/atrium-mlops/atrium/internal/telemetry"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

// crashCycles is how many times TestIngestSurvivesKill kills the server; the
// long run (go test ./cmd/atrium -run IngestSurvivesKill -args -crash-cycles=500)
// is recorded in docs/benchmarks.md.
var crashCycles = flag.Int("crash-cycles", 20, "kill -9 cycles of TestIngestSurvivesKill")

// ingestFixture is a database with a use case, a model and an ingestion key,
// prepared through the store before any server starts.
type ingestFixture struct {
	url, slug, secret string
}

func newIngestFixture(t *testing.T, url string) ingestFixture {
	t.Helper()
	ctx := atrium.WithActor(context.Background(), atrium.System)
	db, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.CreateTeam(ctx, identity.Team{Slug: "ops", Name: "Operations"}); err != nil {
		t.Fatal(err)
	}
	owner, err := db.CreateUser(ctx, identity.User{Email: "owner@crash.test", Name: "Owner"}, "")
	if err != nil {
		t.Fatal(err)
	}
	u, err := db.CreateUseCase(ctx, usecase.UseCase{Name: "Crash safety", TeamSlug: "ops", OwnerID: owner.ID})
	if err != nil {
		t.Fatal(err)
	}
	ref := registry.Ref{Kind: registry.Model, Name: "scorer"}
	if _, err := db.CreateAsset(ctx, u.Slug, registry.Asset{Kind: ref.Kind, Name: ref.Name}); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte("scorer v1"))
	if _, err := db.CreateVersion(ctx, u.Slug, ref, registry.Version{URI: "s3://models/scorer/1", Digest: hex.EncodeToString(sum[:]), Size: 9}); err != nil {
		t.Fatal(err)
	}
	_, secret, err := db.CreateIngestKey(ctx, u.Slug, "crash test", "scorer")
	if err != nil {
		t.Fatal(err)
	}
	return ingestFixture{url: url, slug: u.Slug, secret: secret}
}

// child is `atrium serve` running in a process of its own.
type child struct {
	cmd *exec.Cmd
	URL string
}

var childListenRE = regexp.MustCompile(`listening on (http://127\.0\.0\.1:\d+)`)

// startChild starts TestServeHelperProcess with the given data folder and
// database and waits, boundedly, until it listens.
func startChild(t *testing.T, data, db string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestServeHelperProcess$")
	cmd.Env = append(os.Environ(), "ATRIUM_TEST_SERVE_DATA="+data, "ATRIUM_TEST_SERVE_DB="+db)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := childListenRE.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
				break
			}
		}
		close(addr)
		io.Copy(io.Discard, stdout)
	}()
	select {
	case u, ok := <-addr:
		if !ok {
			t.Fatal("the server process ended before it listened")
		}
		c.URL = u
	case <-time.After(30 * time.Second):
		t.Fatal("the server process did not listen within 30s")
	}
	return c
}

func (c *child) kill() {
	c.cmd.Process.Signal(syscall.SIGKILL)
	c.cmd.Wait()
}

// batchAnswer is the batch endpoint's answer.
type batchAnswer struct {
	Accepted, Duplicates, Refused int
	Items                         []telemetry.ItemResult
}

// itemRefused is an event the server refused: never expected here, unlike a
// connection the kill cut.
type itemRefused struct{ telemetry.ItemResult }

func (e itemRefused) Error() string {
	return fmt.Sprintf("item %d refused: %s", e.Index, e.ItemResult.Error)
}

// postBatch sends predictions with the given ids and returns the ids the
// server acknowledged (accepted now or already stored).
func postBatch(client *http.Client, url, secret string, ids []string, rng *rand.Rand) ([]string, error) {
	var body bytes.Buffer
	body.WriteByte('[')
	for i, id := range ids {
		if i > 0 {
			body.WriteByte(',')
		}
		fmt.Fprintf(&body, `{"id":%q,"features":{"income":%d,"region":"r%d"},"segments":{"channel":"web"},"output":{"score":%.3f},"latency_ms":%d}`,
			id, 20000+rng.IntN(80000), rng.IntN(5), rng.Float64(), 5+rng.IntN(50))
	}
	body.WriteByte(']')
	req, err := http.NewRequest("POST", url+"/api/v1/ingest/predictions/batch", &body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+secret)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, resp.Body)
		return nil, fmt.Errorf("status %d", resp.StatusCode)
	}
	var a batchAnswer
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		return nil, err
	}
	var acked []string
	for _, it := range a.Items {
		if it.Status == telemetry.Accepted || it.Status == telemetry.Duplicate {
			acked = append(acked, it.ID)
		} else {
			return acked, itemRefused{it}
		}
	}
	return acked, nil
}

// TestIngestSurvivesKill ingests from many goroutines into a server that is
// killed with SIGKILL at random moments and restarted, over and over. Every
// id the server acknowledged must be stored exactly once, retries of
// acknowledged ids must not duplicate them, the audit trail must verify and
// the aggregates must equal a recount from the stored rows.
func TestIngestSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills a server process many times")
	}
	data := t.TempDir()
	fx := newIngestFixture(t, filepath.Join(data, "atrium.db"))
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d, %d cycles", seed, *crashCycles)
	rng := rand.New(rand.NewPCG(seed, 9))

	var mu sync.Mutex
	acked := map[string]bool{}
	var ackedList []string
	sent := 0
	for cycle := range *crashCycles {
		c := startChild(t, data, "")
		client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{}}
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for g := range 6 {
			wg.Add(1)
			r := rand.New(rand.NewPCG(seed, uint64(cycle*100+g)))
			go func() {
				defer wg.Done()
				for seq := 0; ; seq++ {
					select {
					case <-stop:
						return
					default:
					}
					ids := make([]string, 1+r.IntN(200))
					for i := range ids {
						ids[i] = fmt.Sprintf("c%d-g%d-%d-%d", cycle, g, seq, i)
					}
					// Retry a few ids acknowledged before: they must
					// come back as duplicates, never stored twice.
					mu.Lock()
					for range min(3, len(ackedList)) {
						ids = append(ids, ackedList[r.IntN(len(ackedList))])
					}
					sent += len(ids)
					mu.Unlock()
					got, err := postBatch(client, c.URL, fx.secret, ids, r)
					mu.Lock()
					for _, id := range got {
						if !acked[id] {
							acked[id] = true
							ackedList = append(ackedList, id)
						}
					}
					mu.Unlock()
					if err != nil {
						var refused itemRefused
						if errors.As(err, &refused) {
							t.Error(err)
						}
						return // the server is gone
					}
				}
			}()
		}
		time.Sleep(time.Duration(50+rng.IntN(450)) * time.Millisecond)
		c.kill()
		close(stop)
		wg.Wait()
		client.CloseIdleConnections()
	}
	if len(acked) == 0 {
		t.Fatal("no event was acknowledged, so this test shows nothing")
	}

	ctx := atrium.WithActor(context.Background(), atrium.System)
	db, err := store.Open(ctx, fx.url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	stored := storedIDs(t, fx.url)
	missing := 0
	for id := range acked {
		if stored[id] != 1 {
			missing++
			if missing <= 5 {
				t.Errorf("acknowledged id %s is stored %d times", id, stored[id])
			}
		}
	}
	if missing > 0 {
		t.Fatalf("%d of %d acknowledged ids are not stored exactly once", missing, len(acked))
	}
	t.Logf("%d ids sent (with retries), %d acknowledged, %d stored", sent, len(acked), len(stored))
	mustCLI(t, "audit", "verify", "--data", data)
	checkRecount(ctx, t, db, fx.slug)
}

// storedIDs counts the stored predictions of every id in the database at
// url, read straight from the table (a page-by-page listing of millions of
// rows through the API's offsets would take longer than the test).
func storedIDs(t *testing.T, url string) map[string]int {
	t.Helper()
	driver, dsn := "sqlite3", "file:"+url
	if store.IsPostgres(url) {
		driver, dsn = "pgx", url
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT id FROM predictions`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	stored := map[string]int{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		stored[id]++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return stored
}

// checkRecount compares the stored aggregates with a recount from raw rows.
func checkRecount(ctx context.Context, t *testing.T, db *store.DB, slug string) {
	t.Helper()
	rows, err := db.Aggregates(ctx, slug, store.AggFilter{})
	if err != nil {
		t.Fatal(err)
	}
	got := telemetry.Aggregates{}
	for _, r := range rows {
		got[r.Key] = r.Agg
	}
	want, err := db.RecountAggregates(ctx, slug)
	if err != nil {
		t.Fatal(err)
	}
	if len(want) == 0 {
		t.Fatal("the recount found nothing")
	}
	if !got.Equal(want) {
		t.Fatalf("stored aggregates (%d keys) differ from a recount (%d keys)", len(got), len(want))
	}
}

// TestTwoReplicasIngestTheSameIDs runs two server processes on one
// PostgreSQL database, sends each the same ids in a different order at the
// same time, and checks every id is stored once and the aggregates equal a
// recount.
func TestTwoReplicasIngestTheSameIDs(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two server processes")
	}
	url := pgtest.URL(t)
	fx := newIngestFixture(t, url)
	a, b := startChild(t, t.TempDir(), url), startChild(t, t.TempDir(), url)
	const n = 6000
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("same-%05d", i)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for r, c := range []*child{a, b, a, b} {
		order := rand.New(rand.NewPCG(uint64(r), 7)).Perm(n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Timeout: 30 * time.Second}
			rng := rand.New(rand.NewPCG(1, 1)) // same values for the same id whichever replica stores it
			for start := 0; start < n; start += 250 {
				batch := make([]string, 0, 250)
				for _, i := range order[start:min(n, start+250)] {
					batch = append(batch, ids[i])
				}
				if _, err := postBatch(client, c.URL, fx.secret, batch, rng); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	a.kill()
	b.kill()
	ctx := atrium.WithActor(context.Background(), atrium.System)
	db, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	stored := storedIDs(t, url)
	if len(stored) != n {
		t.Fatalf("%d ids stored, want %d", len(stored), n)
	}
	checkRecount(ctx, t, db, fx.slug)
}
