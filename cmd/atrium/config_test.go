package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"strings"
	"testing"
)

// TestConfigPrecedence checks flags over ATRIUM_* environment over defaults,
// and that every server flag has its environment twin.
func TestConfigPrecedence(t *testing.T) {
	env := map[string]string{"ATRIUM_ADDR": "127.0.0.1:9000", "ATRIUM_DATA": "/srv/atrium", "ATRIUM_RATE_LIMIT": "7"}
	c, fs := newFlags("serve", func(k string) string { return env[k] }, io.Discard, true)
	if err := c.parse(fs, []string{"--data", "/flag/wins"}); err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:9000" || c.Data != "/flag/wins" || c.RateLimit != 7 || c.DB != "/flag/wins/atrium.db" {
		t.Fatalf("config = addr %q data %q rate %v db %q; want env addr and rate, flag data, derived db", c.Addr, c.Data, c.RateLimit, c.DB)
	}
	c, fs = newFlags("serve", noEnv, io.Discard, true)
	if err := c.parse(fs, nil); err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:8420" || c.Data != "./atrium-data" {
		t.Fatalf("defaults = %q, %q", c.Addr, c.Data)
	}
	fs.VisitAll(func(f *flag.Flag) {
		twin := "ATRIUM_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if !strings.Contains(f.Usage, "["+twin+"]") {
			t.Errorf("flag --%s does not name its environment twin %s", f.Name, twin)
		}
	})
}

// TestLogFormat checks that logs are JSON when not on a terminal, and text
// when asked for.
func TestLogFormat(t *testing.T) {
	for format, wantJSON := range map[string]bool{"auto": true, "json": true, "text": false} {
		var buf bytes.Buffer
		(&Config{LogFormat: format, LogLevel: "info"}).logger(&buf).Info("hello", "k", "v")
		var v map[string]any
		isJSON := json.Unmarshal(buf.Bytes(), &v) == nil
		if isJSON != wantJSON {
			t.Errorf("--log-format %s wrote %q; JSON=%v, want %v", format, buf.String(), isJSON, wantJSON)
		}
	}
}
