package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// site builds a site directory inside a parent that also holds a secret file, and
// returns the site directory.
func site(t *testing.T) string {
	t.Helper()
	parent := t.TempDir()
	dir := filepath.Join(parent, "dist")
	files := map[string]string{
		"index.html":        "<!doctype html><title>kinkscope</title>" + strings.Repeat("<p>kink</p>", 200),
		"app.js":            "export const x = 1;\n" + strings.Repeat("console.log('sgd');\n", 200),
		"mod.mjs":           "export default 2;\n",
		"style.css":         "body { margin: 0 }\n" + strings.Repeat("p { color: blue }\n", 100),
		"main.wasm":         "\x00asm\x01\x00\x00\x00" + strings.Repeat("\x00\x01\x02\x03", 4000),
		"data.json":         `{"kinks": 5}`,
		"figure.svg":        `<svg xmlns="http://www.w3.org/2000/svg"></svg>`,
		"figure.png":        "\x89PNG\r\n\x1a\n" + strings.Repeat("\x00", 100),
		"metrics.csv":       "iter,lr\n0,0.0002\n",
		"pre.js":            strings.Repeat("let precompressed = true;\n", 100),
		".secret":           "dot-file",
		".git/config":       "dot-directory",
		"sub/index.html":    "<p>sub</p>",
		"sub/page.html":     "<p>page</p>",
		"../secret.txt":     "outside",
		"../outside/x.html": "outside dir",
	}
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A precompressed copy, marked in its gzip header so the test can tell it apart
	// from one compressed on the fly.
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Name = "precompressed"
	zw.Write([]byte(files["pre.js"]))
	zw.Close()
	if err := os.WriteFile(filepath.Join(dir, "pre.js.gz"), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	for link, target := range map[string]string{
		"leak.txt":   filepath.Join(parent, "secret.txt"), // absolute, outside
		"leak2.txt":  "../secret.txt",                     // relative, outside
		"linkdir":    filepath.Join(parent, "outside"),    // directory outside
		"parentlink": "..",                                // the parent itself
		"sub/up":     "../..",                             // out through a subdirectory
		"sub/hop":    "../leak2.txt",                      // inside, to a link that leaves
		"alias.html": "sub/page.html",                     // inside: allowed
	} {
		if err := os.Symlink(target, filepath.Join(dir, link)); err != nil {
			t.Skipf("symlinks unavailable: %v", err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "emptydir"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func get(t *testing.T, h http.Handler, method, target, acceptEncoding string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	if acceptEncoding != "" {
		req.Header.Set("Accept-Encoding", acceptEncoding)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func body(t *testing.T, resp *http.Response) []byte {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("gzip: %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("gzip: %v", err)
	}
	return out
}

func newHandler(t *testing.T, dir string) http.Handler {
	t.Helper()
	h, err := newSiteHandler(dir)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestServeContentTypes(t *testing.T) {
	h := newHandler(t, site(t))
	tests := []struct{ path, want string }{
		{"/index.html", "text/html; charset=utf-8"},
		{"/app.js", "text/javascript; charset=utf-8"},
		{"/mod.mjs", "text/javascript; charset=utf-8"},
		{"/style.css", "text/css; charset=utf-8"},
		{"/main.wasm", "application/wasm"},
		{"/data.json", "application/json"},
		{"/figure.svg", "image/svg+xml"},
		{"/figure.png", "image/png"},
		{"/metrics.csv", "text/csv; charset=utf-8"},
	}
	for _, tt := range tests {
		for _, enc := range []string{"", "gzip"} {
			resp := get(t, h, "GET", tt.path, enc)
			if resp.StatusCode != http.StatusOK {
				t.Errorf("GET %s (Accept-Encoding %q): status %d, want 200", tt.path, enc, resp.StatusCode)
			}
			if got := resp.Header.Get("Content-Type"); got != tt.want {
				t.Errorf("GET %s (Accept-Encoding %q): Content-Type %q, want %q", tt.path, enc, got, tt.want)
			}
			if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("GET %s: X-Content-Type-Options %q, want nosniff", tt.path, got)
			}
		}
	}
}

func TestServeGzip(t *testing.T) {
	dir := site(t)
	h := newHandler(t, dir)
	for _, name := range []string{"index.html", "app.js", "mod.mjs", "style.css", "main.wasm", "data.json", "figure.svg", "metrics.csv"} {
		want, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct {
			accept string
			gzip   bool
		}{
			{"gzip", true},
			{"gzip, deflate, br, zstd", true},
			{"br;q=1.0, gzip;q=0.8", true},
			{"*", true},
			{"", false},
			{"identity", false},
			{"br", false},
			{"gzip;q=0", false},
			{"*, gzip;q=0", false},
		} {
			// Twice: the second answer comes from the cache.
			for range 2 {
				resp := get(t, h, "GET", "/"+name, tt.accept)
				got := body(t, resp)
				if enc := resp.Header.Get("Content-Encoding"); (enc == "gzip") != tt.gzip {
					t.Errorf("GET /%s, Accept-Encoding %q: Content-Encoding %q, want gzip %v", name, tt.accept, enc, tt.gzip)
					continue
				}
				if tt.gzip {
					got = gunzip(t, got)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("GET /%s, Accept-Encoding %q: body differs from the file", name, tt.accept)
				}
				if !strings.Contains(resp.Header.Get("Vary"), "Accept-Encoding") {
					t.Errorf("GET /%s, Accept-Encoding %q: Vary %q, want Accept-Encoding", name, tt.accept, resp.Header.Get("Vary"))
				}
			}
		}
	}
	// PNG is compressed already.
	if resp := get(t, h, "GET", "/figure.png", "gzip"); resp.Header.Get("Content-Encoding") != "" {
		t.Errorf("figure.png sent with Content-Encoding %q, want none", resp.Header.Get("Content-Encoding"))
	}
}

func TestServeGzipCacheFollowsChanges(t *testing.T) {
	dir := site(t)
	h := newHandler(t, dir)
	gunzip(t, body(t, get(t, h, "GET", "/app.js", "gzip")))
	want := []byte("export const rebuilt = true;\n")
	path := filepath.Join(dir, "app.js")
	if err := os.WriteFile(path, want, 0o644); err != nil {
		t.Fatal(err)
	}
	if got := gunzip(t, body(t, get(t, h, "GET", "/app.js", "gzip"))); !bytes.Equal(got, want) {
		t.Errorf("after a rebuild GET /app.js = %q, want %q", got, want)
	}
}

func TestServePrecompressed(t *testing.T) {
	dir := site(t)
	h := newHandler(t, dir)
	resp := get(t, h, "GET", "/pre.js", "gzip")
	raw := body(t, resp)
	gz, err := os.ReadFile(filepath.Join(dir, "pre.js.gz"))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Header.Get("Content-Encoding") != "gzip" || !bytes.Equal(raw, gz) {
		t.Errorf("GET /pre.js with gzip did not send pre.js.gz as it is")
	}
	if got := resp.Header.Get("Content-Type"); got != "text/javascript; charset=utf-8" {
		t.Errorf("GET /pre.js: Content-Type %q, want JavaScript", got)
	}
	plain := body(t, get(t, h, "GET", "/pre.js", ""))
	if !bytes.Equal(plain, gunzip(t, gz)) {
		t.Errorf("GET /pre.js without gzip: body differs from the file")
	}
}

func TestServeIndexAndHeaders(t *testing.T) {
	dir := site(t)
	h := newHandler(t, dir)
	want, _ := os.ReadFile(filepath.Join(dir, "index.html"))
	resp := get(t, h, "GET", "/", "")
	if resp.StatusCode != http.StatusOK || !bytes.Equal(body(t, resp), want) {
		t.Fatalf("GET /: status %d, want index.html", resp.StatusCode)
	}
	if got := resp.Header.Get("Cache-Control"); got != "no-cache" {
		t.Errorf("GET /: Cache-Control %q, want no-cache", got)
	}
	if got := resp.Header.Get("Content-Type"); got != "text/html; charset=utf-8" {
		t.Errorf("GET /: Content-Type %q, want HTML", got)
	}
	if got := string(body(t, get(t, h, "GET", "/sub/", ""))); got != "<p>sub</p>" {
		t.Errorf("GET /sub/ = %q, want sub/index.html", got)
	}
	if resp := get(t, h, "GET", "/sub", ""); resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != "/sub/" {
		t.Errorf("GET /sub: status %d, Location %q, want a redirect to /sub/", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp := get(t, h, "HEAD", "/app.js", ""); resp.StatusCode != http.StatusOK || len(body(t, resp)) != 0 {
		t.Errorf("HEAD /app.js: status %d, want 200 and no body", resp.StatusCode)
	}
	if resp := get(t, h, "POST", "/app.js", ""); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /app.js: status %d, want 405", resp.StatusCode)
	}
	if got := string(body(t, get(t, h, "GET", "/alias.html", ""))); got != "<p>page</p>" {
		t.Errorf("GET /alias.html (a link inside the site) = %q, want sub/page.html", got)
	}
}

// TestServeRefusesLinksToDotFiles: a symbolic link inside the site whose target is a
// dot-file, lies in a dot-directory or leaves the site is refused, however it is
// reached (directly, through a linked directory, as the precompressed copy of another
// file, or as a directory's index.html); links to ordinary files inside still work.
func TestServeRefusesLinksToDotFiles(t *testing.T) {
	dir := site(t)
	if err := os.WriteFile(filepath.Join(dir, "plain.js"), []byte("let plain = 1;\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, ".hidden", "deeper"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".hidden", "deeper", "index.html"), []byte("dot-directory index"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".hidden", "page.html"), []byte("dot-directory page"), 0o644); err != nil {
		t.Fatal(err)
	}
	for link, target := range map[string]string{
		"secret.txt":     ".secret",                              // relative, to a dot-file
		"abs-secret.txt": filepath.Join(dir, ".secret"),          // absolute, to a dot-file inside
		"config.txt":     ".git/config",                          // into a dot-directory
		"sub/deep.txt":   "../.git/config",                       // from a subdirectory
		"hop.txt":        "secret.txt",                           // a link to such a link
		"hidden":         ".hidden",                              // a directory link to a dot-directory
		"hiddendeep":     ".hidden/deeper",                       // its index.html
		"plain.js.gz":    ".secret",                              // the "precompressed" copy of plain.js
		"outside.txt":    filepath.Join(dir, "..", "secret.txt"), // outside, absolute
	} {
		if err := os.Symlink(target, filepath.Join(dir, filepath.FromSlash(link))); err != nil {
			t.Skipf("symlinks unavailable: %v", err)
		}
	}
	h := newHandler(t, dir)
	for _, target := range []string{
		"/secret.txt", "/abs-secret.txt", "/config.txt", "/sub/deep.txt", "/hop.txt",
		"/hidden/page.html", "/hidden/deeper/index.html", "/hidden/deeper/", "/hiddendeep/",
		"/hiddendeep/index.html", "/outside.txt", "/%73ecret.txt", "/sub/..%2fsecret.txt",
	} {
		for _, enc := range []string{"", "gzip"} {
			resp := get(t, h, "GET", target, enc)
			b := body(t, resp)
			if enc == "gzip" && resp.Header.Get("Content-Encoding") == "gzip" {
				b = gunzip(t, b)
			}
			if resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusMovedPermanently {
				t.Errorf("GET %s (%q): status %d, want 404 or 403", target, enc, resp.StatusCode)
			}
			if strings.Contains(string(b), "dot-") || strings.Contains(string(b), "outside") {
				t.Errorf("GET %s (%q) leaked %q", target, enc, b)
			}
		}
	}
	// The dot-file behind plain.js.gz is not sent as plain.js's compressed copy.
	resp := get(t, h, "GET", "/plain.js", "gzip")
	b := body(t, resp)
	if resp.Header.Get("Content-Encoding") == "gzip" {
		b = gunzip(t, b)
	}
	if resp.StatusCode != http.StatusOK || string(b) != "let plain = 1;\n" {
		t.Errorf("GET /plain.js with gzip: status %d, body %q, want plain.js itself", resp.StatusCode, b)
	}
	if got := string(body(t, get(t, h, "GET", "/alias.html", ""))); got != "<p>page</p>" {
		t.Errorf("GET /alias.html (a link inside the site) = %q, want sub/page.html", got)
	}
}

func TestServeRefuses(t *testing.T) {
	h := newHandler(t, site(t))
	for _, target := range []string{
		"/missing.js",
		"/.secret",
		"/.git/config",
		"/sub/../.secret",
		"/../secret.txt",
		"/%2e%2e/secret.txt",
		"/%2e%2e%2fsecret.txt",
		"/sub/%2e%2e%2f%2e%2e%2fsecret.txt",
		"/..%5csecret.txt",
		"/%2esecret",
		"/leak.txt",
		"/leak2.txt",
		"/linkdir/x.html",
		"/parentlink/secret.txt",
		"/sub/up/secret.txt",
		"/sub/hop",
		"/.%2e/secret.txt",
		"/sub/.%2e/.secret",
		"/%252e%252e/secret.txt",
		"/sub%2f..%2f..%2fsecret.txt",
		"/index.html%00.js",
		"/emptydir/",
		"/linkdir/",
	} {
		resp := get(t, h, "GET", target, "gzip")
		if resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusForbidden {
			t.Errorf("GET %s: status %d, want 404 or 403", target, resp.StatusCode)
		}
		if b := string(body(t, resp)); strings.Contains(b, "outside") || strings.Contains(b, "dot-") {
			t.Errorf("GET %s leaked %q", target, b)
		}
		if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("GET %s: X-Content-Type-Options %q, want nosniff", target, got)
		}
	}
}

// The same refusals over a real connection, where the client does not clean the
// path.
func TestServeOverHTTP(t *testing.T) {
	srv := httptest.NewServer(newHandler(t, site(t)))
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	for _, tt := range []struct {
		path   string
		status int
	}{
		{"/", http.StatusOK},
		{"/main.wasm", http.StatusOK},
		{"/%2e%2e%2fsecret.txt", http.StatusNotFound},
		{"/leak.txt", http.StatusNotFound},
	} {
		req, err := http.NewRequest("GET", srv.URL+tt.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Accept-Encoding", "gzip")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.status {
			t.Errorf("GET %s: status %d, want %d", tt.path, resp.StatusCode, tt.status)
		}
	}
}

func TestNewSiteHandlerErrors(t *testing.T) {
	if _, err := newSiteHandler(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("newSiteHandler(missing directory) succeeded")
	}
	f := filepath.Join(t.TempDir(), "file")
	os.WriteFile(f, nil, 0o644)
	if _, err := newSiteHandler(f); err == nil {
		t.Error("newSiteHandler(file) succeeded")
	}
	code, _, errOut := kinkscope(t, "serve", "-dir", filepath.Join(t.TempDir(), "dist"))
	if code != exitBadArgs || !strings.Contains(errOut, "make build") || strings.Count(errOut, "\n") != 1 {
		t.Errorf("serve with a missing -dir: exit %d, stderr %q; want %d and one line that says make build", code, errOut, exitBadArgs)
	}
}

// lineWriter collects output and announces its first line.
type lineWriter struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	first chan string
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	had := bytes.Contains(w.buf.Bytes(), []byte("\n"))
	w.buf.Write(p)
	if !had {
		if line, _, ok := strings.Cut(w.buf.String(), "\n"); ok {
			w.first <- line
		}
	}
	return len(p), nil
}

func (w *lineWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

func TestServeCommand(t *testing.T) {
	dir := site(t)
	for _, tt := range []struct {
		addr string
		warn bool
	}{
		{"127.0.0.1:0", false},
		{"0.0.0.0:0", true},
	} {
		ctx, cancel := context.WithCancel(context.Background())
		stdout := &lineWriter{first: make(chan string, 1)}
		stderr := &lineWriter{first: make(chan string, 1)}
		done := make(chan int)
		go func() { done <- serve(ctx, []string{"-addr", tt.addr, "-dir", dir}, stdout, stderr) }()
		var line string
		select {
		case line = <-stdout.first:
		case code := <-done:
			t.Fatalf("serve -addr %s exited with %d: %s", tt.addr, code, stderr)
		}
		url, ok := strings.CutPrefix(line, "serving "+dir+" on ")
		if !ok || !strings.HasPrefix(url, "http://") {
			t.Fatalf("serve printed %q, want serving DIR on http://ADDR", line)
		}
		if tt.addr == "0.0.0.0:0" {
			url = strings.Replace(url, "0.0.0.0", "127.0.0.1", 1)
		}
		resp, err := http.Get(url + "/")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s/: status %d", url, resp.StatusCode)
		}
		cancel()
		if code := <-done; code != exitOK {
			t.Errorf("serve after shutdown: exit %d, want 0", code)
		}
		if warned := strings.Contains(stderr.String(), "not a loopback address"); warned != tt.warn {
			t.Errorf("serve -addr %s: warning %v, want %v (stderr %q)", tt.addr, warned, tt.warn, stderr)
		}
	}
}

// Raw request lines, as an attacker would send them: no client cleans the path.
func TestServeRawRequests(t *testing.T) {
	srv := httptest.NewServer(newHandler(t, site(t)))
	defer srv.Close()
	for _, tt := range []struct {
		target string
		status int
	}{
		{"/index.html", http.StatusOK},
		{"/../secret.txt", http.StatusNotFound},
		{"/sub/../../secret.txt", http.StatusNotFound},
		{"/%2e%2e/secret.txt", http.StatusNotFound},
		{"/%2e%2e%2fsecret.txt", http.StatusNotFound},
		{"/..%2f..%2fsecret.txt", http.StatusNotFound},
		{"/..\\secret.txt", http.StatusNotFound},
		{"/%5c..%5csecret.txt", http.StatusNotFound},
		{"/.git/config", http.StatusNotFound},
		{"/leak.txt", http.StatusNotFound},
		{"../secret.txt", http.StatusBadRequest},
		{"*", http.StatusNotFound},
		{"http://evil.example/../secret.txt", http.StatusNotFound},
	} {
		conn, err := net.DialTimeout("tcp", srv.Listener.Addr().String(), 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: localhost\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n", tt.target)
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			conn.Close()
			t.Fatalf("GET %s: %v", tt.target, err)
		}
		b, _ := io.ReadAll(resp.Body)
		conn.Close()
		if resp.StatusCode != tt.status {
			t.Errorf("GET %s: status %d, want %d", tt.target, resp.StatusCode, tt.status)
		}
		if strings.Contains(string(b), "outside") || strings.Contains(string(b), "dot-") {
			t.Errorf("GET %s leaked %q", tt.target, b)
		}
	}
}

func TestServeDefaultsToLoopback(t *testing.T) {
	host, _, err := net.SplitHostPort(defaultAddr)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		t.Errorf("default address %q is not a loopback address", defaultAddr)
	}
}
