package audit

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

const testOrigin = "atrium"

// buildChain returns n correctly linked and sealed entries.
func buildChain(t *testing.T, n int) []Entry {
	t.Helper()
	start := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	entries := make([]Entry, n)
	for i := range entries {
		entries[i] = Entry{
			Seq:        int64(i),
			At:         start.Add(time.Duration(i) * 1500 * time.Millisecond),
			ActorID:    fmt.Sprintf("u-%d", i%3),
			Action:     "usecase.update",
			ObjectType: "usecase",
			ObjectID:   fmt.Sprintf("uc-%d", i%7),
			RequestID:  fmt.Sprintf("req-%d", i),
			Commitment: Commit(NewSalt(), []byte(fmt.Sprintf("change %d", i))),
		}
	}
	relink(entries, 0)
	return entries
}

// relink recomputes PrevHash and Hash from position from onwards, the way
// someone with write access to the database would rewrite history.
func relink(entries []Entry, from int) {
	for i := from; i < len(entries); i++ {
		if i == 0 {
			entries[i].PrevHash = GenesisHash
		} else {
			entries[i].PrevHash = entries[i-1].Hash
		}
		entries[i].Seal()
	}
}

func leavesOf(entries []Entry) []tlog.Hash {
	leaves := make([]tlog.Hash, len(entries))
	for i, e := range entries {
		leaves[i] = e.LeafHash()
	}
	return leaves
}

// signAt signs a checkpoint over the first size entries.
func signAt(t *testing.T, s note.Signer, origin string, entries []Entry, size int) string {
	t.Helper()
	text, err := SignCheckpoint(s, origin, int64(size), TreeRoot(leavesOf(entries[:size])))
	if err != nil {
		t.Fatalf("SignCheckpoint(%d): %v", size, err)
	}
	return text
}

// fixture is a valid 50-entry log with checkpoints at 10, 25 and 50.
type fixture struct {
	entries     []Entry
	checkpoints []string
	head        int64
	signer      note.Signer
	verifier    note.Verifier
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	s, v := testKey(t, testOrigin)
	f := &fixture{entries: buildChain(t, 50), head: 50, signer: s, verifier: v}
	for _, size := range []int{10, 25, 50} {
		f.checkpoints = append(f.checkpoints, signAt(t, s, testOrigin, f.entries, size))
	}
	return f
}

func TestVerifyValid(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name            string
		checkpoints     []string
		head            int64
		wantCheckpoints int
	}{
		{"with head", f.checkpoints, 50, 3},
		{"head skipped", f.checkpoints, -1, 3},
		{"db and file copies", append(append([]string{}, f.checkpoints...), f.checkpoints...), 50, 6},
		{"no checkpoints", nil, 50, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := Verify(f.entries, tt.checkpoints, f.verifier, testOrigin, tt.head)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			want := Report{Entries: 50, Checkpoints: tt.wantCheckpoints, Root: TreeRoot(leavesOf(f.entries))}
			if rep != want {
				t.Fatalf("Report=%+v, want %+v", rep, want)
			}
		})
	}
}

func TestVerifyEmptyLog(t *testing.T) {
	_, v := testKey(t, testOrigin)
	rep, err := Verify(nil, nil, v, testOrigin, 0)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	want := Report{Root: sha256.Sum256(nil)}
	if rep != want {
		t.Fatalf("Report=%+v, want %+v", rep, want)
	}
}

