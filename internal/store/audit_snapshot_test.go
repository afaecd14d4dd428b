package store_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/audit"
	"github.com/atrium-mlops/atrium/internal/identity"
)

// TestAuditSnapshotDuringWrites reads the audit log again and again while
// writers append to it: every snapshot must be one moment's log, its head
// counter equal to the entries it holds and its chain whole.
func TestAuditSnapshotDuringWrites(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			ctx := atrium.WithActor(t.Context(), atrium.System)
			db := open(t, d.url(t))
			stop := make(chan struct{})
			var wg sync.WaitGroup
			errs := make([]error, 2)
			for w := range errs {
				wg.Go(func() {
					for i := 0; ; i++ {
						select {
						case <-stop:
							return
						default:
						}
						if _, err := db.CreateTeam(ctx, identity.Team{Slug: fmt.Sprintf("w%d-%d", w, i), Name: "Team"}); err != nil {
							errs[w] = err
							return
						}
					}
				})
			}
			defer func() {
				close(stop)
				wg.Wait()
				for w, err := range errs {
					if err != nil {
						t.Errorf("writer %d: %v", w, err)
					}
				}
			}()
			// At least 100 snapshots, and on until the writers have added
			// 50 entries, so that the snapshots really ran beside them.
			var first, last int64 = -1, 0
			deadline := time.Now().Add(20 * time.Second)
			for i := 0; i < 100 || last-first < 50; i++ {
				if time.Now().After(deadline) {
					t.Fatalf("after %d snapshots in 20s the log grew by only %d entries", i, last-first)
				}
				snap, err := db.ReadAuditSnapshot(ctx)
				if err != nil {
					t.Fatalf("ReadAuditSnapshot #%d: %v", i, err)
				}
				if got := int64(len(snap.Entries)); got != snap.HeadSize {
					t.Fatalf("snapshot #%d: %d entries, head size %d; want them equal", i, got, snap.HeadSize)
				}
				if _, err := audit.Verify(snap.Entries, nil, nil, "", snap.HeadSize); err != nil {
					t.Fatalf("snapshot #%d: %v", i, err)
				}
				if first < 0 {
					first = snap.HeadSize
				}
				last = snap.HeadSize
			}
		})
	}
}
