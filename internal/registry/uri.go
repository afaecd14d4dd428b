package registry

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/atrium-mlops/atrium/internal/atrium"
)

// MaxURI bounds an artifact location.
const MaxURI = 2048

// Schemes lists the artifact locations a version may point at, and whether
// each names a host (bucket, container, server) before its path. Local files
// are absent on purpose: a registry that stores file: or bare paths hands
// whoever reads it a way to make the server or a client open its own disk.
var Schemes = map[string]bool{
	"s3":               true,
	"gs":               true,
	"az":               true,
	"azblob":           true,
	"https":            true,
	"http":             true,
	"hf":               true,
	"models":           false,
	"runs":             false,
	"mlflow-artifacts": false,
}

// maxDecodeRounds bounds how often a location is percent-decoded while
// looking for hidden traversal: an encoding nested deeper than this is
// refused rather than followed.
const maxDecodeRounds = 4

// CanonicalURI checks an artifact location and returns its canonical form:
// scheme and host in lower case, the path escaped once, the standard way.
// It refuses schemes outside Schemes, credentials, queries, fragments,
// control characters, backslashes, and "." or ".." segments, also when they
// are hidden behind (nested) percent-encoding or a ";" parameter.
func CanonicalURI(raw string) (string, error) {
	if raw == "" {
		return "", atrium.Errorf(atrium.Invalid, "uri is required")
	}
	if len(raw) > MaxURI {
		return "", atrium.Errorf(atrium.Invalid, "uri is too long (%d bytes, at most %d)", len(raw), MaxURI)
	}
	if err := checkChars(raw, false); err != nil {
		return "", err
	}
	for decoded, round := raw, 0; ; round++ {
		next, err := url.PathUnescape(decoded)
		if err != nil {
			return "", atrium.Errorf(atrium.Invalid, "uri has a malformed percent-encoding")
		}
		if next == decoded {
			break
		}
		if round == maxDecodeRounds {
			return "", atrium.Errorf(atrium.Invalid, "uri is percent-encoded more than %d times over", maxDecodeRounds)
		}
		if err := checkChars(next, true); err != nil {
			return "", err
		}
		decoded = next
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", atrium.Errorf(atrium.Invalid, "uri is not a valid URI")
	}
	scheme := strings.ToLower(u.Scheme)
	hosted, ok := Schemes[scheme]
	if !ok {
		if scheme == "" {
			return "", atrium.Errorf(atrium.Invalid, "uri needs a scheme such as s3:// or https:// (paths on the server are not accepted)")
		}
		return "", atrium.Errorf(atrium.Invalid, "uri scheme %q is not accepted; use one of s3, gs, az, azblob, https, http, hf, models, runs, mlflow-artifacts", atrium.Truncate(scheme, 40))
	}
	switch {
	case u.Opaque != "":
		return "", atrium.Errorf(atrium.Invalid, "uri must be written %s://… or %s:/…", scheme, scheme)
	case u.User != nil:
		return "", atrium.Errorf(atrium.Invalid, "uri must not carry credentials")
	case u.RawQuery != "" || u.ForceQuery || strings.Contains(raw, "?"):
		return "", atrium.Errorf(atrium.Invalid, "uri must not have a query")
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return "", atrium.Errorf(atrium.Invalid, "uri must not have a fragment")
	case hosted && u.Host == "":
		return "", atrium.Errorf(atrium.Invalid, "uri must name a %s host or bucket: %s://host/path", scheme, scheme)
	}
	host := strings.ToLower(u.Host)
	if err := checkHost(host, scheme == "http" || scheme == "https"); err != nil {
		return "", err
	}
	if err := checkSegments(u.Path); err != nil {
		return "", err
	}
	if err := checkPath(u.EscapedPath()); err != nil {
		return "", err
	}
	if !hosted && host == "" && (!strings.HasPrefix(u.Path, "/") || u.Path == "/") {
		return "", atrium.Errorf(atrium.Invalid, "uri must be written %s:/path", scheme)
	}
	path := (&url.URL{Path: u.Path}).EscapedPath()
	if host == "" {
		return scheme + ":" + path, nil
	}
	return scheme + "://" + host + path, nil
}

// checkChars refuses what has no place in a location at any decoding depth;
// a space is allowed only where it was percent-encoded (decoded true), and
// '?' and '#' only unencoded, where the query and fragment checks see them.
func checkChars(s string, decoded bool) error {
	if !utf8.ValidString(s) {
		return atrium.Errorf(atrium.Invalid, "uri is not valid UTF-8")
	}
	for _, r := range s {
		switch {
		case r == 0:
			return atrium.Errorf(atrium.Invalid, "uri contains a NUL character")
		case r == '\\':
			return atrium.Errorf(atrium.Invalid, "uri contains a backslash")
		case (r == '?' || r == '#') && decoded:
			// Harmless to us, but a client that decodes once more than it
			// should would read a query or a fragment where a key was meant.
			return atrium.Errorf(atrium.Invalid, "uri contains a percent-encoded %q", r)
		case r == ' ' && decoded:
		case unicode.IsControl(r) || unicode.IsSpace(r) || r == '\u2028' || r == '\u2029':
			return atrium.Errorf(atrium.Invalid, "uri contains a control or space character (U+%04X)", r)
		}
	}
	return nil
}

// checkHost accepts DNS-style names (and a port where the scheme has one).
func checkHost(host string, port bool) error {
	name := host
	if port {
		if i := strings.LastIndexByte(host, ':'); i >= 0 {
			name = host[:i]
			p := host[i+1:]
			if p == "" || len(p) > 5 || strings.Trim(p, "0123456789") != "" {
				return atrium.Errorf(atrium.Invalid, "uri has a malformed port")
			}
		}
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r == '_') {
			return atrium.Errorf(atrium.Invalid, "uri host may hold only letters, digits, '-', '_' and '.'")
		}
	}
	if name == "." || name == ".." || strings.Contains(name, "..") {
		return atrium.Errorf(atrium.Invalid, "uri host is malformed")
	}
	return nil
}

// checkPath refuses empty, "." and ".." segments in the path at every
// depth of percent-decoding, where an encoded "/" becomes a separator. A
// single trailing "/" (a prefix of objects) is allowed.
func checkPath(raw string) error {
	p := raw
	for round := 0; ; round++ {
		if err := checkSegments(p); err != nil {
			return err
		}
		next, err := url.PathUnescape(p)
		if err != nil {
			return atrium.Errorf(atrium.Invalid, "uri has a malformed percent-encoding")
		}
		if next == p {
			return nil
		}
		if round == maxDecodeRounds {
			return atrium.Errorf(atrium.Invalid, "uri is percent-encoded more than %d times over", maxDecodeRounds)
		}
		p = next
	}
}

func checkSegments(p string) error {
	if p == "" || p == "/" {
		return nil
	}
	p = strings.TrimSuffix(strings.TrimPrefix(p, "/"), "/")
	for _, seg := range strings.Split(p, "/") {
		name, _, _ := strings.Cut(seg, ";")
		switch name {
		case "":
			if seg != "" {
				return atrium.Errorf(atrium.Invalid, "uri has a path segment starting with ';'")
			}
			return atrium.Errorf(atrium.Invalid, "uri has an empty path segment")
		case ".", "..":
			return atrium.Errorf(atrium.Invalid, "uri must not contain %q segments", name)
		}
	}
	return nil
}
