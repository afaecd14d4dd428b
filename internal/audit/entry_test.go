package audit

import (
	"bytes"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

func sampleEntry() Entry {
	return Entry{
		Seq:        7,
		At:         time.Date(2025, 3, 14, 15, 9, 26, 535897000, time.UTC),
		ActorID:    "u-42",
		Action:     "usecase.create",
		ObjectType: "usecase",
		ObjectID:   "uc-1",
		RequestID:  "req-abc",
		Commitment: Commit([]byte("salt-salt-salt!!"), []byte(`{"name":"churn"}`)),
		PrevHash:   GenesisHash,
	}
}

func sealed(e Entry) Entry {
	e.Seal()
	return e
}

func TestSealStable(t *testing.T) {
	base := sealed(sampleEntry())
	if len(base.Hash) != 64 {
		t.Fatalf("len(Hash)=%d, want 64", len(base.Hash))
	}
	tests := []struct {
		name   string
		mutate func(*Entry)
	}{
		{"unchanged", func(*Entry) {}},
		{"nanoseconds below a microsecond", func(e *Entry) { e.At = e.At.Add(999 * time.Nanosecond) }},
		{"same instant in another zone", func(e *Entry) { e.At = e.At.In(time.FixedZone("x", 5*3600)) }},
		{"stale hash field", func(e *Entry) { e.Hash = "ignored" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := sampleEntry()
			tt.mutate(&e)
			if !bytes.Equal(e.Canonical(), base.Canonical()) {
				t.Fatalf("Canonical()=%q, want %q", e.Canonical(), base.Canonical())
			}
			e.Seal()
			if e.Hash != base.Hash {
				t.Fatalf("Hash=%s, want %s", e.Hash, base.Hash)
			}
		})
	}
}

func TestSealEveryFieldMatters(t *testing.T) {
	base := sealed(sampleEntry())
	tests := []struct {
		name   string
		mutate func(*Entry)
	}{
		{"Seq", func(e *Entry) { e.Seq++ }},
		{"At", func(e *Entry) { e.At = e.At.Add(time.Microsecond) }},
		{"ActorID", func(e *Entry) { e.ActorID = "system" }},
		{"Action", func(e *Entry) { e.Action = "usecase.delete" }},
		{"ObjectType", func(e *Entry) { e.ObjectType = "model" }},
		{"ObjectID", func(e *Entry) { e.ObjectID = "uc-2" }},
		{"RequestID", func(e *Entry) { e.RequestID = "req-abd" }},
		{"Commitment", func(e *Entry) { e.Commitment = Commit([]byte("other"), []byte("x")) }},
		{"PrevHash", func(e *Entry) { e.PrevHash = base.Hash }},
		// A byte moved across a field boundary must not collide.
		{"boundary shift", func(e *Entry) { e.ObjectType, e.ObjectID = "usecaseu", "c-1" }},
		{"empty vs moved", func(e *Entry) { e.ActorID, e.Action = "", "u-42usecase.create" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := sampleEntry()
			tt.mutate(&e)
			e.Seal()
			if e.Hash == base.Hash {
				t.Fatalf("Hash=%s unchanged after changing %s", e.Hash, tt.name)
			}
		})
	}
}

func TestCanonicalUnambiguous(t *testing.T) {
	// Pairs that a separator-only encoding would map to the same bytes.
	tests := []struct {
		name string
		a, b func(*Entry)
	}{
		{
			name: "newline and colon inside a value",
			a:    func(e *Entry) { e.ActorID, e.Action = "a\n:b", "" },
			b:    func(e *Entry) { e.ActorID, e.Action = "a", "b\n:" },
		},
		{
			name: "length-like text inside a value",
			a:    func(e *Entry) { e.ObjectType, e.ObjectID = "x\n1:y", "" },
			b:    func(e *Entry) { e.ObjectType, e.ObjectID = "x", "y\n0:" },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := sampleEntry(), sampleEntry()
			tt.a(&a)
			tt.b(&b)
			a.Seal()
			b.Seal()
			if a.Hash == b.Hash {
				t.Fatalf("Hash=%s for both %q and %q, want different", a.Hash, a.Canonical(), b.Canonical())
			}
		})
	}
}

func TestCanonicalVersionTag(t *testing.T) {
	got := sampleEntry().Canonical()
	if want := []byte("atrium-audit/v1\n"); !bytes.HasPrefix(got, want) {
		t.Fatalf("Canonical()=%q, want prefix %q", got, want)
	}
}

func TestLeafHash(t *testing.T) {
	e := sealed(sampleEntry())
	if got, want := e.LeafHash(), tlog.RecordHash(e.Canonical()); got != want {
		t.Fatalf("LeafHash()=%v, want %v", got, want)
	}
}

func TestCommit(t *testing.T) {
	salt := []byte("0123456789abcdef")
	base := Commit(salt, []byte("content"))
	tests := []struct {
		name          string
		salt, content []byte
		wantSame      bool
	}{
		{"same inputs", salt, []byte("content"), true},
		{"other content", salt, []byte("content!"), false},
		{"other salt", []byte("0123456789abcdeg"), []byte("content"), false},
		{"byte moved from content to salt", append(append([]byte{}, salt...), 'c'), []byte("ontent"), false},
		{"no salt", nil, []byte("content"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Commit(tt.salt, tt.content)
			if (got == base) != tt.wantSame {
				t.Fatalf("Commit=%s equal to base=%v, want %v", got, got == base, tt.wantSame)
			}
			if len(got) != 64 {
				t.Fatalf("len(Commit)=%d, want 64", len(got))
			}
		})
	}
}

func TestNewSalt(t *testing.T) {
	a, b := NewSalt(), NewSalt()
	if len(a) != 16 || len(b) != 16 {
		t.Fatalf("len(NewSalt())=%d,%d, want 16", len(a), len(b))
	}
	if bytes.Equal(a, b) {
		t.Fatalf("two salts are both %x, want different", a)
	}
}
