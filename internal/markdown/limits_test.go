package markdown

import (
	"strings"
	"testing"
)

// maxContent is the longest text a section may hold (canvas.MaxContent),
// the most any caller asks this package to render.
const maxContent = 50_000

// hostileMarkdown holds texts of at most maxContent characters that take
// CommonMark renderers seconds or turn into megabytes of HTML.
var hostileMarkdown = map[string]string{
	"emphasis":       strings.Repeat("_a*", 16_666),
	"quotes":         strings.Repeat(">", 49_998),
	"links":          strings.Repeat("[a](", 12_499),
	"brackets":       strings.Repeat("[", 49_999),
	"mixed nesting":  strings.Repeat("> - ", 12_000),
	"ordered nested": strings.Repeat("1. ", 16_000),
}

// worstAllowed holds texts just inside the limits, repeated to the content
// limit: the most work a saved section can ask of the renderer.
var worstAllowed = map[string]string{
	"emphasis":  fill(strings.Repeat("_a*", MaxEmphasisMarks/2) + "\n\n"),
	"brackets":  fill(strings.Repeat("[a](", MaxBrackets) + "\n\n"),
	"nesting":   fill(strings.Repeat("> ", MaxNesting) + "x\n"),
	"autolinks": fill("https://example.org/a/b "),
	"escapes":   fill("<a&\""),
	"table":     "|a|b|\n|-|-|\n" + fill("| credit score | 0.82 |\n"),
	"code":      fill("`a"),
	"prose":     fill("The model scores loan applications for the credit team. "),
}

// fill repeats s up to maxContent bytes.
func fill(s string) string {
	return strings.Repeat(s, maxContent/len(s))
}

func TestRenderCheckedRefusesHostileText(t *testing.T) {
	for name, src := range hostileMarkdown {
		t.Run(name, func(t *testing.T) {
			if len(src) > maxContent {
				t.Fatalf("input is %d bytes, over the content limit", len(src))
			}
			before := Renders()
			_, err := RenderChecked("the content", src)
			if err == nil {
				t.Fatal("RenderChecked accepted it, want a refusal")
			}
			if msg := err.Error(); !strings.HasPrefix(msg, "the content cannot be formatted: ") {
				t.Errorf("message = %q, want it to name the text and the reason", msg)
			}
			if got := Renders() - before; got != 0 {
				t.Errorf("renders = %d, want 0: the check must come before the renderer", got)
			}
			out := Render(src)
			if !strings.HasPrefix(string(out), `<pre class="md-plain">`) {
				t.Errorf("Render = %.60q…, want the plain-text form", out)
			}
			if len(out) > 6*len(src)+100 {
				t.Errorf("plain form is %d bytes for %d of text", len(out), len(src))
			}
		})
	}
}

func TestRenderCheckedAcceptsWorstAllowedText(t *testing.T) {
	for name, src := range worstAllowed {
		t.Run(name, func(t *testing.T) {
			out, err := RenderChecked("the content", src)
			if err != nil {
				t.Fatalf("RenderChecked: %v", err)
			}
			if limit := maxGrowth*len(src) + maxGrowthSlack; len(out) > limit {
				t.Errorf("output %d bytes, over the limit of %d", len(out), limit)
			}
			if strings.HasPrefix(string(out), `<pre class="md-plain">`) {
				t.Error("rendered as plain text, want Markdown")
			}
		})
	}
}

func TestRenderCheckedRefusesGrowth(t *testing.T) {
	// Each line is a 16-deep quote of its own: allowed nesting, but the
	// markup is twenty times the text.
	src := strings.Repeat(strings.Repeat(">", MaxNesting)+"x\n\n", 1_000)
	_, err := RenderChecked("the comment", src)
	if err == nil || !strings.Contains(err.Error(), "times its length") {
		t.Fatalf("err = %v, want a refusal naming the growth", err)
	}
}

func TestComplexityIgnoresFencedCode(t *testing.T) {
	code := "```python\n" + strings.Repeat("def f(**kw): return _x[a] * _y[b]\n", 400) + "```\n\nAfter the code, *emphasis* works."
	if why := complexity(code); why != "" {
		t.Fatalf("complexity(fenced code) = %q, want \"\"", why)
	}
	out, err := RenderChecked("the content", code)
	if err != nil || !strings.Contains(string(out), "<em>emphasis</em>") {
		t.Fatalf("RenderChecked = %.80q, %v", out, err)
	}
	unclosed := "```\n" + strings.Repeat("_a*", 16_000)
	if why := complexity(unclosed); why != "" {
		t.Errorf("complexity(unclosed fence) = %q: an unclosed fence runs to the end, so its text is code", why)
	}
}

func TestContainers(t *testing.T) {
	for _, tc := range []struct {
		line string
		want int
	}{
		{"plain", 0}, {"> quote", 1}, {">>> x", 3}, {"> > - x", 3}, {"  - 1. x", 2},
		{"12) x", 1}, {"-x", 0}, {"1.x", 0}, {"* * *", 2}, {"> ", 1},
	} {
		if got, _ := containers(tc.line); got != tc.want {
			t.Errorf("containers(%q) = %d, want %d", tc.line, got, tc.want)
		}
	}
}

// BenchmarkRenderWorstAllowed renders the costliest texts a section may
// hold; docs/benchmarks.md records the numbers.
func BenchmarkRenderWorstAllowed(b *testing.B) {
	for name, src := range worstAllowed {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			for b.Loop() {
				if _, err := RenderChecked("the content", src); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRenderRefused measures the check that turns hostile text away.
func BenchmarkRenderRefused(b *testing.B) {
	for name, src := range hostileMarkdown {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, err := RenderChecked("the content", src); err == nil {
					b.Fatal("accepted")
				}
			}
		})
	}
}
