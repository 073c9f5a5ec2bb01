package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// bundleCmd writes the simulator page as one self-contained HTML file that works when
// opened from disk (file://): the style sheet, Go's wasm_exec.js, the loader and the
// gzip-compressed WebAssembly modules of the page and of its Web Worker (as base64,
// unpacked by the browser's DecompressionStream) are inlined, with the worker's
// script, which the page starts from a blob.
func bundleCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bundle", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	dir := fs.String("dir", "dist", "the built site")
	out := fs.String("out", "", "the file to write (default DIR/kinkscope-offline.html)")
	if err := fs.Parse(args); err != nil {
		return fail(stderr, "bundle: %v", err)
	}
	if fs.NArg() > 0 {
		return fail(stderr, "bundle: unexpected argument %q", fs.Arg(0))
	}
	if *out == "" {
		*out = filepath.Join(*dir, offlineName)
	}
	read := func(name string) ([]byte, bool) {
		b, err := os.ReadFile(filepath.Join(*dir, name))
		if err != nil {
			fail(stderr, "bundle: %v (run make build first)", err)
			return nil, false
		}
		return b, true
	}
	page, ok1 := read("sim.html")
	css, ok2 := read("style.css")
	exec, ok3 := read("wasm_exec.js")
	loader, ok4 := read("sim.js")
	wasm, ok5 := read("kinkscope.wasm.gz")
	icon, ok6 := read("favicon.svg")
	gate, ok7 := read("gate.js")
	engineJS, ok8 := read("engine.js")
	engineWasm, ok9 := read("engine.wasm.gz")
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7 && ok8 && ok9) {
		return exitBadArgs
	}
	html, err := inline(string(page), string(css), string(exec), string(gate), string(loader), wasm)
	if err == nil {
		html, err = inlineEngine(html, string(exec), string(engineJS), engineWasm)
	}
	if err != nil {
		return fail(stderr, "bundle: %v", err)
	}
	// The icon too, as a data: URL, which the offline policy's img-src allows.
	html = strings.Replace(html, `href="favicon.svg"`, `href="data:image/svg+xml;base64,`+base64.StdEncoding.EncodeToString(icon)+`"`, 1)
	tmp := *out + ".tmp"
	if err := os.WriteFile(tmp, []byte(html), 0o644); err != nil {
		return fail(stderr, "bundle: %v", err)
	}
	if err := os.Rename(tmp, *out); err != nil {
		os.Remove(tmp)
		return fail(stderr, "bundle: %v", err)
	}
	fmt.Fprintf(stdout, "wrote %s (%.1f MB)\n", *out, float64(len(html))/1e6)
	return exitOK
}

// inline replaces the page's links to its style sheet and scripts by their text.
func inline(page, css, exec, gate, loader string, wasmGz []byte) (string, error) {
	replace := func(s, old, new string) (string, error) {
		if !strings.Contains(s, old) {
			return "", fmt.Errorf("sim.html has no %q to inline", old)
		}
		return strings.Replace(s, old, new, 1), nil
	}
	// The loader asks window.kinkscopeWasm for the module when it exists.
	var b64 bytes.Buffer
	b64.WriteString(`const kinkscopeModule = (id) => () => {
  const bytes = Uint8Array.from(atob(document.getElementById(id).textContent), (c) => c.charCodeAt(0));
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Response(stream, { headers: { 'Content-Type': 'application/wasm' } });
};
window.kinkscopeWasm = kinkscopeModule('kinkscope-wasm');
window.kinkscopeEngineWasm = kinkscopeModule('kinkscope-engine-wasm');`)
	// The browser hashes an inline script as parsed, with its line endings made
	// "\n"; so are they here, or a file saved with CRLF would not match its hash.
	lf := strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace
	style := "\n" + lf(css) + "\n"
	scripts := []string{"\n" + lf(exec) + "\n", "\n" + b64.String() + "\n", "\n" + lf(gate) + "\n", "\n" + lf(loader) + "\n"}
	var err error
	if page, err = replace(page, `<meta charset="utf-8">`, `<meta charset="utf-8">`+"\n"+metaCSP+offlineCSP(scripts, style)+`">`); err != nil {
		return "", err
	}
	if page, err = replace(page, `<link rel="stylesheet" href="style.css">`, "<style>"+style+"</style>"); err != nil {
		return "", err
	}
	if page, err = replace(page, `<script src="wasm_exec.js"></script>`,
		"<script>"+scripts[0]+"</script>\n<script>"+scripts[1]+"</script>"); err != nil {
		return "", err
	}
	if page, err = replace(page, `<script src="gate.js"></script>`, "<script>"+scripts[2]+"</script>"); err != nil {
		return "", err
	}
	if page, err = replace(page, `<script type="module" src="sim.js"></script>`, "<script type=\"module\">"+scripts[3]+"</script>"); err != nil {
		return "", err
	}
	data := `<script type="application/octet-stream" id="kinkscope-wasm">` + base64.StdEncoding.EncodeToString(wasmGz) + `</script>`
	if page, err = replace(page, "</body>", data+"\n</body>"); err != nil {
		return "", err
	}
	return page, nil
}

