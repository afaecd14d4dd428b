package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/registry"
)

// registryClient is what the registry commands need from Atrium. Two
// implementations share it: httpRegistry talks to a server over the native
// API, localRegistry calls the store on the database directly. Errors carry
// an atrium.Kind in both, so commands treat them alike.
type registryClient interface {
	GetAsset(ctx context.Context, slug string, ref registry.Ref) (registry.Asset, error)
	CreateAsset(ctx context.Context, slug string, a registry.Asset) (registry.Asset, error)
	CreateVersion(ctx context.Context, slug string, ref registry.Ref, v registry.Version) (registry.Version, error)
	GetVersion(ctx context.Context, slug string, ref registry.Ref, n int) (registry.Version, error)
	// LatestVersion is the asset's newest version.
	LatestVersion(ctx context.Context, slug string, ref registry.Ref) (registry.Version, error)
	Aliases(ctx context.Context, slug string, ref registry.Ref) ([]registry.Alias, error)
	SetAlias(ctx context.Context, slug string, ref registry.Ref, alias string, n int, reason string) (registry.Alias, error)
	// AliasHistory is every move of one alias, oldest first.
	AliasHistory(ctx context.Context, slug string, ref registry.Ref, alias string) ([]registry.AliasMove, error)
	// AliasAt is the alias as it stood at a time: NotFound if it pointed
	// at nothing then.
	AliasAt(ctx context.Context, slug string, ref registry.Ref, alias string, at time.Time) (registry.Alias, error)
	// Render fills a prompt version's template: version n, or the one alias
	// points at, or (both zero) the newest.
	Render(ctx context.Context, slug, name string, n int, alias string, vars map[string]string) (int, string, error)
	Close() error
}

// Limits of the HTTP client: an answer larger than this is refused, and a
// request that takes longer is abandoned.
const (
	maxAnswer      = 16 << 20
	requestTimeout = 2 * time.Minute
	// A 429 is retried this many times when the server asks for a short
	// wait; the request was refused before anything was done, so retrying a
	// write is safe.
	rateRetries  = 3
	maxRateDelay = 30 * time.Second
)

// httpRegistry is registryClient over the native API of a server.
type httpRegistry struct {
	base   *url.URL // ends without a slash
	token  string
	client *http.Client
	sleep  func(context.Context, time.Duration) error
}

// newHTTPRegistry checks the server address and returns a client for it.
// warn receives a note when the token would travel unencrypted.
func newHTTPRegistry(server, token string, warn io.Writer) (*httpRegistry, error) {
	u, err := url.Parse(strings.TrimRight(server, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--server must be an http:// or https:// address such as https://atrium.example.org (got %q)", atrium.Truncate(server, 80))
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("--server must not carry credentials, a query or a fragment; pass the token with --token or ATRIUM_TOKEN")
	}
	if token == "" {
		return nil, fmt.Errorf("--server needs an API token: pass --token or set ATRIUM_TOKEN (create one on your account page or with \"atrium token create\")")
	}
	if strings.ContainsAny(token, " \t\r\n") {
		return nil, fmt.Errorf("the API token must not contain spaces or line breaks")
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		fmt.Fprintf(warn, "atrium: warning: %s is plain HTTP; the token is sent unencrypted\n", u.Host)
	}
	return &httpRegistry{base: u, token: token, client: &http.Client{Timeout: requestTimeout}, sleep: sleepCtx}, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (c *httpRegistry) Close() error { c.client.CloseIdleConnections(); return nil }

// assetPath is the API path of an asset, below the use case.
func assetPath(slug string, ref registry.Ref, rest ...string) string {
	p := "usecases/" + url.PathEscape(slug) + "/assets/" + url.PathEscape(string(ref.Kind)) + "/" + url.PathEscape(ref.Name)
	for _, r := range rest {
		p += "/" + url.PathEscape(r)
	}
	return p
}

// do sends one request to /api/v1/<path> and decodes a JSON answer into
// out. A problem document becomes an *atrium.Error with the server's kind
// and detail.
func (c *httpRegistry) do(ctx context.Context, method, path string, query url.Values, body, out any) error {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return err
		}
	}
	target := c.base.String() + "/api/v1/" + path
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, method, target, bytes.NewReader(payload))
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+c.token)
		req.Header.Set("Accept", "application/json")
		req.Header.Set("User-Agent", "atrium-cli/"+version)
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := c.client.Do(req)
		if err != nil {
			return atrium.Wrap(atrium.Unavailable, err, "cannot reach the server "+c.base.Host)
		}
		raw, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
		resp.Body.Close()
		if err != nil {
			return atrium.Wrap(atrium.Unavailable, err, "reading the server's answer")
		}
		if len(raw) > maxAnswer {
			return atrium.Errorf(atrium.TooLarge, "the server's answer is larger than %d MiB", maxAnswer>>20)
		}
		if resp.StatusCode == http.StatusTooManyRequests && attempt < rateRetries {
			if wait, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && wait >= 0 && time.Duration(wait)*time.Second <= maxRateDelay {
				if err := c.sleep(ctx, time.Duration(max(wait, 1))*time.Second); err != nil {
					return err
				}
				continue
			}
		}
		if resp.StatusCode >= 300 {
			return problemError(resp, raw)
		}
		if out == nil || resp.StatusCode == http.StatusNoContent {
			return nil
		}
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("the server's answer to %s %s is not the JSON expected: %v", method, "/api/v1/"+path, err)
		}
		return nil
	}
}

