package audit

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Checkpoint is a signed statement of the log's size and Merkle root at some
// moment, in the C2SP checkpoint format.
type Checkpoint struct {
	// Origin names the log; it is the first line of the checkpoint body.
	Origin string
	// Size is the number of entries the checkpoint covers.
	Size int64
	// Root is the Merkle root of the first Size entries.
	Root tlog.Hash
	// Text is the complete signed note the checkpoint was parsed from, kept
	// so it can be stored or re-verified without re-signing.
	Text string
}

// SignCheckpoint formats a checkpoint body ("<origin>\n<size>\n<base64
// root>\n") and signs it as a note.
func SignCheckpoint(s note.Signer, origin string, size int64, root tlog.Hash) (string, error) {
	if origin == "" || strings.ContainsAny(origin, "\n") {
		return "", fmt.Errorf("audit: invalid checkpoint origin %q", origin)
	}
	if size < 0 {
		return "", fmt.Errorf("audit: invalid checkpoint size %d", size)
	}
	body := fmt.Sprintf("%s\n%d\n%s\n", origin, size, base64.StdEncoding.EncodeToString(root[:]))
	signed, err := note.Sign(&note.Note{Text: body}, s)
	if err != nil {
		return "", fmt.Errorf("audit: sign checkpoint: %w", err)
	}
	return string(signed), nil
}

// OpenCheckpoint checks that text is a note signed by v and parses the
// checkpoint it carries. Extension lines after the root, which the C2SP
// format permits, are accepted and ignored.
func OpenCheckpoint(text string, v note.Verifier) (Checkpoint, error) {
	n, err := note.Open([]byte(text), note.VerifierList(v))
	if err != nil {
		var unverified *note.UnverifiedNoteError
		if errors.As(err, &unverified) {
			return Checkpoint{}, fmt.Errorf("checkpoint is not signed by key %q", v.Name())
		}
		return Checkpoint{}, fmt.Errorf("checkpoint signature: %w", err)
	}
	lines := strings.SplitN(n.Text, "\n", 4)
	if len(lines) < 4 {
		return Checkpoint{}, errors.New("checkpoint body has fewer than three lines")
	}
	origin, sizeText, rootText := lines[0], lines[1], lines[2]
	if origin == "" {
		return Checkpoint{}, errors.New("checkpoint origin is empty")
	}
	size, err := strconv.ParseInt(sizeText, 10, 64)
	// Insisting on the shortest decimal form keeps one checkpoint from having
	// several valid spellings.
	if err != nil || size < 0 || strconv.FormatInt(size, 10) != sizeText {
		return Checkpoint{}, fmt.Errorf("checkpoint size %q is not a valid tree size", sizeText)
	}
	raw, err := base64.StdEncoding.Strict().DecodeString(rootText)
	if err != nil || len(raw) != tlog.HashSize {
		return Checkpoint{}, fmt.Errorf("checkpoint root %q is not a base64 SHA-256 hash", rootText)
	}
	cp := Checkpoint{Origin: origin, Size: size, Text: text}
	copy(cp.Root[:], raw)
	return cp, nil
}

// AppendCheckpointFile adds a signed checkpoint to the file at path, creating
// the file (0600) and its directory (0700) when needed. The file lives outside
// the database so that deleting the log's tail together with its checkpoint
// rows still leaves a signed record of the longer log.
//
// Each note is followed by one blank line. A signed note contains exactly one
// blank line of its own, between body and signatures, which is what lets
// ReadCheckpointFile split the file back apart; notes of any other shape are
// refused.
func AppendCheckpointFile(path, signedNote string) error {
	if err := checkNoteShape(signedNote); err != nil {
		return fmt.Errorf("audit: refusing to append checkpoint: %w", err)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	_, statErr := os.Stat(path)
	created := errors.Is(statErr, fs.ErrNotExist)

	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	// One write per note, so concurrent appenders cannot interleave lines.
	_, err = f.WriteString(signedNote + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("audit: append checkpoint: %w", err)
	}
	if created {
		syncDir(dir)
	}
	return nil
}

// ReadCheckpointFile returns the signed notes in the file at path, in the
// order they were appended. A missing file is not an error: it means no
// checkpoint was written yet. The notes are returned unverified; an
// incomplete last note (for example from a crash mid-write) comes back as
// written, and Verify reports it.
func ReadCheckpointFile(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	var notes []string
	var cur strings.Builder
	inSigs := false
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i+1], data[i+1:]
		} else {
			data = nil
		}
		if string(line) != "\n" {
			cur.Write(line)
			continue
		}
		switch {
		case cur.Len() == 0:
			// Stray blank lines between notes carry nothing.
		case !inSigs:
			cur.Write(line)
			inSigs = true
		default:
			notes = append(notes, cur.String())
			cur.Reset()
			inSigs = false
		}
	}
	if cur.Len() > 0 {
		notes = append(notes, cur.String())
	}
	return notes, nil
}

// checkNoteShape makes sure a note can be told apart from its neighbours in
// the checkpoint file.
func checkNoteShape(s string) error {
	switch {
	case !strings.HasSuffix(s, "\n"):
		return errors.New("note does not end in a newline")
	case strings.HasPrefix(s, "\n"):
		return errors.New("note starts with a blank line")
	case strings.Count(s, "\n\n") != 1 || strings.Contains(s, "\n\n\n"):
		return errors.New("note must have exactly one blank line, before its signatures")
	case strings.HasSuffix(s, "\n\n"):
		return errors.New("note has no signature lines")
	}
	return nil
}

// syncDir makes a newly created file's directory entry durable. Some
// platforms cannot sync directories; the file's own data is already synced,
// so failure here is not worth failing the append for.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	_ = d.Close()
}
