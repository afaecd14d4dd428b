// Package markdowntest holds hostile Markdown shared by the tests of the
// renderer and of everything that stores or moves Markdown, so that each
// of them is tried with the same attacks.
package markdowntest

// XSSPayloads are fed to every renderer test and reused by the canvas
// round-trip tests, so hostile content also survives export and import.
var XSSPayloads = []string{
	`<script>alert(1)</script>`,
	`<SCRIPT SRC=//x.example/x.js></SCRIPT>`,
	`<img src=x onerror=alert(1)>`,
	`<img src="x" onerror="alert(1)">`,
	`[x](javascript:alert(1))`,
	`[x](JaVaScRiPt:alert(1))`,
	`[x]( javascript:alert(1) )`,
	"[x](java\tscript:alert(1))",
	`[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)`,
	`[x](vbscript:msgbox(1))`,
	`<a href="javascript:alert(1)">x</a>`,
	`<svg onload=alert(1)>`,
	`<svg><script>alert(1)</script></svg>`,
	`<iframe src="https://evil.example"></iframe>`,
	`<form action="https://evil.example"><input type=submit></form>`,
	`[x](&#106;avascript:alert(1))`,
	`[x](&#x6A;avascript&#x3A;alert(1))`,
	`&#106;avascript:alert(1)`,
	`<javascript:alert(1)>`,
	`<JAVASCRIPT:alert(1)>`,
	`![x](javascript:alert(1))`,
	`![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)`,
	`![x](data:image/png;base64,iVBORw0KGgo=)`,
	`[x]: javascript:alert(1)` + "\n\n[y][x]",
	`<div style="background:url(javascript:alert(1))">x</div>`,
	`<p style="color:red">x</p>`,
	`<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>`,
	"```html\n<script>alert(1)</script>\n```",
	"`<img src=x onerror=alert(1)>`",
	`<details open ontoggle=alert(1)>`,
	`<a href="https://ok.example" onclick="alert(1)">x</a>`,
	`[x](https://ok.example "title\" onmouseover=\"alert(1)")`,
	`<!-- <script>alert(1)</script> -->`,
	`<object data="javascript:alert(1)"></object>`,
	"| a |\n|---|\n| <script>alert(1)</script> |",
}
