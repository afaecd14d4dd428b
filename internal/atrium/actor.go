package atrium

import "context"

// Actor is the identity a request acts as: a logged-in user, a user acting
// through one of their API tokens, or the system itself.
type Actor struct {
	UserID  string
	Email   string
	Name    string
	Admin   bool
	TokenID string // set when the request authenticated with an API token
	// UseCaseID is set when that token is bound to one use case: every
	// other use case then looks as if it did not exist.
	UseCaseID string
}

// System is the actor for work Atrium does on its own (migrations, bootstrap).
var System = Actor{UserID: "system", Name: "Atrium"}

// IsSystem reports whether a is the built-in system actor.
func (a Actor) IsSystem() bool { return a.UserID == System.UserID }

type ctxKey int

const (
	actorKey ctxKey = iota
	requestIDKey
)

// WithActor returns a context that carries a.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey, a)
}

// ActorFrom returns the actor stored in ctx and whether there was one.
func ActorFrom(ctx context.Context) (Actor, bool) {
	a, ok := ctx.Value(actorKey).(Actor)
	return a, ok
}

// WithRequestID returns a context that carries the request id, which the audit
// trail records next to every mutation.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey, id)
}

// RequestIDFrom returns the request id stored in ctx, or "".
func RequestIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}
