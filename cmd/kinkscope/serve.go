package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Default address and directory of `kinkscope serve`.
const (
	defaultAddr = "127.0.0.1:8080"
	defaultDir  = "dist"
)

// maxGzipSize bounds the files compressed in memory; larger ones go out as they are.
const maxGzipSize = 64 << 20

// contentTypes fixes the types a browser is strict about (WebAssembly streaming
// compilation needs application/wasm; module scripts need a JavaScript type) instead
// of trusting the host's MIME tables.
var contentTypes = map[string]string{
	".html":  "text/html; charset=utf-8",
	".htm":   "text/html; charset=utf-8",
	".js":    "text/javascript; charset=utf-8",
	".mjs":   "text/javascript; charset=utf-8",
	".css":   "text/css; charset=utf-8",
	".wasm":  "application/wasm",
	".json":  "application/json",
	".map":   "application/json",
	".svg":   "image/svg+xml",
	".png":   "image/png",
	".jpg":   "image/jpeg",
	".ico":   "image/x-icon",
	".csv":   "text/csv; charset=utf-8",
	".txt":   "text/plain; charset=utf-8",
	".md":    "text/markdown; charset=utf-8",
	".woff2": "font/woff2",
	".gz":    "application/gzip",
}

// The Content-Security-Policy of every response. Scripts and style sheets come only
// from the site's own files: no inline script, no eval, no inline style (Ebiten and
// the pages style elements through the CSSOM, which the policy allows). Images and
// fetches may also use data: and blob: URLs, which the exports make (a PNG from the
// canvas, a CSV or JSON blob). Any page may frame the simulator, as the embedding
// instructions promise; frames within the site come from the site.
const (
	cspCommon = "default-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
		"connect-src 'self' data: blob:; frame-src 'self'; frame-ancestors *; " +
		"base-uri 'none'; form-action 'none'; object-src 'none'"
	cspPage = cspCommon + "; script-src 'self'"
	// WebAssembly compilation counts as eval; only the pages that start the
	// simulator may do it.
	cspWasmPage = cspCommon + "; script-src 'self' 'wasm-unsafe-eval'"
)

// wasmPages are the pages that compile the WebAssembly module, and the worker
// script that compiles the engine's: a dedicated worker loaded from a URL has the
// policy of its own response, not its page's.
var wasmPages = map[string]bool{"sim.html": true, offlineName: true, "engine.js": true}

// compressible lists the extensions worth gzipping.
var compressible = map[string]bool{
	".html": true, ".htm": true, ".js": true, ".mjs": true, ".css": true, ".wasm": true, ".bin": true,
	".json": true, ".map": true, ".svg": true, ".csv": true, ".txt": true, ".md": true,
}

func contentType(name string) string {
	ext := strings.ToLower(path.Ext(name))
	if t, ok := contentTypes[ext]; ok {
		return t
	}
	if t := mime.TypeByExtension(ext); t != "" {
		return t
	}
	return "application/octet-stream"
}

// siteHandler serves the regular files under dir. It opens dir afresh for every
// request, so that a rebuild that replaces the directory is picked up, and through
// os.Root, so that no path or symbolic link reaches outside it.
type siteHandler struct {
	dir string

	mu   sync.Mutex
	gzip map[string]*gzipEntry // by path under dir

	compressions atomic.Int64 // files compressed so far
}

// gzipEntry is a compressed file, valid while the file keeps its size and time. The
// first request for it compresses; requests that come meanwhile wait for done
// instead of compressing the same file again (a thousand visitors arriving at once
// would otherwise compress the wasm module a thousand times).
type gzipEntry struct {
	mod  time.Time
	size int64
	done chan struct{} // closed when data and err are set
	data []byte
	err  error
}

// newSiteHandler returns a handler serving the static site in dir: index.html at /,
// fixed content types, gzip when the client accepts it, no dot-files, nothing
// outside dir. It fails when dir is not a directory.
func newSiteHandler(dir string) (http.Handler, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	info, err := os.Stat(abs)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("%s is not a directory", dir)
	}
	return &siteHandler{dir: abs, gzip: map[string]*gzipEntry{}}, nil
}

