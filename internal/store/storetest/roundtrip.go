package storetest

import (
	"testing"
	"time"

	"github.com/atrium-mlops/atrium/internal/usecase"
)

// testRoundTrip checks that what a create returns is what a later read
// returns, to the last digit: an API client that compares created_at from a
// POST with the one from a GET must see the same value. The clock is left
// running, so times carry nanoseconds the databases cannot keep.
func testRoundTrip(t *testing.T, open Opener) {
	ctx := t.Context()
	db := open(t)
	db.SetClock(func() time.Time { return time.Now().UTC().Add(123 * time.Nanosecond) })
	ada := mustUser(t, ctx, db, "ada@example.org", "Ada", false)
	if got, err := db.GetUser(ctx, ada.ID); err != nil || got != ada {
		t.Errorf("GetUser=%+v, %v; want %+v as CreateUser returned it", got, err, ada)
	}
	tm := mustTeam(t, ctx, db, "alpha", ada)
	if got, err := db.GetTeam(ctx, "alpha"); err != nil || !got.CreatedAt.Equal(tm.CreatedAt) {
		t.Errorf("GetTeam CreatedAt=%v, %v; want %v as CreateTeam returned it", got.CreatedAt, err, tm.CreatedAt)
	}
	tok, _, err := db.CreateToken(ctx, ada.ID, "ci", time.Hour)
	if err != nil {
		t.Fatalf("CreateToken: %v", err)
	}
	if got, err := db.GetToken(ctx, tok.ID); err != nil || !got.CreatedAt.Equal(tok.CreatedAt) || !got.ExpiresAt.Equal(*tok.ExpiresAt) {
		t.Errorf("GetToken CreatedAt=%v ExpiresAt=%v, %v; want %v %v as CreateToken returned them", got.CreatedAt, got.ExpiresAt, err, tok.CreatedAt, tok.ExpiresAt)
	}
	u := mustUseCase(t, as(ctx, ada), db, usecase.UseCase{Slug: "churn", Name: "Churn", TeamSlug: "alpha"})
	if got, err := db.GetUseCase(as(ctx, ada), "churn"); err != nil || got != u {
		t.Errorf("GetUseCase=%+v, %v; want %+v as CreateUseCase returned it", got, err, u)
	}
	u, err = db.UpdateUseCase(as(ctx, ada), "churn", usecase.Patch{Summary: ptr("s")})
	if err != nil {
		t.Fatalf("UpdateUseCase: %v", err)
	}
	if got, err := db.GetUseCase(as(ctx, ada), "churn"); err != nil || got != u {
		t.Errorf("GetUseCase=%+v, %v; want %+v as UpdateUseCase returned it", got, err, u)
	}
}
