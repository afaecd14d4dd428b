// Package artifact holds the rules for artifacts: small files — model cards,
// evaluation reports, data samples — uploaded to a use case and kept in a
// blob store. It decides what a name may be, which content types are kept
// as sent, how large an upload may be, where its bytes go (the object key,
// always made by Atrium) and how a download is named. It knows no SQL and
// no HTTP; the blob store itself is reached through package blobs.
//
// Models are not artifacts: their bytes stay where they are and the
// registry keeps their URI and digest. The size cap exists so that
// nobody mistakes this store for a model store.
package artifact

import (
	"fmt"
	"maps"
	"mime"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/registry"
)

// Limits.
const (
	// DefaultMaxBytes is the largest upload a server accepts unless it is
	// configured otherwise (--artifact-max-bytes).
	DefaultMaxBytes int64 = 25 << 20
	// MaxMaxBytes is the highest cap a server may be configured with.
	MaxMaxBytes int64 = 1 << 30
	// MaxNameRunes bounds an artifact's name.
	MaxNameRunes = 200
)

// Artifact is a stored file of a use case, as listed.
type Artifact struct {
	ID          string    `json:"id"`
	UseCaseID   string    `json:"usecase_id"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	Digest      string    `json:"digest"`
	URI         string    `json:"uri"`
	Asset       *AssetRef `json:"asset,omitempty"`
	CreatedBy   string    `json:"created_by"`
	CreatedAt   time.Time `json:"created_at"`
	// Key is the object key in the blob store; never shown.
	Key string `json:"-"`
}

// AssetRef names the registry version an artifact documents.
type AssetRef struct {
	Kind    registry.Kind `json:"kind"`
	Name    string        `json:"name"`
	Version int           `json:"version"`
}

// Check validates the reference.
func (a AssetRef) Check() error {
	if err := (registry.Ref{Kind: a.Kind, Name: a.Name}).Check(); err != nil {
		return err
	}
	if a.Version < 1 {
		return atrium.Errorf(atrium.Invalid, "asset_version must be a version number (1 or more)")
	}
	return nil
}

// Filter selects artifacts of a use case: those documenting one registry
// version when Asset is set.
type Filter struct {
	Asset *AssetRef
	Page  atrium.PageRequest
}

// Upload is what a client says about a file it sends.
type Upload struct {
	Name        string
	ContentType string
	Asset       *AssetRef
}

// Normalize validates u and returns it with its name checked and its
// content type reduced to one Atrium keeps (see ContentTypeOf).
func (u Upload) Normalize() (Upload, error) {
	name, err := CheckName(u.Name)
	if err != nil {
		return u, err
	}
	ct, err := ContentTypeOf(u.ContentType)
	if err != nil {
		return u, err
	}
	if u.Asset != nil {
		if err := u.Asset.Check(); err != nil {
			return u, err
		}
	}
	u.Name, u.ContentType = name, ct
	return u, nil
}

// CheckName validates an artifact's name: a file name of 1 to MaxNameRunes
// characters, valid UTF-8, with no control characters, no path separators
// and not "." or "..". The name is only ever shown and offered as the
// download's file name; it never becomes a path or a key.
func CheckName(name string) (string, error) {
	n, err := atrium.CheckText("name", name, MaxNameRunes, true, false)
	if err != nil {
		return "", err
	}
	if strings.ContainsAny(n, `/\`) {
		return "", atrium.Errorf(atrium.Invalid, "name must be a file name, without / or \\")
	}
	if n == "." || n == ".." {
		return "", atrium.Errorf(atrium.Invalid, "name must be a file name, not %q", n)
	}
	return n, nil
}

// OctetStream is the content type of everything Atrium does not keep as sent.
const OctetStream = "application/octet-stream"

// contentTypes are the media types kept as the client declared them.
// Anything else — HTML, SVG, XML, JavaScript — is stored and served as
// application/octet-stream, so a browser never renders it.
var contentTypes = map[string]bool{
	"text/plain":                     true,
	"text/markdown":                  true,
	"text/csv":                       true,
	"text/tab-separated-values":      true,
	"application/json":               true,
	"application/x-ndjson":           true,
	"application/yaml":               true,
	"application/pdf":                true,
	"application/zip":                true,
	"application/gzip":               true,
	"application/vnd.apache.parquet": true,
	"image/png":                      true,
	"image/jpeg":                     true,
	"image/gif":                      true,
	"image/webp":                     true,
	OctetStream:                      true,
}

// ContentTypes lists the media types kept as sent, sorted.
func ContentTypes() []string {
	return slices.Sorted(maps.Keys(contentTypes))
}

// ContentTypeOf returns the type an upload declared as ct is stored with:
// its media type, lower case and without parameters, when it is on the
// allow-list, application/octet-stream otherwise (and when ct is empty).
// A value that is not a media type at all is refused.
func ContentTypeOf(ct string) (string, error) {
	if strings.TrimSpace(ct) == "" {
		return OctetStream, nil
	}
	if len(ct) > 200 || !utf8.ValidString(ct) {
		return "", atrium.Errorf(atrium.Invalid, "content_type is not a media type")
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return "", atrium.Errorf(atrium.Invalid, "content_type %q is not a media type", atrium.Truncate(ct, 60))
	}
	if contentTypes[mt] {
		return mt, nil
	}
	return OctetStream, nil
}

// idRE is what NewID makes.
var idRE = regexp.MustCompile(`^[0-9a-f]{32}$`)

// CheckID refuses anything that is not an artifact id as not found, before
// it reaches a query.
func CheckID(id string) error {
	if !idRE.MatchString(id) {
		return atrium.Errorf(atrium.NotFound, "artifact not found")
	}
	return nil
}

// Key is the object key of an artifact: made from ids Atrium generated,
// never from anything a client sent.
func Key(useCaseID, artifactID string) string {
	return "usecases/" + useCaseID + "/" + artifactID
}

// UploadKey is the temporary key an upload is written to while it is
// hashed and measured; it is copied to Key once complete.
func UploadKey(artifactID string) string {
	return "uploads/" + artifactID
}

// URI is how an artifact is named elsewhere, e.g. in a registry version's
// metadata: the API path of its content.
func URI(slug, id string) string {
	return fmt.Sprintf("/api/v1/usecases/%s/artifacts/%s/content", slug, id)
}

// CheckMaxBytes validates a configured upload cap.
func CheckMaxBytes(n int64) error {
	if n < 1 || n > MaxMaxBytes {
		return fmt.Errorf("the artifact size cap must be between 1 byte and %d bytes (got %d)", MaxMaxBytes, n)
	}
	return nil
}

// TooLarge is the error for an upload over max bytes.
func TooLarge(max int64) error {
	return atrium.Errorf(atrium.TooLarge, "the artifact is larger than %d bytes; artifacts are small files (model cards, reports, samples), models stay where they are and the registry keeps their URI and digest", max)
}

// ContentDisposition is the Content-Disposition header of a download of a
// file named name: always an attachment, with an ASCII file name for old
// clients and the exact name in RFC 5987 encoding (RFC 6266, section 4.3).
func ContentDisposition(name string) string {
	var ascii, ext strings.Builder
	for _, r := range name {
		switch {
		case r < 0x20 || r == 0x7f || r == '"' || r == '\\' || r == '/' || r > 0x7e || r == '%' || r == ';':
			ascii.WriteByte('_')
		default:
			ascii.WriteRune(r)
		}
	}
	for _, b := range []byte(name) {
		if isAttrChar(b) {
			ext.WriteByte(b)
		} else {
			fmt.Fprintf(&ext, "%%%02X", b)
		}
	}
	fallback := ascii.String()
	if fallback == "" {
		fallback = "artifact"
	}
	return `attachment; filename="` + fallback + `"; filename*=UTF-8''` + ext.String()
}

// isAttrChar reports whether b may stand unescaped in an RFC 5987 value.
func isAttrChar(b byte) bool {
	switch {
	case b >= 'a' && b <= 'z', b >= 'A' && b <= 'Z', b >= '0' && b <= '9':
		return true
	}
	return strings.IndexByte("!#$&+-.^_`|~", b) >= 0
}
