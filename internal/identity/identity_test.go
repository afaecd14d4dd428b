package identity

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
)

func TestPasswordHashing(t *testing.T) {
	ctx := t.Context()
	h, err := HashPassword(ctx, "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q is not an argon2id PHC string with the chosen parameters", h)
	}
	if ok, err := VerifyPassword(ctx, h, "correct horse battery"); !ok || err != nil {
		t.Fatalf("right password: VerifyPassword = %v, %v; want true, nil", ok, err)
	}
	for _, wrong := range []string{"correct horse batterY", "", strings.Repeat("x", 2000)} {
		if ok, _ := VerifyPassword(ctx, h, wrong); ok {
			t.Fatalf("wrong password %q accepted", wrong)
		}
	}
	for _, broken := range []string{"", "$argon2i$v=19$m=1,t=1,p=1$AA$AA", h[:len(h)-5] + "!!!!!", "$argon2id$v=19$m=99999999,t=2,p=1$AA$AA"} {
		if ok, _ := VerifyPassword(ctx, broken, "correct horse battery"); ok {
			t.Fatalf("malformed hash %q matched", broken)
		}
	}
	h2, _ := HashPassword(ctx, "correct horse battery")
	if h2 == h {
		t.Fatal("two hashes of one password are equal: the salt is not random")
	}
}

// TestHashingIsBounded runs many hashes and checks at once: no more than
// MaxConcurrentHashes may ever compute together, since each holds 19 MiB.
func TestHashingIsBounded(t *testing.T) {
	ctx := t.Context()
	h, err := HashPassword(ctx, "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	before, _ := HashStats()
	const workers = 4 * MaxConcurrentHashes
	var wg sync.WaitGroup
	for i := range workers {
		wg.Go(func() {
			if i%2 == 0 {
				VerifyPassword(ctx, h, "not the password at all")
			} else if _, err := HashPassword(ctx, "another password here"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	total, peak := HashStats()
	if got := total - before; got != workers {
		t.Fatalf("computations counted = %d, want %d", got, workers)
	}
	if peak > MaxConcurrentHashes {
		t.Fatalf("peak concurrent computations = %d, want at most %d", peak, MaxConcurrentHashes)
	}
}

// TestHashingWaitsWithTheContext fills every slot and checks that a caller
// whose context ends stops waiting instead of queueing for ever.
func TestHashingWaitsWithTheContext(t *testing.T) {
	for range MaxConcurrentHashes {
		hashSlots <- struct{}{}
	}
	t.Cleanup(func() {
		for range MaxConcurrentHashes {
			<-hashSlots
		}
	})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := HashPassword(ctx, "correct horse battery"); !errors.Is(err, context.Canceled) {
		t.Fatalf("HashPassword with every slot taken and a cancelled context: err = %v, want context.Canceled", err)
	}
	if ok, err := VerifyPassword(ctx, "$argon2id$v=19$m=19456,t=2,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "correct horse battery"); ok || !errors.Is(err, context.Canceled) {
		t.Fatalf("VerifyPassword with every slot taken and a cancelled context = %v, %v; want false, context.Canceled", ok, err)
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
