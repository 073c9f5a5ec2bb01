package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Load test: loadRequests concurrent requests on loopback, all started at once, for
// a mix of files with and without gzip, must all be answered in full within
// loadLimit. The context's deadline stops every request by then, so the test ends by
// itself even if the server hangs.
const (
	loadRequests = 1000
	loadLimit    = 30 * time.Second
)

// TestServeLoad sends loadRequests concurrent requests and checks every answer: status
// 200, the security headers, gzip exactly when asked for and worth it, and a body
// equal to the file.
func TestServeLoad(t *testing.T) {
	dir := site(t)
	// A large compressible file not compressed ahead, as the wasm module is before
	// make build precompresses it: every gzip request for it arrives before any
	// compressed copy exists.
	big := make([]byte, 4<<20)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range big {
		big[i] = "kinks\x00\x01ReLU"[rng.IntN(11)]
	}
	if err := os.WriteFile(filepath.Join(dir, "big.wasm"), big, 0o644); err != nil {
		t.Fatal(err)
	}
	paths := []string{"/", "/index.html", "/app.js", "/mod.mjs", "/style.css", "/main.wasm", "/data.json",
		"/figure.svg", "/figure.png", "/metrics.csv", "/pre.js", "/sub/", "/alias.html", "/big.wasm"}
	want := map[string][]byte{}
	for _, p := range paths {
		name := strings.TrimPrefix(p, "/")
		if name == "" || strings.HasSuffix(name, "/") {
			name += "index.html"
		}
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
		if err != nil {
			t.Fatal(err)
		}
		want[p] = b
	}

	h := newHandler(t, dir)
	srv := httptest.NewServer(h)
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{
		DisableCompression:  true, // the test asks for gzip itself, and checks it
		MaxIdleConnsPerHost: loadRequests,
	}}
	defer client.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), loadLimit)
	defer cancel()

	type result struct {
		latency time.Duration
		bytes   int
		err     error
	}
	results := make([]result, loadRequests)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range loadRequests {
		path, gz := paths[i%len(paths)], (i/len(paths))%2 == 0
		wg.Go(func() {
			<-start
			t0 := time.Now()
			n, err := fetchAndCheck(ctx, client, srv.URL+path, gz, want[path])
			results[i] = result{time.Since(t0), n, err}
		})
	}
	t0 := time.Now()
	close(start)
	wg.Wait()
	elapsed := time.Since(t0)

	var failed []string
	var latencies []time.Duration
	total := 0
	for i, r := range results {
		if r.err != nil {
			failed = append(failed, fmt.Sprintf("request %d: %v", i, r.err))
			continue
		}
		latencies = append(latencies, r.latency)
		total += r.bytes
	}
	slices.Sort(latencies)
	pct := func(p float64) time.Duration {
		if len(latencies) == 0 {
			return 0
		}
		return latencies[min(len(latencies)-1, int(p*float64(len(latencies))))]
	}
	t.Logf("%d concurrent requests (%d paths, half with gzip): %d answered in full in %.2f s (%.0f requests/s, %.1f MB on the wire); latency p50 %v, p99 %v, max %v",
		loadRequests, len(paths), len(latencies), elapsed.Seconds(), float64(len(latencies))/elapsed.Seconds(), float64(total)/1e6,
		pct(0.5).Round(time.Millisecond), pct(0.99).Round(time.Millisecond), pct(1).Round(time.Millisecond))
	if len(failed) > 0 {
		t.Errorf("%d of %d requests failed; the first ones:\n%s", len(failed), loadRequests, strings.Join(failed[:min(10, len(failed))], "\n"))
	}
	// Each compressible file without a .gz next to it is compressed once, however
	// many requests asked for it at the same time.
	if got, want := h.(*siteHandler).compressions.Load(), int64(len(paths)-3); got != want {
		t.Errorf("%d files compressed on the fly, want %d: once per file (all but pre.js, figure.png and the repeated index.html)", got, want)
	}
	if elapsed > loadLimit {
		t.Errorf("%d requests took %v, want at most %v", loadRequests, elapsed, loadLimit)
	}
}

// fetchAndCheck gets url, asking for gzip when gz is set, and checks the answer
// against the file's content. It returns the bytes received.
func fetchAndCheck(ctx context.Context, client *http.Client, url string, gz bool, want []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return 0, err
	}
	if gz {
		req.Header.Set("Accept-Encoding", "gzip")
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return len(raw), fmt.Errorf("GET %s: reading the body: %v", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return len(raw), fmt.Errorf("GET %s: status %d", url, resp.StatusCode)
	}
	if resp.Header.Get("Content-Security-Policy") == "" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		return len(raw), fmt.Errorf("GET %s: security headers missing: %v", url, resp.Header)
	}
	body := raw
	enc := resp.Header.Get("Content-Encoding")
	switch {
	case enc == "gzip" && gz:
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return len(raw), fmt.Errorf("GET %s: gzip: %v", url, err)
		}
		if body, err = io.ReadAll(zr); err != nil {
			return len(raw), fmt.Errorf("GET %s: gzip: %v", url, err)
		}
	case enc != "":
		return len(raw), fmt.Errorf("GET %s (gzip %v): Content-Encoding %q", url, gz, enc)
	case gz && !strings.HasSuffix(url, ".png"):
		return len(raw), fmt.Errorf("GET %s: asked for gzip, got none", url)
	}
	if !bytes.Equal(body, want) {
		return len(raw), fmt.Errorf("GET %s (gzip %v): %d bytes differ from the file's %d", url, gz, len(body), len(want))
	}
	return len(raw), nil
}
