package sim

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// TestDependencies keeps sim free of UI and platform packages, so that the same code
// runs in the command-line tool and in the browser: it depends on the standard
// library and gonum only, never on Ebiten, syscall/js or the image packages.
//
// For GOOS=js the standard library's syscall package itself imports syscall/js, so
// there the test requires that no package outside the standard library imports it.
func TestDependencies(t *testing.T) {
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := exec.LookPath(goTool); err != nil {
		if goTool, err = exec.LookPath("go"); err != nil {
			t.Skip("no go command found")
		}
	}
	for _, env := range [][]string{nil, {"GOOS=js", "GOARCH=wasm"}} {
		cmd := exec.Command(goTool, "list", "-deps", "-f", "{{.ImportPath}} {{.Standard}} {{join .Imports \",\"}}", "kinkscope/sim")
		cmd.Env = append(cmd.Environ(), env...)
		out, err := cmd.Output()
		if err != nil {
			msg := ""
			if ee, ok := err.(*exec.ExitError); ok {
				msg = string(ee.Stderr)
			}
			t.Fatalf("%v go list -deps kinkscope/sim: %v\n%s", env, err, msg)
		}
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		if !strings.HasPrefix(lines[len(lines)-1], "kinkscope/sim ") {
			t.Fatalf("%v go list -deps kinkscope/sim ends with %q, want the package itself", env, lines[len(lines)-1])
		}
		for _, line := range lines {
			f := strings.Fields(line)
			p, standard, imports := f[0], f[1] == "true", []string(nil)
			if len(f) > 2 {
				imports = strings.Split(f[2], ",")
			}
			switch {
			case strings.Contains(p, "ebiten"), p == "image", strings.HasPrefix(p, "image/"), strings.HasPrefix(p, "golang.org/x/image"):
				t.Errorf("%v kinkscope/sim depends on %s, want no UI or image packages", env, p)
			case p == "syscall/js" && env == nil:
				t.Errorf("%v kinkscope/sim depends on syscall/js", env)
			case standard || p == "kinkscope/sim" || strings.HasPrefix(p, "gonum.org/v1/gonum/"):
			default:
				t.Errorf("%v kinkscope/sim depends on %s, want only the standard library and gonum", env, p)
			}
			if !standard {
				for _, imp := range imports {
					if imp == "syscall/js" {
						t.Errorf("%v %s imports syscall/js", env, p)
					}
				}
			}
		}
	}
}

// layer is the place of a package in the layering.
type layer struct {
	pkg   string // a package, or a prefix ending in "/"
	allow []string
	deny  []string // standard packages it must not import either
}

// layers says, for every package of the module, which packages it may import besides
// the standard library, in the way go/build's deps_test.go does: a prefix ending in
// "/" stands for every package under it. A package of the module that is not listed
// fails the test, so a new package has to take its place in the layering.
//
//	sim (and its subpackages)   the numerics: gonum (and MNIST's reader) only; no image, no UI, no browser
//	render/figure               ticks, number formats, palette: sim only
//	render/app                  session, comparisons, protocol, exports: sim, figure
//	render                      the Ebiten painter: app, figure, Ebiten, fonts
//	cmd/kinkscope               the command line and its gonum/plot painter: app, figure, sim/sweep
//	wasm/engine                 the worker's protocol: sim, sim/sweep; plain Go, no syscall/js
//	wasm, wasm/worker           the browser entries (the page, the worker's engine): the only importers of syscall/js
//
// The two painters (render and cmd/kinkscope) import the description, not each other.
var layers = []layer{
	{"kinkscope/sim", []string{"gonum.org/v1/gonum/"}, []string{"image", "image/", "syscall/js"}},
	{"kinkscope/sim/", []string{"gonum.org/v1/gonum/", "kinkscope/sim", "kinkscope/sim/"}, []string{"image", "image/", "syscall/js"}},
	{"kinkscope/render/figure", []string{"kinkscope/sim"}, []string{"syscall/js", "image/png"}},
	{"kinkscope/render/app", []string{"kinkscope/sim", "kinkscope/render/figure"}, []string{"syscall/js", "image", "image/"}},
	{"kinkscope/render", []string{"kinkscope/sim", "kinkscope/render/app", "kinkscope/render/figure", "github.com/hajimehoshi/ebiten/v2", "github.com/hajimehoshi/ebiten/v2/", "golang.org/x/image/"}, []string{"syscall/js"}},
	{"kinkscope/cmd/kinkscope", []string{"kinkscope/sim", "kinkscope/sim/models", "kinkscope/sim/sweep", "kinkscope/render/app", "kinkscope/render/figure", "gonum.org/v1/plot", "gonum.org/v1/plot/"}, []string{"syscall/js"}},
	{"kinkscope/wasm/engine", []string{"kinkscope/sim", "kinkscope/sim/models", "kinkscope/sim/sweep", "kinkscope/render/app", "kinkscope/render/figure"}, []string{"syscall/js", "image", "image/"}},
	// No Ebiten in the worker: it reads document at start-up, which a worker lacks.
	// The worker fetches the MNIST subset for sim/cnnexp.
	{"kinkscope/wasm/worker", []string{"kinkscope/wasm/engine", "kinkscope/sim/cnnexp", "syscall/js"}, nil},
	// The page draws; its session's runs live in the workers (wasm/engine's Client).
	{"kinkscope/wasm", []string{"kinkscope/sim", "kinkscope/sim/models", "kinkscope/wasm/engine", "kinkscope/render", "kinkscope/render/app", "kinkscope/render/figure", "github.com/hajimehoshi/ebiten/v2", "syscall/js"}, nil},
}