func (h *siteHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Content-Security-Policy", cspPage)
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		hdr.Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	name, ok := cleanName(r.URL.Path)
	if !ok {
		http.NotFound(w, r)
		return
	}
	root, err := os.OpenRoot(h.dir)
	if err != nil {
		http.Error(w, "site directory unavailable", http.StatusServiceUnavailable)
		return
	}
	defer root.Close()

	f, info, err := h.open(root, name)
	if errors.Is(err, errIsDir) {
		if !strings.HasSuffix(r.URL.Path, "/") {
			target := r.URL.Path + "/"
			if r.URL.RawQuery != "" {
				target += "?" + r.URL.RawQuery
			}
			http.Redirect(w, r, target, http.StatusMovedPermanently)
			return
		}
		name = path.Join(name, "index.html")
		f, info, err = h.open(root, name)
	}
	if err != nil {
		if errors.Is(err, fs.ErrPermission) {
			http.Error(w, "403 forbidden", http.StatusForbidden)
			return
		}
		http.NotFound(w, r)
		return
	}
	defer f.Close()

	if wasmPages[name] {
		hdr.Set("Content-Security-Policy", cspWasmPage)
		if name == offlineName {
			hdr.Set("Content-Security-Policy", offlinePolicy(f))
		}
	}
	hdr.Set("Content-Type", contentType(name))
	// Revalidate every file, not only HTML: the site's file names carry no content
	// hash, and a cached wasm next to a fresh page would mismatch.
	hdr.Set("Cache-Control", "no-cache")
	etag := strconv.FormatInt(info.ModTime().UnixNano(), 36) + "-" + strconv.FormatInt(info.Size(), 36)
	if compressible[strings.ToLower(path.Ext(name))] {
		hdr.Add("Vary", "Accept-Encoding")
		if acceptsGzip(r.Header.Get("Accept-Encoding")) {
			if h.serveGzip(w, r, root, name, f, info, etag) {
				return
			}
		}
	}
	hdr.Set("ETag", `"`+etag+`"`)
	http.ServeContent(w, r, "", info.ModTime(), f)
}

// serveGzip sends the gzip encoding of file name: FILE.gz when present and not older
// than the file, else a compressed copy kept in memory. It reports false when it
// sent nothing (the file is too large, or reading it failed).
func (h *siteHandler) serveGzip(w http.ResponseWriter, r *http.Request, root *os.Root, name string, f *os.File, info fs.FileInfo, etag string) bool {
	hdr := w.Header()
	if gz, gzInfo, err := h.open(root, name+".gz"); err == nil {
		defer gz.Close()
		if !gzInfo.ModTime().Before(info.ModTime()) {
			hdr.Set("Content-Encoding", "gzip")
			hdr.Set("ETag", `"`+etag+`-gz"`)
			http.ServeContent(w, r, "", info.ModTime(), gz)
			return true
		}
	}
	if info.Size() > maxGzipSize {
		return false
	}
	data, err := h.compressed(name, f, info)
	if err != nil {
		return false
	}
	hdr.Set("Content-Encoding", "gzip")
	hdr.Set("ETag", `"`+etag+`-gz"`)
	http.ServeContent(w, r, "", info.ModTime(), bytes.NewReader(data))
	return true
}

// compressed returns the gzip encoding of the open file f, from the cache when the
// file has not changed since it was compressed.
func (h *siteHandler) compressed(name string, f *os.File, info fs.FileInfo) ([]byte, error) {
	h.mu.Lock()
	e, ok := h.gzip[name]
	if ok && e.mod.Equal(info.ModTime()) && e.size == info.Size() {
		h.mu.Unlock()
		<-e.done
		return e.data, e.err
	}
	e = &gzipEntry{mod: info.ModTime(), size: info.Size(), done: make(chan struct{})}
	h.gzip[name] = e
	h.mu.Unlock()

	h.compressions.Add(1)
	e.data, e.err = gzipFile(f, info.Size())
	close(e.done)
	if e.err != nil {
		h.mu.Lock()
		if h.gzip[name] == e {
			delete(h.gzip, name) // let the next request try again
		}
		h.mu.Unlock()
	}
	return e.data, e.err
}

// gzipFile compresses the first size bytes of f and rewinds it.
func gzipFile(f *os.File, size int64) ([]byte, error) {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if _, err := io.Copy(zw, io.LimitReader(f, size)); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// offlinePolicy returns the policy of the offline file, whose style sheet and scripts
// are inline: the one its <meta> tag states (written by bundle, with the hashes of
// exactly those scripts), plus frame-ancestors, which a <meta> tag cannot set. A
// file without the tag gets cspWasmPage, under which its inline scripts do not run.
func offlinePolicy(f *os.File) string {
	head := make([]byte, 4096) // the tag comes right after <meta charset>
	n, _ := io.ReadFull(f, head)
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return cspWasmPage
	}
	policy, ok := metaPolicy(string(head[:n]))
	if !ok {
		return cspWasmPage
	}
	return policy + "; frame-ancestors *"
}

var errIsDir = errors.New("is a directory")

// open opens name under root like openRegular, and refuses it unless it resolves to
// a file or directory inside the site directory whose path there has no component
// starting with '.': a symbolic link to a dot-file (or into a dot-directory) is
// refused like the dot-file itself, whatever the URL says. os.Root already keeps
// links from leading outside; the check also covers a link replaced after it.
func (h *siteHandler) open(root *os.Root, name string) (*os.File, fs.FileInfo, error) {
	f, info, err := openRegular(root, name)
	if err != nil && !errors.Is(err, errIsDir) {
		return nil, nil, err
	}
	if !h.resolvesInside(name, info) {
		if f != nil {
			f.Close()
		}
		return nil, nil, fs.ErrNotExist
	}
	return f, info, err
}

