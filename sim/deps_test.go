package sim

import (
	"os/exec"
	"path/filepath"
	"runtime"
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
