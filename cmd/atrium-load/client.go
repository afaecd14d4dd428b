package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// maxBody bounds what the tool reads of one answer: a page of 100 versions
// is well under it.
const maxBody = 8 << 20

// client sends requests to one Atrium server with a bearer token, keeping
// enough idle connections for every load client to reuse its own.
type client struct {
	base  *url.URL
	token string
	http  *http.Client
}

func newClient(cfg config) *client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = cfg.clients + 4
	tr.MaxIdleConnsPerHost = cfg.clients + 4
	return &client{base: cfg.base, token: cfg.token, http: &http.Client{Transport: tr, Timeout: cfg.timeout}}
}

// path joins escaped segments onto the base URL's path.
func (c *client) path(segments ...string) string {
	var b strings.Builder
	b.WriteString(c.base.Path)
	for _, s := range segments {
		b.WriteByte('/')
		b.WriteString(url.PathEscape(s))
	}
	return b.String()
}

// request is one call: method, path (already escaped), optional query and
// body (JSON unless contentType says otherwise), and the credential to send
// when it is not the client's token (an ingestion key). events is how many
// events the body carries, for the ingest report.
type request struct {
	method          string
	path            string
	query           url.Values
	body            []byte
	contentType     string
	contentEncoding string
	credential      string
	events          int
}

// result is what came back: the status (0 for a transport error) and the
// body, read in full so the connection can be reused.
type result struct {
	status int
	body   []byte
	err    error
}

func (c *client) do(ctx context.Context, r request) result {
	u := *c.base
	u.Path, u.RawPath = r.path, ""
	u.RawQuery = r.query.Encode()
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u.String(), body)
	if err != nil {
		return result{err: err}
	}
	cred := c.token
	if r.credential != "" {
		cred = r.credential
	}
	req.Header.Set("Authorization", "Bearer "+cred)
	req.Header.Set("Accept", "application/json")
	if r.body != nil {
		ct := r.contentType
		if ct == "" {
			ct = "application/json"
		}
		req.Header.Set("Content-Type", ct)
		if r.contentEncoding != "" {
			req.Header.Set("Content-Encoding", r.contentEncoding)
		}
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return result{err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return result{status: resp.StatusCode, err: err}
	}
	return result{status: resp.StatusCode, body: b}
}

// call sends a request during set-up and decodes the answer into out when
// the status is one of want; any other status is an error quoting the
// server's message.
func (c *client) call(ctx context.Context, method, path string, in, out any, want ...int) (int, error) {
	r := request{method: method, path: path}
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return 0, err
		}
		r.body = b
	}
	res := c.do(ctx, r)
	if res.err != nil {
		return res.status, fmt.Errorf("%s %s: %w", method, path, res.err)
	}
	for _, w := range want {
		if res.status == w {
			if out != nil && len(res.body) > 0 {
				if err := json.Unmarshal(res.body, out); err != nil {
					return res.status, fmt.Errorf("%s %s: answer is not the expected JSON: %w", method, path, err)
				}
			}
			return res.status, nil
		}
	}
	return res.status, fmt.Errorf("%s %s: %d %s", method, path, res.status, message(res.body))
}

// message is the message of an error answer — an Atrium problem document
// (detail) or an MLflow error (message) — or the start of the body.
func message(b []byte) string {
	var e struct {
		Detail  string `json:"detail"`
		Message string `json:"message"`
	}
	if json.Unmarshal(b, &e) == nil {
		if e.Detail != "" {
			return e.Detail
		}
		if e.Message != "" {
			return e.Message
		}
	}
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