func TestVerifyTampering(t *testing.T) {
	tests := []struct {
		name       string
		tamper     func(t *testing.T, f *fixture)
		wantSeq    int64
		wantReason string
	}{
		{
			name:       "field edited without resealing",
			tamper:     func(_ *testing.T, f *fixture) { f.entries[17].ActorID = "someone-else" },
			wantSeq:    17,
			wantReason: "hash does not match its content",
		},
		{
			name:       "first entry detached from genesis",
			tamper:     func(_ *testing.T, f *fixture) { f.entries[0].PrevHash = f.entries[1].Hash },
			wantSeq:    0,
			wantReason: "genesis",
		},
		{
			name: "middle entry edited and resealed breaks the chain at the next entry",
			tamper: func(_ *testing.T, f *fixture) {
				f.entries[17].Action = "usecase.delete"
				f.entries[17].Seal()
			},
			wantSeq:    18,
			wantReason: "does not match entry 17: the chain is broken",
		},
		{
			name: "last entry edited and resealed fails the covering checkpoint",
			tamper: func(_ *testing.T, f *fixture) {
				f.entries[49].ObjectID = "uc-other"
				f.entries[49].Seal()
			},
			wantSeq:    -1,
			wantReason: "checkpoint at size 50 does not match the entries: at least one of entries 25..49",
		},
		{
			name: "history rewritten from an entry onwards fails the first covering checkpoint",
			tamper: func(_ *testing.T, f *fixture) {
				f.entries[12].Commitment = Commit(NewSalt(), []byte("forged"))
				relink(f.entries, 12)
			},
			wantSeq:    -1,
			wantReason: "checkpoint at size 25 does not match the entries: at least one of entries 10..24",
		},
		{
			name:       "entry deleted in the middle",
			tamper:     func(_ *testing.T, f *fixture) { f.entries = append(f.entries[:20:20], f.entries[21:]...) },
			wantSeq:    20,
			wantReason: "entry 20 is missing",
		},
		{
			name: "tail and its checkpoint rows deleted, caught by the checkpoint file",
			tamper: func(t *testing.T, f *fixture) {
				f.entries = f.entries[:30]
				f.head = -1 // the head counter was rewound too
				f.checkpoints = []string{signAt(t, f.signer, testOrigin, buildChain(t, 0), 0), f.checkpoints[2]}
			},
			wantSeq:    30,
			wantReason: "checkpoint at size 50 but only 30 entries: the log was truncated",
		},
		{
			name: "tail deleted after the last checkpoint, caught by the head",
			tamper: func(_ *testing.T, f *fixture) {
				f.entries = f.entries[:40]
				f.checkpoints = f.checkpoints[:2]
			},
			wantSeq:    40,
			wantReason: "head records 50 entries but only 40 are present",
		},
		{
			name: "contents of two entries swapped",
			tamper: func(_ *testing.T, f *fixture) {
				a, b := f.entries[10], f.entries[11]
				a.Seq, b.Seq = b.Seq, a.Seq
				f.entries[10], f.entries[11] = b, a
			},
			wantSeq:    10,
			wantReason: "chain is broken",
		},
		{
			name: "two rows returned in the wrong order",
			tamper: func(_ *testing.T, f *fixture) {
				f.entries[10], f.entries[11] = f.entries[11], f.entries[10]
			},
			wantSeq:    10,
			wantReason: "entry 10 is out of order",
		},
		{
			name: "entry duplicated",
			tamper: func(_ *testing.T, f *fixture) {
				f.entries = append(f.entries[:6:6], f.entries[5:]...)
			},
			wantSeq:    5,
			wantReason: "entry 5 appears more than once",
		},
		{
			name: "checkpoint signed by a different key",
			tamper: func(t *testing.T, f *fixture) {
				other, _ := testKey(t, testOrigin)
				f.checkpoints[1] = signAt(t, other, testOrigin, f.entries, 25)
			},
			wantSeq:    -1,
			wantReason: "checkpoint 2 of 3: checkpoint is not signed by key",
		},
		{
			name: "checkpoint with a wrong origin",
			tamper: func(t *testing.T, f *fixture) {
				f.checkpoints[0] = signAt(t, f.signer, "elsewhere", f.entries, 10)
			},
			wantSeq:    -1,
			wantReason: `checkpoint 1 of 3 has origin "elsewhere", want "atrium"`,
		},
		{
			name: "checkpoint root for another size",
			tamper: func(t *testing.T, f *fixture) {
				text, err := SignCheckpoint(f.signer, testOrigin, 10, TreeRoot(leavesOf(f.entries[:9])))
				if err != nil {
					t.Fatal(err)
				}
				f.checkpoints[0] = text
			},
			wantSeq:    -1,
			wantReason: "checkpoint at size 10 does not match",
		},
		{
			name:       "torn checkpoint",
			tamper:     func(_ *testing.T, f *fixture) { f.checkpoints[2] = f.checkpoints[2][:len(f.checkpoints[2])-10] },
			wantSeq:    -1,
			wantReason: "checkpoint 3 of 3",
		},
		{
			name:       "head larger than the log",
			tamper:     func(_ *testing.T, f *fixture) { f.head = 52 },
			wantSeq:    50,
			wantReason: "head records 52 entries but only 50 are present",
		},
		{
			name:       "head smaller than the log",
			tamper:     func(_ *testing.T, f *fixture) { f.head = 48 },
			wantSeq:    48,
			wantReason: "head records 48 entries but 50 are present",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			tt.tamper(t, f)
			_, err := Verify(f.entries, f.checkpoints, f.verifier, testOrigin, f.head)
			var ve *VerifyError
			if !errors.As(err, &ve) {
				t.Fatalf("Verify error=%v (%T), want *VerifyError", err, err)
			}
			if ve.Seq != tt.wantSeq {
				t.Fatalf("Seq=%d, want %d (%v)", ve.Seq, tt.wantSeq, ve)
			}
			if !strings.Contains(ve.Reason, tt.wantReason) {
				t.Fatalf("Reason=%q, want it to contain %q", ve.Reason, tt.wantReason)
			}
		})
	}
}