// resolvesInside reports whether name, with every symbolic link on its way resolved,
// lies inside the site directory with no component starting with '.', and, when
// info is the opened file's, is that same file.
func (h *siteHandler) resolvesInside(name string, info fs.FileInfo) bool {
	dir, err := filepath.EvalSymlinks(h.dir)
	if err != nil {
		return false
	}
	real, err := filepath.EvalSymlinks(filepath.Join(h.dir, filepath.FromSlash(name)))
	if err != nil {
		return false
	}
	rel, err := filepath.Rel(dir, real)
	if err != nil || !filepath.IsLocal(rel) && rel != "." {
		return false
	}
	for _, seg := range strings.Split(filepath.ToSlash(rel), "/") {
		if seg != "." && strings.HasPrefix(seg, ".") {
			return false
		}
	}
	if info != nil {
		st, err := os.Stat(real)
		return err == nil && os.SameFile(st, info)
	}
	return true
}

// openRegular opens name under root and returns it when it is a regular file; for a
// directory it returns errIsDir.
func openRegular(root *os.Root, name string) (*os.File, fs.FileInfo, error) {
	f, err := root.Open(name)
	if err != nil {
		return nil, nil, err
	}
	info, err := f.Stat()
	switch {
	case err != nil:
	case info.IsDir():
		err = errIsDir
	case !info.Mode().IsRegular():
		err = fs.ErrNotExist
	default:
		return f, info, nil
	}
	f.Close()
	return nil, nil, err
}

// cleanName turns a decoded URL path into a slash-separated name under the site
// directory ("." for the root). It refuses "..", dot-files and dot-directories,
// backslashes and NUL bytes, whichever way they were encoded in the URL.
func cleanName(urlPath string) (string, bool) {
	if !strings.HasPrefix(urlPath, "/") || strings.ContainsAny(urlPath, "\\\x00") {
		return "", false
	}
	var segs []string
	for _, s := range strings.Split(urlPath, "/") {
		switch {
		case s == "":
		case strings.HasPrefix(s, "."): // also "." and ".."
			return "", false
		default:
			segs = append(segs, s)
		}
	}
	if len(segs) == 0 {
		return ".", true
	}
	return strings.Join(segs, "/"), true
}

// acceptsGzip reports whether an Accept-Encoding header allows gzip: listed with a
// non-zero quality, or covered by * and not refused.
func acceptsGzip(header string) bool {
	star := false
	for _, part := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(part, ";")
		coding = strings.ToLower(strings.TrimSpace(coding))
		q := 1.0
		for _, p := range strings.Split(params, ";") {
			if k, v, ok := strings.Cut(strings.TrimSpace(p), "="); ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					q = f
				}
			}
		}
		switch coding {
		case "gzip", "x-gzip":
			return q > 0
		case "*":
			star = q > 0
		}
	}
	return star
}

// serveCmd is `kinkscope serve`: it serves until interrupted.
func serveCmd(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return serve(ctx, args, stdout, stderr)
}

// serve serves the site until ctx is done.
func serve(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fset := flag.NewFlagSet("serve", flag.ContinueOnError)
	fset.SetOutput(io.Discard)
	addr := fset.String("addr", defaultAddr, "listen `address` (host:port)")
	dir := fset.String("dir", defaultDir, "site `directory` (make build writes it)")
	if err := fset.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, "usage: kinkscope serve [-addr 127.0.0.1:8080] [-dir dist]")
			fset.SetOutput(stdout)
			fset.PrintDefaults()
			return exitOK
		}
		return fail(stderr, "serve: %v", err)
	}
	if fset.NArg() > 0 {
		return fail(stderr, "serve: unexpected argument %q", fset.Arg(0))
	}
	handler, err := newSiteHandler(*dir)
	if errors.Is(err, fs.ErrNotExist) {
		return fail(stderr, "serve: directory %s does not exist; run `make build` first", *dir)
	} else if err != nil {
		return fail(stderr, "serve: %v", err)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fail(stderr, "serve: %v", err)
	}
	if a, ok := ln.Addr().(*net.TCPAddr); !ok || !a.IP.IsLoopback() {
		fmt.Fprintf(stderr, "kinkscope: warning: %s is not a loopback address; other machines can reach the site\n", ln.Addr())
	}
	fmt.Fprintf(stdout, "serving %s on http://%s\n", *dir, ln.Addr())

	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(shutdown)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintf(stderr, "kinkscope: serve: %v\n", err)
		return exitFailed
	}
	return exitOK
}
