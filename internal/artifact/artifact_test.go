package artifact

import (
	"mime"
	"strings"
	"testing"

	"github.com/atrium-mlops/atrium/internal/atrium"
)

func TestCheckName(t *testing.T) {
	for _, good := range []string{"model-card.md", "  report 2026.pdf ", "données.csv", "a", strings.Repeat("é", MaxNameRunes), "..hidden", "x..y"} {
		if _, err := CheckName(good); err != nil {
			t.Errorf("CheckName(%q): %v", good, err)
		}
	}
	for _, bad := range []string{"", "   ", "../etc/passwd", "a/b", `a\b`, ".", "..", "nul\x00", "bell\a", "tab\tname", "new\nline", "se\u2028p",
		string([]byte{0xff}), strings.Repeat("a", MaxNameRunes+1)} {
		if _, err := CheckName(bad); atrium.KindOf(err) != atrium.Invalid {
			t.Errorf("CheckName(%q) err = %v, want Invalid", bad, err)
		}
	}
}

func TestContentTypeOf(t *testing.T) {
	for in, want := range map[string]string{
		"":                             OctetStream,
		"text/plain":                   "text/plain",
		"Text/Markdown; charset=utf-8": "text/markdown",
		"application/json":             "application/json",
		"image/png":                    "image/png",
		"text/html":                    OctetStream,
		"text/html; charset=utf-8":     OctetStream,
		"image/svg+xml":                OctetStream,
		"application/xhtml+xml":        OctetStream,
		"application/javascript":       OctetStream,
		"text/xml":                     OctetStream,
		"application/x-python-pickle":  OctetStream,
	} {
		got, err := ContentTypeOf(in)
		if err != nil || got != want {
			t.Errorf("ContentTypeOf(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"not a type", "text/", "text/plain\r\nX-Evil: 1", "/plain", strings.Repeat("a", 300) + "/b"} {
		if _, err := ContentTypeOf(bad); atrium.KindOf(err) != atrium.Invalid {
			t.Errorf("ContentTypeOf(%q) err = %v, want Invalid", bad, err)
		}
	}
	for _, ct := range ContentTypes() {
		if strings.Contains(ct, "html") || strings.Contains(ct, "svg") || strings.Contains(ct, "xml") || strings.Contains(ct, "javascript") {
			t.Errorf("allow-list holds %q, which a browser may run", ct)
		}
	}
}

func TestContentDisposition(t *testing.T) {
	for _, name := range []string{"model-card.md", `say "hi"; x=1.txt`, "données 2026.csv", "../../etc/passwd", "a\\b", "50%.txt", "日本語.pdf"} {
		cd := ContentDisposition(name)
		disp, params, err := mime.ParseMediaType(cd)
		if err != nil || disp != "attachment" {
			t.Errorf("ContentDisposition(%q) = %q: %v", name, cd, err)
			continue
		}
		if params["filename"] != name {
			t.Errorf("ContentDisposition(%q) = %q decodes to %q", name, cd, params["filename"])
		}
		if strings.ContainsAny(cd, "\r\n\x00") {
			t.Errorf("ContentDisposition(%q) = %q holds a control character", name, cd)
		}
		fallback := cd[strings.Index(cd, `filename="`)+10 : strings.Index(cd, `";`)]
		if strings.ContainsAny(fallback, `"\/%;`) {
			t.Errorf("fallback name %q of %q holds a character to escape", fallback, name)
		}
		for _, r := range fallback {
			if r > 0x7e {
				t.Errorf("fallback name %q is not ASCII", fallback)
			}
		}
	}
}

func TestUploadNormalize(t *testing.T) {
	u, err := Upload{Name: " card.md ", ContentType: "text/markdown; charset=utf-8"}.Normalize()
	if err != nil || u.Name != "card.md" || u.ContentType != "text/markdown" {
		t.Fatalf("Normalize = %+v, %v", u, err)
	}
	if _, err := (Upload{Name: "x", Asset: &AssetRef{Kind: "model", Name: "m", Version: 0}}).Normalize(); atrium.KindOf(err) != atrium.Invalid {
		t.Errorf("version 0: err = %v, want Invalid", err)
	}
	if _, err := (Upload{Name: "x", Asset: &AssetRef{Kind: "notebook", Name: "m", Version: 1}}).Normalize(); atrium.KindOf(err) != atrium.Invalid {
		t.Errorf("unknown kind: err = %v, want Invalid", err)
	}
}

func TestKeysAndIDs(t *testing.T) {
	id := atrium.NewID()
	if err := CheckID(id); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"", "../x", strings.ToUpper(id), id + "0", "g" + id[1:], id[:31] + "\x00"} {
		if atrium.KindOf(CheckID(bad)) != atrium.NotFound {
			t.Errorf("CheckID(%q) passed", bad)
		}
	}
	if k := Key("u1", id); k != "usecases/u1/"+id {
		t.Errorf("Key = %q", k)
	}
	if CheckMaxBytes(0) == nil || CheckMaxBytes(MaxMaxBytes+1) == nil || CheckMaxBytes(DefaultMaxBytes) != nil {
		t.Error("CheckMaxBytes bounds are wrong")
	}
}