// problemError turns an error answer into an *atrium.Error: the problem
// document's code and detail when there is one, the status otherwise.
func problemError(resp *http.Response, raw []byte) error {
	var p struct {
		Title  string `json:"title"`
		Detail string `json:"detail"`
		Code   string `json:"code"`
	}
	if json.Unmarshal(raw, &p) != nil || (p.Detail == "" && p.Title == "") {
		return atrium.Errorf(kindOfStatus(resp.StatusCode), "the server answered %s", resp.Status)
	}
	kind := atrium.Kind(p.Code)
	if p.Code == "" {
		kind = kindOfStatus(resp.StatusCode)
	}
	msg := p.Detail
	if msg == "" {
		msg = p.Title
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		if ra := resp.Header.Get("Retry-After"); ra != "" {
			msg += " (the server asks to wait " + ra + " s)"
		}
	}
	return atrium.Errorf(kind, "%s", msg)
}

func kindOfStatus(code int) atrium.Kind {
	switch code {
	case http.StatusBadRequest, http.StatusUnprocessableEntity:
		return atrium.Invalid
	case http.StatusUnauthorized:
		return atrium.Unauthenticated
	case http.StatusForbidden:
		return atrium.Forbidden
	case http.StatusNotFound:
		return atrium.NotFound
	case http.StatusConflict:
		return atrium.Conflict
	case http.StatusRequestEntityTooLarge:
		return atrium.TooLarge
	case http.StatusTooManyRequests:
		return atrium.RateLimited
	case http.StatusServiceUnavailable, http.StatusBadGateway, http.StatusGatewayTimeout:
		return atrium.Unavailable
	}
	return atrium.Internal
}

func (c *httpRegistry) GetAsset(ctx context.Context, slug string, ref registry.Ref) (registry.Asset, error) {
	var a registry.Asset
	return a, c.do(ctx, "GET", assetPath(slug, ref), nil, nil, &a)
}

func (c *httpRegistry) CreateAsset(ctx context.Context, slug string, a registry.Asset) (registry.Asset, error) {
	body := struct {
		Kind        registry.Kind     `json:"kind"`
		Name        string            `json:"name"`
		Description string            `json:"description"`
		Tags        map[string]string `json:"tags"`
	}{a.Kind, a.Name, a.Description, a.Tags}
	var out registry.Asset
	return out, c.do(ctx, "POST", "usecases/"+url.PathEscape(slug)+"/assets", nil, body, &out)
}

// versionBody is what a client may say about a new version.
type versionBody struct {
	URI         string                `json:"uri"`
	Digest      string                `json:"digest"`
	Size        int64                 `json:"size"`
	Description string                `json:"description,omitempty"`
	Metadata    json.RawMessage       `json:"metadata,omitempty"`
	Tags        map[string]string     `json:"tags,omitempty"`
	Dataset     *registry.DatasetInfo `json:"dataset,omitempty"`
	Model       *registry.ModelInfo   `json:"model,omitempty"`
	Prompt      *registry.PromptInfo  `json:"prompt,omitempty"`
}

