package registry

import (
	"net/url"
	"strings"
	"testing"

	"github.com/atrium-mlops/atrium/internal/atrium"
)

func TestCanonicalURIRefusesHostile(t *testing.T) {
	hostile := []string{
		"",
		"file:///etc/passwd",
		"file:/etc/",
		"FILE:///etc/passwd",
		"//proc/self/root",
		"/etc/passwd",
		"../",
		"..%2f",
		"%252e%252e%252f",
		"..\\",
		"a/..;/x",
		"x#/../",
		"s3://b/k\x00",
		"s3://b/k%00",
		"ftp://example.org/x",
		"gopher://example.org/x",
		"jdbc:postgresql://db/x",
		"s3://b/../k",
		"s3://b/a/..",
		"s3://b/%2e%2e/k",
		"s3://b/%2E%2E%2Fk",
		"s3://b/a..%2f..%2fk/%2e%2e%2fetc",
		"s3://b/x/..%2fk",
		"s3://b/%252e%252e%252fk",
		"s3://b/%25252e%25252e%25252fk",
		"s3://b/%2525252525252e",
		"s3://b/a/..;/x",
		"s3://b/a/.;x/k",
		"s3://b/a\\..\\k",
		"s3://b/a%5c..%5ck",
		"s3://b/./k",
		"s3://b//k",
		"s3://b/k#frag",
		"s3://b/k?x=1",
		"s3://user:secret@b/k",
		"s3:///k",
		"s3:b/k",
		"https://exa mple.org/k",
		"https://example.org/k\n",
		"https://../k",
		"models:name/1",
		"http://example.org:99999x/k",
		"s3://b/%zz",
		"mlflow-artifacts:/a/../b",
		"runs:/%2e%2e/x",
		"runs:/",
		"s3://b/a%23b",
		"s3://b/a%3Fb",
		"s3://b/%2523:e%252D%252f",
		"models:",
	}
	for _, in := range hostile {
		t.Run(in, func(t *testing.T) {
			got, err := CanonicalURI(in)
			if err == nil {
				t.Fatalf("CanonicalURI(%q)=%q, want an error", in, got)
			}
			if k := atrium.KindOf(err); k != atrium.Invalid {
				t.Fatalf("CanonicalURI(%q) error kind=%q, want %q", in, k, atrium.Invalid)
			}
		})
	}
}

func TestCanonicalURIAccepts(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"s3://bucket/path/model.pkl", "s3://bucket/path/model.pkl"},
		{"S3://Bucket/Path/Model.pkl", "s3://bucket/Path/Model.pkl"},
		{"gs://b/dir/", "gs://b/dir/"},
		{"az://container/blob", "az://container/blob"},
		{"azblob://container/blob", "azblob://container/blob"},
		{"https://example.org:8443/a/b.bin", "https://example.org:8443/a/b.bin"},
		{"http://minio.local/b/k", "http://minio.local/b/k"},
		{"hf://datasets/org/name", "hf://datasets/org/name"},
		{"models:/churn/3", "models:/churn/3"},
		{"runs:/0123abcd/model", "runs:/0123abcd/model"},
		{"mlflow-artifacts:/1/abc/artifacts", "mlflow-artifacts:/1/abc/artifacts"},
		{"mlflow-artifacts://server/1/abc", "mlflow-artifacts://server/1/abc"},
		{"s3://b/a%20b", "s3://b/a%20b"},
		{"s3://b/%61bc", "s3://b/abc"},
		{"s3://b/..a/b..", "s3://b/..a/b.."},
		{"s3://b", "s3://b"},
	} {
		got, err := CanonicalURI(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("CanonicalURI(%q)=%q, %v, want %q", tc.in, got, err, tc.want)
		}
	}
}

// FuzzCanonicalURI checks that whatever is accepted is canonical (accepted
// again unchanged) and holds nothing that could reach outside its location,
// at any depth of decoding.
func FuzzCanonicalURI(f *testing.F) {
	for _, s := range []string{
		"s3://b/k", "models:/m/1", "https://h:1/a%2fb", "file:///etc/passwd", "s3://b/%252e%252e%252f",
		"s3://b/a/..;/x", "x#/../", "..\\", "s3://b/\x00", "hf://d/o/n", "runs:/r/p", "gs://b/%2e",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		c, err := CanonicalURI(in)
		if err != nil {
			if atrium.KindOf(err) != atrium.Invalid {
				t.Fatalf("CanonicalURI(%q) error kind=%q, want invalid", in, atrium.KindOf(err))
			}
			return
		}
		again, err := CanonicalURI(c)
		if err != nil || again != c {
			t.Fatalf("CanonicalURI(%q)=%q; of that: %q, %v, want it unchanged", in, c, again, err)
		}
		scheme, _, _ := strings.Cut(c, ":")
		if _, ok := Schemes[scheme]; !ok {
			t.Fatalf("CanonicalURI(%q)=%q with scheme %q outside the allow-list", in, c, scheme)
		}
		d := c
		for range maxDecodeRounds + 2 {
			if strings.ContainsAny(d, "\x00\\?#") {
				t.Fatalf("CanonicalURI(%q)=%q decodes to %q", in, c, d)
			}
			for _, seg := range strings.Split(d, "/") {
				name, _, _ := strings.Cut(seg, ";")
				if name == ".." || name == "." {
					t.Fatalf("CanonicalURI(%q)=%q decodes to %q with a %q segment", in, c, d, name)
				}
			}
			next, err := url.PathUnescape(d)
			if err != nil {
				t.Fatalf("CanonicalURI(%q)=%q does not decode: %v", in, c, err)
			}
			d = next
		}
	})
}