func TestVerifyErrorMessage(t *testing.T) {
	tests := []struct {
		err  VerifyError
		want string
	}{
		{VerifyError{Seq: 17, Reason: "hash does not match its content"}, "audit entry 17: hash does not match its content"},
		{VerifyError{Seq: 0, Reason: "x"}, "audit entry 0: x"},
		{VerifyError{Seq: -1, Reason: "checkpoint at size 9 does not match"}, "audit log: checkpoint at size 9 does not match"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Fatalf("Error()=%q, want %q", got, tt.want)
		}
	}
}

// mth is RFC 6962's Merkle Tree Hash written out directly from section 2.1,
// sharing no code with tlog or TreeRoot.
func mth(leaves [][]byte) [32]byte {
	switch len(leaves) {
	case 0:
		return sha256.Sum256(nil)
	case 1:
		return sha256.Sum256(append([]byte{0}, leaves[0]...))
	}
	k := 1
	for k*2 < len(leaves) {
		k *= 2
	}
	l, r := mth(leaves[:k]), mth(leaves[k:])
	return sha256.Sum256(append(append([]byte{1}, l[:]...), r[:]...))
}

func TestTreeRoot(t *testing.T) {
	var data [][]byte
	var leaves []tlog.Hash
	stored := map[int64]tlog.Hash{}
	reader := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			h, ok := stored[x]
			if !ok {
				return nil, fmt.Errorf("hash %d not stored", x)
			}
			out[i] = h
		}
		return out, nil
	})
	if got, want := TreeRoot(nil), tlog.Hash(sha256.Sum256(nil)); got != want {
		t.Fatalf("TreeRoot(0 leaves)=%v, want %v", got, want)
	}
	for n := int64(1); n <= 40; n++ {
		rec := []byte(fmt.Sprintf("record %d", n-1))
		hashes, err := tlog.StoredHashes(n-1, rec, reader)
		if err != nil {
			t.Fatalf("StoredHashes(%d): %v", n-1, err)
		}
		base := tlog.StoredHashCount(n - 1)
		for i, h := range hashes {
			stored[base+int64(i)] = h
		}
		data = append(data, rec)
		leaves = append(leaves, tlog.RecordHash(rec))

		want, err := tlog.TreeHash(n, reader)
		if err != nil {
			t.Fatalf("TreeHash(%d): %v", n, err)
		}
		got := TreeRoot(leaves)
		if got != want {
			t.Fatalf("TreeRoot(%d leaves)=%v, want tlog %v", n, got, want)
		}
		if direct := tlog.Hash(mth(data)); got != direct {
			t.Fatalf("TreeRoot(%d leaves)=%v, want RFC 6962 %v", n, got, direct)
		}
	}
}
