package feedback

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/web/throttle"
)

// The public forms carry a token bound to their link: the hour it was
// issued and an HMAC of the link id and that hour under the server's key.
// It is accepted for tokenHours hours, so a form left open over lunch still
// sends, and refused for any other link. The same-origin check of every
// cookie-less POST (http.CrossOriginProtection) stands in front of it.
const (
	tokenWindow = time.Hour
	tokenHours  = 3
)

var errToken = atrium.Errorf(atrium.Forbidden, "this form has expired or did not come from this page: go back, reload the page and send it again")

// formToken is the token of a form for linkID, issued at now.
func (h *Handlers) formToken(linkID string, now time.Time) string {
	w := now.Unix() / int64(tokenWindow/time.Second)
	return strconv.FormatInt(w, 10) + "." + h.mac(linkID, w)
}

func (h *Handlers) mac(linkID string, window int64) string {
	m := hmac.New(sha256.New, h.key)
	m.Write([]byte("atrium feedback form\x00" + linkID + "\x00" + strconv.FormatInt(window, 10)))
	return hex.EncodeToString(m.Sum(nil))
}

// checkToken accepts a token issued for linkID within the last tokenHours.
func (h *Handlers) checkToken(linkID, token string) error {
	ws, sum, ok := strings.Cut(token, ".")
	w, err := strconv.ParseInt(ws, 10, 64)
	if !ok || err != nil {
		return errToken
	}
	now := h.now().Unix() / int64(tokenWindow/time.Second)
	if age := now - w; age < 0 || age >= tokenHours {
		return errToken
	}
	if !hmac.Equal([]byte(sum), []byte(h.mac(linkID, w))) {
		return errToken
	}
	return nil
}

// allowSubmit takes one submission from the client's address and one from
// the link's budget; either empty refuses with how long to wait.
func (h *Handlers) allowSubmit(r *http.Request, linkID string) error {
	if err := allow(h.byAddress, throttle.ClientIP(r)); err != nil {
		return err
	}
	if err := allow(h.byLink, linkID); err != nil {
		if h.byAddress != nil {
			h.byAddress.Give(throttle.ClientIP(r))
		}
		return err
	}
	return nil
}

// allowLookup takes one prediction lookup from the client's address.
func (h *Handlers) allowLookup(r *http.Request) error { return allow(h.lookups, throttle.ClientIP(r)) }

func allow(l *throttle.Limiter, key string) error {
	if l == nil {
		return nil
	}
	if wait, ok := l.Allow(key); !ok {
		secs := max(1, int((wait+time.Second-1)/time.Second))
		return atrium.Limited(wait, "too much feedback from here in a short time; please wait %d seconds and send it again", secs)
	}
	return nil
}
