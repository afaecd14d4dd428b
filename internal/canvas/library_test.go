package canvas

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLoadLibraryFollowsLinksToRegularFiles checks the other side of the
// regular-files rule: a symbolic link to an ordinary template (how a team
// might share one file between servers) still loads, and a file exactly at
// the size limit is read rather than refused by its size.
func TestLoadLibraryFollowsLinksToRegularFiles(t *testing.T) {
	src := filepath.Join(t.TempDir(), "shared.yaml")
	if err := os.WriteFile(src, []byte(validCustom), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.Symlink(src, filepath.Join(dir, "risk.yaml")); err != nil {
		t.Skipf("symlink: %v", err)
	}
	lib, err := LoadLibrary(dir)
	if err != nil {
		t.Fatalf("LoadLibrary(link to a template) = %v, want it loaded", err)
	}
	if _, ok := lib.Get("risk-review"); !ok {
		t.Fatalf("templates = %d, want risk-review among them", len(lib.List()))
	}

	// Padded with a YAML comment to exactly 1 MiB: over the limit by the
	// size check would say so; what it must say is that it parsed.
	exact := validCustom + "#" + strings.Repeat("x", maxTemplateBytes-len(validCustom)-2) + "\n"
	full := t.TempDir()
	if err := os.WriteFile(filepath.Join(full, "risk.yaml"), []byte(exact), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadLibrary(full); err != nil {
		t.Fatalf("LoadLibrary(a file of exactly 1 MiB) = %v, want it loaded", err)
	}
	if err := os.WriteFile(filepath.Join(full, "risk.yaml"), []byte(exact+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(full, "risk.yaml") + ": 1048577 bytes, templates are at most 1 MiB"
	if _, err := LoadLibrary(full); err == nil || err.Error() != want {
		t.Fatalf("LoadLibrary(1 MiB + 1 byte) = %v, want %q", err, want)
	}
}

func TestSummarise(t *testing.T) {
	lib, err := LoadLibrary("")
	if err != nil {
		t.Fatal(err)
	}
	tpl := Builtin()[0]
	id := tpl.SectionIDs()[0]
	list := []Canvas{
		{ID: "a", TemplateID: tpl.ID, Sections: map[string]Section{id: {SectionID: id, Status: Agreed}}},
		{ID: "b", TemplateID: "gone"},
	}
	got := lib.Summarise(list)
	if len(got) != 2 || !got[0].Known || got[0].TemplateName != tpl.Name || got[0].Tally.Agreed != 1 || len(got[0].Phases) == 0 {
		t.Errorf("Summarise(known) = %+v, want its template's name and one agreed section", got[0])
	}
	if got[1].Known || got[1].TemplateName != "gone" || got[1].Tally.Total != 0 {
		t.Errorf("Summarise(unknown template) = %+v, want the id as name and no tally", got[1])
	}
}
