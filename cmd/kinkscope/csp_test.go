package main

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// requiredCSP is the loosest policy a page may have: every response's policy must
// state each of these directives with no source beyond these.
var requiredCSP = parseCSP("default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; " +
	"img-src 'self' data: blob:; connect-src 'self' data: blob:; frame-src 'self'; frame-ancestors *; " +
	"base-uri 'none'; form-action 'none'; object-src 'none'")

// parseCSP splits a policy into its directives' sources.
func parseCSP(policy string) map[string][]string {
	out := map[string][]string{}
	for _, d := range strings.Split(policy, ";") {
		f := strings.Fields(d)
		if len(f) > 0 {
			out[f[0]] = f[1:]
		}
	}
	return out
}

// checkPolicy checks a policy against requiredCSP, with 'wasm-unsafe-eval' only when
// wasm, and inline scripts and styles only through the given hashes.
func checkPolicy(t *testing.T, what, policy string, wasm bool, hashes []string) {
	t.Helper()
	got := parseCSP(policy)
	for dir, allowed := range requiredCSP {
		srcs, ok := got[dir]
		if !ok && strings.HasSuffix(dir, "-src") {
			srcs, ok = got["default-src"] // what the browser falls back to
		}
		if !ok {
			t.Errorf("%s: policy %q lacks %s", what, policy, dir)
			continue
		}
		for _, s := range srcs {
			if s != "'none'" && !slices.Contains(allowed, s) && !slices.Contains(hashes, s) {
				t.Errorf("%s: %s allows %s, beyond %v", what, dir, s, allowed)
			}
		}
	}
	if has := slices.Contains(got["script-src"], "'wasm-unsafe-eval'"); has != wasm {
		t.Errorf("%s: script-src %v: 'wasm-unsafe-eval' %v, want %v", what, got["script-src"], has, wasm)
	}
	if strings.Contains(policy, "'unsafe-inline'") || strings.Contains(policy, "'unsafe-eval'") {
		t.Errorf("%s: policy %q allows inline scripts or eval", what, policy)
	}
}