// matches reports whether path is one of the patterns.
func matches(path string, patterns []string) bool {
	return slices.ContainsFunc(patterns, func(p string) bool {
		return p == path || strings.HasSuffix(p, "/") && strings.HasPrefix(path, p)
	})
}

// TestLayering checks the imports of every package of the module against layers,
// natively and for GOOS=js (the drawing and the browser entry build only there).
func TestLayering(t *testing.T) {
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := exec.LookPath(goTool); err != nil {
		if goTool, err = exec.LookPath("go"); err != nil {
			t.Skip("no go command found")
		}
	}
	for _, env := range [][]string{nil, {"GOOS=js", "GOARCH=wasm"}} {
		cmd := exec.Command(goTool, "list", "-e", "-f", "{{.ImportPath}} {{join .Imports \",\"}}", "kinkscope/...")
		cmd.Env = append(cmd.Environ(), env...)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%v go list kinkscope/...: %v", env, err)
		}
		seen := 0
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			f := strings.Fields(line)
			pkg, imports := f[0], []string(nil)
			if len(f) > 1 {
				imports = strings.Split(f[1], ",")
			}
			i := slices.IndexFunc(layers, func(l layer) bool { return matches(pkg, []string{l.pkg}) })
			if i < 0 {
				t.Errorf("%v %s has no place in the layering: add it to layers", env, pkg)
				continue
			}
			seen++
			l := layers[i]
			for _, imp := range imports {
				standard := !strings.Contains(strings.SplitN(imp, "/", 2)[0], ".") && !strings.HasPrefix(imp, "kinkscope")
				switch {
				case matches(imp, l.deny):
					t.Errorf("%v %s imports %s, which its layer forbids", env, pkg, imp)
				case standard:
				case !matches(imp, l.allow):
					t.Errorf("%v %s imports %s; allowed besides the standard library: %v", env, pkg, imp, l.allow)
				}
			}
		}
		if seen < 5 {
			t.Errorf("%v go list found %d packages of the module, want at least 5", env, seen)
		}
	}
}

// TestWorkerDependencies keeps Ebiten out of the Web Worker's engine (wasm/worker)
// down to its last dependency: Ebiten reads document at start-up, which a worker
// does not have, and the engine's module stays small without it.
func TestWorkerDependencies(t *testing.T) {
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := exec.LookPath(goTool); err != nil {
		if goTool, err = exec.LookPath("go"); err != nil {
			t.Skip("no go command found")
		}
	}
	cmd := exec.Command(goTool, "list", "-deps", "kinkscope/wasm/worker")
	cmd.Env = append(cmd.Environ(), "GOOS=js", "GOARCH=wasm")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps kinkscope/wasm/worker: %v", err)
	}
	deps := strings.Fields(string(out))
	if !slices.Contains(deps, "kinkscope/sim/sweep") {
		t.Errorf("kinkscope/wasm/worker does not depend on kinkscope/sim/sweep: %v", deps)
	}
	for _, p := range deps {
		// image/color is allowed: render/figure's palette (which the session's exports
		// read) names its colours with it; it is plain types and draws nothing.
		if strings.Contains(p, "ebiten") || p == "kinkscope/render" || p == "image" || (strings.HasPrefix(p, "image/") && p != "image/color") {
			t.Errorf("kinkscope/wasm/worker depends on %s, want no Ebiten, drawing or image packages", p)
		}
	}
}
