package identity

import (
	"strings"
	"testing"
)

func TestPasswordHashing(t *testing.T) {
	h, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q is not an argon2id PHC string with the chosen parameters", h)
	}
	if !VerifyPassword(h, "correct horse battery") {
		t.Fatal("right password rejected")
	}
	for _, wrong := range []string{"correct horse batterY", "", strings.Repeat("x", 2000)} {
		if VerifyPassword(h, wrong) {
			t.Fatalf("wrong password %q accepted", wrong)
		}
	}
	for _, broken := range []string{"", "$argon2i$v=19$m=1,t=1,p=1$AA$AA", h[:len(h)-5] + "!!!!!", "$argon2id$v=19$m=99999999,t=2,p=1$AA$AA"} {
		if VerifyPassword(broken, "correct horse battery") {
			t.Fatalf("malformed hash %q matched", broken)
		}
	}
	h2, _ := HashPassword("correct horse battery")
	if h2 == h {
		t.Fatal("two hashes of one password are equal: the salt is not random")
	}
}

func TestCheckPassword(t *testing.T) {
	for pw, ok := range map[string]bool{
		strings.Repeat("a", 11):  false,
		strings.Repeat("a", 12):  true,
		strings.Repeat("ä", 12):  true,
		strings.Repeat("a", 256): true,
		strings.Repeat("a", 257): false,
		"twelve chars\x00":       false,
	} {
		if err := CheckPassword(pw); (err == nil) != ok {
			t.Errorf("CheckPassword(%d runes) err = %v, want ok=%v", len([]rune(pw)), err, ok)
		}
	}
}

func TestNormalizeEmail(t *testing.T) {
	for in, want := range map[string]string{"Ada@Example.org": "ada@example.org", " bob@x.io ": "bob@x.io"} {
		if got, err := NormalizeEmail(in); err != nil || got != want {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "plain", "Ada <ada@example.org>", "a@\nb.org", strings.Repeat("a", 250) + "@x.org"} {
		if _, err := NormalizeEmail(bad); err == nil {
			t.Errorf("NormalizeEmail(%q) accepted", bad)
		}
	}
}

func TestSecrets(t *testing.T) {
	a, da := NewSecret(TokenPrefix)
	b, db := NewSecret(TokenPrefix)
	if a == b || da == db || !strings.HasPrefix(a, TokenPrefix) || Digest(a) != da || strings.Contains(da, a) {
		t.Fatalf("secrets %q/%q digests %q/%q are not fresh, prefixed and digested", a, b, da, db)
	}
}