// TestServeContentSecurityPolicy checks the policy of every kind of response: pages,
// the simulator, the offline file with and without its <meta> policy, scripts,
// refusals, redirects and errors.
func TestServeContentSecurityPolicy(t *testing.T) {
	dir := site(t)
	scripts, style := []string{"\nconsole.log(1);\n", "\nlet wasm;\n"}, "\nbody { margin: 0 }\n"
	offline := "<!doctype html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n" + metaCSP + offlineCSP(scripts, style) + "\">\n" +
		"<style>" + style + "</style><script>" + scripts[0] + "</script><script>" + scripts[1] + "</script>\n</head>\n</html>\n"
	for name, content := range map[string]string{
		"sim.html":           "<!doctype html><script src=\"sim.js\"></script>",
		"engine.js":          "importScripts('wasm_exec.js');\n",
		offlineName:          offline,
		"sub/" + offlineName: "<!doctype html><p>not the offline file: an ordinary page",
	} {
		if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(name)), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	h := newHandler(t, dir)
	var offlineHashes []string
	for _, s := range append(scripts, style) {
		sum := sha256.Sum256([]byte(s))
		offlineHashes = append(offlineHashes, "'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'")
	}
	for _, tt := range []struct {
		method, path string
		status       int
		wasm         bool
	}{
		{"GET", "/", 200, false},
		{"GET", "/index.html", 200, false},
		{"GET", "/sub/", 200, false},
		{"GET", "/app.js", 200, false},
		// The engine's worker compiles engine.wasm under its own response's policy.
		{"GET", "/engine.js", 200, true},
		{"GET", "/engine.js?v=1", 200, true},
		{"GET", "/main.wasm", 200, false},
		{"GET", "/figure.svg", 200, false},
		{"GET", "/sim.html", 200, true},
		{"GET", "/sim.html?scenario=relu1d-small", 200, true},
		{"HEAD", "/sim.html", 200, true},
		{"GET", "/" + offlineName, 200, true},
		{"GET", "/sub/" + offlineName, 200, false},
		{"GET", "/sub", http.StatusMovedPermanently, false},
		{"GET", "/missing.html", 404, false},
		{"GET", "/.secret", 404, false},
		{"GET", "/leak.txt", 404, false},
		{"POST", "/sim.html", http.StatusMethodNotAllowed, false},
	} {
		for _, enc := range []string{"", "gzip"} {
			what := tt.method + " " + tt.path + " (Accept-Encoding " + enc + ")"
			resp := get(t, h, tt.method, tt.path, enc)
			body(t, resp)
			if resp.StatusCode != tt.status {
				t.Errorf("%s: status %d, want %d", what, resp.StatusCode, tt.status)
			}
			if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("%s: X-Content-Type-Options %q, want nosniff", what, got)
			}
			policies := resp.Header.Values("Content-Security-Policy")
			if len(policies) != 1 {
				t.Errorf("%s: %d Content-Security-Policy headers, want 1", what, len(policies))
				continue
			}
			var hashes []string
			if tt.path == "/"+offlineName {
				hashes = offlineHashes
				if got := parseCSP(policies[0]); !slices.Contains(got["default-src"], "'none'") ||
					len(got["script-src"]) != 1+len(scripts) || len(got["style-src"]) != 1 {
					t.Errorf("%s: policy %q, want nothing but the file's inline scripts and style", what, policies[0])
				}
			}
			checkPolicy(t, what, policies[0], tt.wasm, hashes)
		}
	}

	// Without its <meta> policy (not written by bundle), the offline file gets the
	// simulator's, under which no inline script runs.
	if err := os.WriteFile(filepath.Join(dir, offlineName), []byte("<!doctype html><script>alert(1)</script>"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := get(t, h, "GET", "/"+offlineName, "").Header.Get("Content-Security-Policy"); got != cspWasmPage {
		t.Errorf("offline file without its <meta> policy: %q, want %q", got, cspWasmPage)
	}
}

// TestBundleContentSecurityPolicy checks the offline file's <meta> policy: it comes
// before any script or style, and it lists the hashes of exactly the inline scripts
// and style sheet that the file holds.
func TestBundleContentSecurityPolicy(t *testing.T) {
	page, err := os.ReadFile(filepath.Join("..", "..", "web", "sim.html"))
	if err != nil {
		t.Fatal(err)
	}
	css := "body { color: red }\r\n</p>\r"
	exec := "'use strict';\r\n(() => { globalThis.Go = class {}; })();\n"
	gate := "'use strict';\r\nwindow.kinkscopeGate = {};\n"
	loader := "const x = `</scri` + `pt>`;\nconsole.log(x);\n"
	html, err := inline(string(page), css, exec, gate, loader, []byte{0x1f, 0x8b, 8, 0, 1, 2, 3})
	if err != nil {
		t.Fatal(err)
	}
	policy, ok := metaPolicy(html)
	if !ok {
		t.Fatalf("the offline file has no Content-Security-Policy <meta> tag")
	}
	if tag, first := strings.Index(html, metaCSP), strings.IndexAny(html, "<"); tag < 0 || first < 0 ||
		tag > strings.Index(html, "<script") || tag > strings.Index(html, "<style") {
		t.Errorf("the <meta> policy comes after a script or style sheet, which it then does not cover")
	}
	inlineRE := regexp.MustCompile(`(?s)<(script|style)((?: type="module")?)>(.*?)</(?:script|style)>`)
	want := map[string][]string{}
	for _, m := range inlineRE.FindAllStringSubmatch(html, -1) {
		// The browser hashes the text as parsed, with every line ending a "\n".
		text := strings.ReplaceAll(strings.ReplaceAll(m[3], "\r\n", "\n"), "\r", "\n")
		sum := sha256.Sum256([]byte(text))
		dir := "script-src"
		if m[1] == "style" {
			dir = "style-src"
		}
		want[dir] = append(want[dir], "'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'")
	}
	got := parseCSP(policy)
	if len(want["script-src"]) != 4 || len(want["style-src"]) != 1 {
		t.Fatalf("found %d inline scripts and %d style sheets, want 4 and 1", len(want["script-src"]), len(want["style-src"]))
	}
	for dir, hashes := range want {
		srcs := slices.DeleteFunc(slices.Clone(got[dir]), func(s string) bool { return s == "'wasm-unsafe-eval'" })
		if !slices.Equal(srcs, hashes) {
			t.Errorf("%s = %v, want the hashes of the inline elements %v", dir, got[dir], hashes)
		}
	}
	if !slices.Contains(got["script-src"], "'wasm-unsafe-eval'") || !slices.Equal(got["default-src"], []string{"'none'"}) {
		t.Errorf("offline policy %q: want default-src 'none' and script-src with 'wasm-unsafe-eval'", policy)
	}
}

// TestPagesHaveNoInlineScript keeps the site's pages within the policy: scripts only
// from files, no event-handler attributes, javascript: URLs or style attributes.
func TestPagesHaveNoInlineScript(t *testing.T) {
	root := filepath.Join("..", "..")
	pages, err := filepath.Glob(filepath.Join(root, "web", "*.html"))
	if err != nil {
		t.Fatal(err)
	}
	more, _ := filepath.Glob(filepath.Join(root, "examples", "*.html"))
	pages = append(append(pages, filepath.Join(root, "index.html")), more...)
	if len(pages) < 3 {
		t.Fatalf("found only %v", pages)
	}
	script := regexp.MustCompile(`(?is)<script\b[^>]*>`)
	for _, p := range pages {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		html := string(b)
		for _, tag := range script.FindAllString(html, -1) {
			if !strings.Contains(tag, " src=") {
				t.Errorf("%s: inline script %s", p, tag)
			}
		}
		for _, bad := range []*regexp.Regexp{
			regexp.MustCompile(`(?i)<[^>]+\son[a-z]+\s*=`),
			regexp.MustCompile(`(?i)<[^>]+\sstyle\s*=`),
			regexp.MustCompile(`(?i)javascript:`),
		} {
			if m := bad.FindString(html); m != "" {
				t.Errorf("%s: %s", p, m)
			}
		}
	}
}

// TestPagesHaveAnIcon keeps browsers from asking for a /favicon.ico that is not there
// (a 404 on every page): each page links web/favicon.svg, which the site serves from
// its root.
func TestPagesHaveAnIcon(t *testing.T) {
	root := filepath.Join("..", "..")
	pages := map[string]string{ // page → where its icon link points, from the site's root
		"index.html":            "favicon.svg",
		"web/sim.html":          "favicon.svg",
		"web/tour.html":         "favicon.svg",
		"examples/lecture.html": "../favicon.svg",
	}
	if _, err := os.Stat(filepath.Join(root, "web", "favicon.svg")); err != nil {
		t.Fatal(err)
	}
	for page, href := range pages {
		b, err := os.ReadFile(filepath.Join(root, page))
		if err != nil {
			t.Fatal(err)
		}
		if want := `<link rel="icon" href="` + href + `" type="image/svg+xml">`; !strings.Contains(string(b), want) {
			t.Errorf("%s has no %s", page, want)
		}
	}
}
