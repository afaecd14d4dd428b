package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// VerifyError describes the first thing Verify could not vouch for.
type VerifyError struct {
	// Seq is the first entry that is wrong or missing, or -1 when the problem
	// lies with a checkpoint or the log as a whole rather than one entry.
	Seq int64
	// Reason says what is wrong, for a human.
	Reason string
}

// Error implements error.
func (e *VerifyError) Error() string {
	if e.Seq < 0 {
		return "audit log: " + e.Reason
	}
	return fmt.Sprintf("audit entry %d: %s", e.Seq, e.Reason)
}

// Report summarises a successful verification.
type Report struct {
	// Entries is the number of entries checked.
	Entries int64
	// Checkpoints is the number of checkpoints checked, counting one that
	// appears both in the database and in the checkpoint file twice.
	Checkpoints int
	// Root is the Merkle root over all entries, suitable for signing a new
	// checkpoint or comparing with one held elsewhere.
	Root tlog.Hash
}

// Verify recomputes the hash chain and Merkle tree from entries and checks
// them against the signed checkpoints and the store's recorded log size. It
// returns the first problem found as a *VerifyError, with a zero Report.
//
// Entries are checked one at a time in seq order: that the expected seq is
// present, that PrevHash links to the previous entry, and that Hash matches
// the content. Then each checkpoint's signature and origin are checked, in
// the order given. Then the checkpoints are compared with the entries from
// the smallest size up, so a root mismatch is narrowed to the entries added
// since the last checkpoint that still matches. Finally the entry count is
// compared with storedHeadSize, unless it is -1.
//
// Pass checkpoints from both the database and the checkpoint file: the file
// is what catches a log whose tail and newest checkpoint rows were deleted
// together.
func Verify(entries []Entry, checkpoints []string, v note.Verifier, origin string, storedHeadSize int64) (Report, error) {
	n := int64(len(entries))
	for i := range entries {
		if err := checkEntry(entries, i); err != nil {
			return Report{}, err
		}
	}

	cps := make([]Checkpoint, 0, len(checkpoints))
	for i, text := range checkpoints {
		cp, err := OpenCheckpoint(text, v)
		if err != nil {
			return Report{}, &VerifyError{Seq: -1, Reason: fmt.Sprintf("checkpoint %d of %d: %v", i+1, len(checkpoints), err)}
		}
		if cp.Origin != origin {
			return Report{}, &VerifyError{Seq: -1, Reason: fmt.Sprintf("checkpoint %d of %d has origin %q, want %q", i+1, len(checkpoints), cp.Origin, origin)}
		}
		cps = append(cps, cp)
	}
	sort.SliceStable(cps, func(i, j int) bool { return cps[i].Size < cps[j].Size })

	leaves := make([]tlog.Hash, n)
	for i := range entries {
		leaves[i] = entries[i].LeafHash()
	}
	tree := buildTree(leaves)
	var matched int64 // size of the largest checkpoint known to match
	for _, cp := range cps {
		if cp.Size > n {
			return Report{}, &VerifyError{Seq: n, Reason: fmt.Sprintf("checkpoint at size %d but only %d entries: the log was truncated", cp.Size, n)}
		}
		root, err := tree.root(cp.Size)
		if err != nil {
			return Report{}, &VerifyError{Seq: -1, Reason: fmt.Sprintf("checkpoint at size %d: %v", cp.Size, err)}
		}
		if root != cp.Root {
			return Report{}, &VerifyError{Seq: -1, Reason: fmt.Sprintf(
				"checkpoint at size %d does not match the entries: at least one of entries %d..%d was altered",
				cp.Size, matched, cp.Size-1)}
		}
		matched = cp.Size
	}

	if storedHeadSize >= 0 && storedHeadSize != n {
		if storedHeadSize > n {
			return Report{}, &VerifyError{Seq: n, Reason: fmt.Sprintf("the log's head records %d entries but only %d are present: entries from %d on were removed", storedHeadSize, n, n)}
		}
		return Report{}, &VerifyError{Seq: storedHeadSize, Reason: fmt.Sprintf("the log's head records %d entries but %d are present: entries from %d on were added without advancing it", storedHeadSize, n, storedHeadSize)}
	}

	root, err := tree.root(n)
	if err != nil {
		return Report{}, &VerifyError{Seq: -1, Reason: err.Error()}
	}
	return Report{Entries: n, Checkpoints: len(checkpoints), Root: root}, nil
}

// checkEntry checks entries[i], assuming every earlier position already
// passed, which is what lets it treat a lower seq as a duplicate.
func checkEntry(entries []Entry, i int) error {
	e := entries[i]
	want := int64(i)
	switch {
	case e.Seq < want:
		return &VerifyError{Seq: e.Seq, Reason: fmt.Sprintf("entry %d appears more than once", e.Seq)}
	case e.Seq > want:
		// Telling "out of place" from "gone" points the reader at the right
		// kind of tampering, and costs nothing on a good log.
		for j := i + 1; j < len(entries); j++ {
			if entries[j].Seq == want {
				return &VerifyError{Seq: want, Reason: fmt.Sprintf("entry %d is out of order: it appears after entry %d", want, e.Seq)}
			}
		}
		return &VerifyError{Seq: want, Reason: fmt.Sprintf("entry %d is missing", want)}
	}

	if i == 0 {
		if e.PrevHash != GenesisHash {
			return &VerifyError{Seq: 0, Reason: "the first entry does not start from the genesis hash"}
		}
	} else if e.PrevHash != entries[i-1].Hash {
		return &VerifyError{Seq: want, Reason: fmt.Sprintf("previous-hash does not match entry %d: the chain is broken", want-1)}
	}

	sum := sha256.Sum256(e.Canonical())
	if e.Hash != hex.EncodeToString(sum[:]) {
		return &VerifyError{Seq: want, Reason: "hash does not match its content"}
	}
	return nil
}

// TreeRoot returns the RFC 6962 Merkle tree hash over leaves, which must
// already be leaf hashes (see Entry.LeafHash). For no leaves it is the
// SHA-256 of the empty string, as the RFC specifies.
func TreeRoot(leaves []tlog.Hash) tlog.Hash {
	root, err := buildTree(leaves).root(int64(len(leaves)))
	if err != nil {
		// The tree is complete and in memory, so tlog can only fail here
		// through a bug in index arithmetic.
		panic("audit: " + err.Error())
	}
	return root
}

// memTree holds every stored hash of a tlog tree in memory. Building it once
// makes each checkpoint's root a lookup of O(log n) hashes instead of a
// recomputation over all leaves.
type memTree []tlog.Hash

func buildTree(leaves []tlog.Hash) memTree {
	t := make(memTree, 0, tlog.StoredHashCount(int64(len(leaves))))
	for i, leaf := range leaves {
		hashes, err := tlog.StoredHashesForRecordHash(int64(i), leaf, t)
		if err != nil {
			panic("audit: " + err.Error())
		}
		t = append(t, hashes...)
	}
	return t
}

// ReadHashes implements tlog.HashReader.
func (t memTree) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, idx := range indexes {
		if idx < 0 || idx >= int64(len(t)) {
			return nil, fmt.Errorf("tree hash %d is not stored", idx)
		}
		out[i] = t[idx]
	}
	return out, nil
}

func (t memTree) root(size int64) (tlog.Hash, error) {
	return tlog.TreeHash(size, t)
}