func (c *httpRegistry) CreateVersion(ctx context.Context, slug string, ref registry.Ref, v registry.Version) (registry.Version, error) {
	body := versionBody{v.URI, v.Digest, v.Size, v.Description, v.Metadata, v.Tags, v.Dataset, v.Model, v.Prompt}
	var out registry.Version
	return out, c.do(ctx, "POST", assetPath(slug, ref, "versions"), nil, body, &out)
}

func (c *httpRegistry) GetVersion(ctx context.Context, slug string, ref registry.Ref, n int) (registry.Version, error) {
	var v registry.Version
	return v, c.do(ctx, "GET", assetPath(slug, ref, "versions", strconv.Itoa(n)), nil, nil, &v)
}

func (c *httpRegistry) LatestVersion(ctx context.Context, slug string, ref registry.Ref) (registry.Version, error) {
	var page atrium.Page[registry.Version]
	if err := c.do(ctx, "GET", assetPath(slug, ref, "versions"), url.Values{"page_size": {"1"}}, nil, &page); err != nil {
		return registry.Version{}, err
	}
	if len(page.Items) == 0 {
		return registry.Version{}, atrium.Errorf(atrium.NotFound, "%s %q has no versions yet", ref.Kind, ref.Name)
	}
	return page.Items[0], nil
}

func (c *httpRegistry) Aliases(ctx context.Context, slug string, ref registry.Ref) ([]registry.Alias, error) {
	var out struct {
		Items []registry.Alias `json:"items"`
	}
	return out.Items, c.do(ctx, "GET", assetPath(slug, ref, "aliases"), nil, nil, &out)
}

func (c *httpRegistry) SetAlias(ctx context.Context, slug string, ref registry.Ref, alias string, n int, reason string) (registry.Alias, error) {
	body := struct {
		Version int    `json:"version"`
		Reason  string `json:"reason"`
	}{n, reason}
	var out registry.Alias
	return out, c.do(ctx, "PUT", assetPath(slug, ref, "aliases", alias), nil, body, &out)
}

// maxHistoryPages bounds how many pages of an alias's history are read.
const maxHistoryPages = 200

func (c *httpRegistry) AliasHistory(ctx context.Context, slug string, ref registry.Ref, alias string) ([]registry.AliasMove, error) {
	var all []registry.AliasMove
	q := url.Values{}
	for range maxHistoryPages {
		var page atrium.Page[registry.AliasMove]
		if err := c.do(ctx, "GET", assetPath(slug, ref, "aliases", alias, "history"), q, nil, &page); err != nil {
			return nil, err
		}
		all = append(all, page.Items...)
		if page.NextPageToken == "" {
			return all, nil
		}
		q.Set("page_token", page.NextPageToken)
	}
	return nil, atrium.Errorf(atrium.TooLarge, "the history of alias %q has more than %d pages", alias, maxHistoryPages)
}

func (c *httpRegistry) AliasAt(ctx context.Context, slug string, ref registry.Ref, alias string, at time.Time) (registry.Alias, error) {
	var out registry.Alias
	q := url.Values{"at": {at.UTC().Format(time.RFC3339Nano)}}
	return out, c.do(ctx, "GET", assetPath(slug, ref, "aliases", alias), q, nil, &out)
}

func (c *httpRegistry) Render(ctx context.Context, slug, name string, n int, alias string, vars map[string]string) (int, string, error) {
	body := struct {
		Version   int               `json:"version,omitempty"`
		Alias     string            `json:"alias,omitempty"`
		Variables map[string]string `json:"variables"`
	}{n, alias, vars}
	if body.Variables == nil {
		body.Variables = map[string]string{}
	}
	var out struct {
		Version int    `json:"version"`
		Text    string `json:"text"`
	}
	err := c.do(ctx, "POST", assetPath(slug, registry.Ref{Kind: registry.Prompt, Name: name}, "render"), nil, body, &out)
	return out.Version, out.Text, err
}
