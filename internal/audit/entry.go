package audit

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"strconv"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// GenesisHash is the PrevHash of entry 0. Using a fixed value rather than an
// empty string keeps every entry's encoding the same shape.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// canonicalVersion opens every canonical encoding so that a future change of
// layout can never produce bytes that collide with this one.
const canonicalVersion = "atrium-audit/v1"

// Entry is one record of the audit log. It names who did what to which
// object, and commits to the details without containing them.
type Entry struct {
	// Seq is the 0-based position in the log; the log has no gaps.
	Seq int64 `json:"seq"`
	// At is when the mutation happened. Only microsecond precision is
	// hashed, because that is what the databases we store into keep.
	At time.Time `json:"at"`
	// ActorID is the acting user's id, or "system".
	ActorID string `json:"actor_id"`
	// Action names the operation, e.g. "usecase.create".
	Action string `json:"action"`
	// ObjectType names the kind of object changed, e.g. "usecase".
	ObjectType string `json:"object_type"`
	// ObjectID identifies the object changed.
	ObjectID string `json:"object_id"`
	// RequestID ties the entry to the request that caused it.
	RequestID string `json:"request_id"`
	// Commitment is the hex output of Commit over the change's content.
	Commitment string `json:"commitment"`
	// PrevHash is the Hash of entry Seq-1, or GenesisHash for entry 0.
	PrevHash string `json:"prev_hash"`
	// Hash is the hex SHA-256 of Canonical, filled in by Seal.
	Hash string `json:"hash"`
}

// Canonical returns the bytes that Hash and LeafHash are computed over:
// every field except Hash, in a fixed order, each prefixed by its byte length
// so that no choice of field values can make two different entries encode
// the same way. The layout is
//
//	atrium-audit/v1\n
//	<len>:<value>\n   (once per field, in declaration order)
//
// The newline after each value is redundant given the length; it is there so
// a human reading a dump can follow it.
func (e Entry) Canonical() []byte {
	fields := [...]string{
		strconv.FormatInt(e.Seq, 10),
		e.At.UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano),
		e.ActorID,
		e.Action,
		e.ObjectType,
		e.ObjectID,
		e.RequestID,
		e.Commitment,
		e.PrevHash,
	}
	size := len(canonicalVersion) + 1
	for _, f := range fields {
		size += len(f) + 22
	}
	b := make([]byte, 0, size)
	b = append(b, canonicalVersion...)
	b = append(b, '\n')
	for _, f := range fields {
		b = strconv.AppendInt(b, int64(len(f)), 10)
		b = append(b, ':')
		b = append(b, f...)
		b = append(b, '\n')
	}
	return b
}

// Seal computes and stores the entry's Hash. It must be called after every
// other field, PrevHash included, has its final value.
func (e *Entry) Seal() {
	sum := sha256.Sum256(e.Canonical())
	e.Hash = hex.EncodeToString(sum[:])
}

// LeafHash returns the entry's leaf in the Merkle tree. It is derived from
// the same canonical bytes as Hash but with RFC 6962's leaf prefix, so the
// tree does not depend on the stored Hash column being honest.
func (e Entry) LeafHash() tlog.Hash {
	return tlog.RecordHash(e.Canonical())
}

// saltSize is large enough that an erased salt cannot be brute-forced back
// from a commitment over low-entropy content.
const saltSize = 16

// NewSalt returns a fresh random salt for Commit.
func NewSalt() []byte {
	b := make([]byte, saltSize)
	// crypto/rand.Read does not fail on supported platforms; it aborts the
	// program instead of returning predictable bytes.
	_, _ = rand.Read(b)
	return b
}

// Commit returns the hex SHA-256 of the salt's length as an 8-byte big-endian
// integer, the salt, and the content. The length prefix keeps the split
// between salt and content unambiguous. Once the salt is erased the
// commitment still proves the entry was not altered but can no longer be
// checked against guessed content.
func Commit(salt, content []byte) string {
	h := sha256.New()
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(salt)))
	h.Write(n[:])
	h.Write(salt)
	h.Write(content)
	return hex.EncodeToString(h.Sum(nil))
}
