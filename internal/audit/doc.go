// Package audit implements Atrium's tamper-evident audit log.
//
// Every mutation appends an [Entry] in the same database transaction as the
// change itself. Entries are protected twice: each one carries the hash of
// its predecessor (a hash chain, so a single edited row is caught locally),
// and all of them are leaves of an RFC 6962 Merkle tree whose size and root
// are periodically signed as checkpoints (so rewriting the chain from some
// point onwards, or cutting off its tail, is caught against a signature the
// database cannot forge).
//
// Entries never hold personal data. What changed is bound to an entry
// through [Commit], a salted hash; the salt lives in a side table the store
// may erase, after which the commitment no longer reveals anything while the
// chain and tree stay verifiable.
//
// [Verify] is written to run offline over an export of the log, the signed
// checkpoints and the public key, and names the first entry it cannot
// vouch for.
package audit