// inlineEngine adds the simulation engine of the Web Workers to the page: the text of
// its script (wasm_exec.js and engine.js, which the page starts as a worker from a
// blob) and its module, as data that does not run, and the function the loader asks
// for the module (window.kinkscopeEngineWasm, defined by the module script that
// inline wrote).
func inlineEngine(page, exec, engineJS string, wasmGz []byte) (string, error) {
	for _, s := range []string{exec, engineJS} {
		if strings.Contains(strings.ToLower(s), "</script") || strings.Contains(s, "<!--") {
			return "", fmt.Errorf("a worker script holds text that would end its <script> block")
		}
	}
	data := `<script type="text/plain" id="kinkscope-engine-exec">` + exec + "</script>\n" +
		`<script type="text/plain" id="kinkscope-engine-js">` + engineJS + "</script>\n" +
		`<script type="application/octet-stream" id="kinkscope-engine-wasm">` + base64.StdEncoding.EncodeToString(wasmGz) + "</script>\n"
	if !strings.Contains(page, "</body>") {
		return "", fmt.Errorf("sim.html has no </body>")
	}
	return strings.Replace(page, "</body>", data+"</body>", 1), nil
}

// offlineName is the file bundle writes into the site directory.
const offlineName = "kinkscope-offline.html"

// metaCSP opens the offline file's Content-Security-Policy tag; the policy and `">`
// follow.
const metaCSP = `<meta http-equiv="Content-Security-Policy" content="`

// offlineCSP returns the policy of the offline file. Opened from disk it has no
// origin to trust, so nothing may load from anywhere; its inline scripts and style
// sheet run because their SHA-256 hashes are listed, and nothing else inline does.
// frame-ancestors cannot be set by a <meta> tag; serve adds it.
func offlineCSP(scripts []string, style string) string {
	hash := func(s string) string {
		sum := sha256.Sum256([]byte(s))
		return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	}
	var sb strings.Builder
	sb.WriteString("default-src 'none'; script-src 'wasm-unsafe-eval'")
	for _, s := range scripts {
		sb.WriteString(" " + hash(s))
	}
	sb.WriteString("; style-src " + hash(style))
	// The simulation's Web Worker runs from a blob of the page's own text.
	sb.WriteString("; img-src data: blob:; connect-src data: blob:; worker-src blob:; base-uri 'none'; form-action 'none'; object-src 'none'")
	return sb.String()
}

// metaPolicy returns the policy of the Content-Security-Policy tag that bundle
// writes, when page has one.
func metaPolicy(page string) (string, bool) {
	_, rest, ok := strings.Cut(page, metaCSP)
	if !ok {
		return "", false
	}
	policy, _, ok := strings.Cut(rest, `"`)
	for _, c := range policy {
		if c < ' ' || c > '~' {
			return "", false // not a policy bundle wrote
		}
	}
	return policy, ok && policy != ""
}
