// Command kinkscope runs the simulations of the sim package without a browser and
// serves the built web page.
//
//	kinkscope list
//	kinkscope run -scenario relu1d-large -out out/large [-seed N] [-set key=value …] [-init params.csv]
//	kinkscope run -compare 'scenario:diag-const;diag-decay10;diag-decay30;diag-decay50' -out out/decays
//	kinkscope sweep -out DIR [-scenario NAME] [-vary key=v1;v2] [-seeds 1-10] [-data-seeds 1-10] [-shard i/n]
//	kinkscope sweep merge -out DIR [SHARD_DIR …]
//	kinkscope edge -scenario NAME [-set key=value …] [-data-seeds 1-20]
//	kinkscope serve [-addr 127.0.0.1:8080] [-dir dist]
//	kinkscope help
//
// run writes the metrics, the initial and final parameters, the final predictor (β
// and β* for a diagonal net), the settings and a four-panel figure into its output
// directory; see usage below.
package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"kinkscope/sim"
	_ "kinkscope/sim/models" // the experiments kept in packages of their own
)

// Exit statuses: a diverged run (or an output that could not be written) is 1, a
// command line that cannot be carried out is 2.
const (
	exitOK      = 0
	exitFailed  = 1
	exitBadArgs = 2
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// run carries out one command line and returns the exit status. Tests call it
// in-process.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return exitBadArgs
	}
	switch cmd, rest := args[0], args[1:]; cmd {
	case "list":
		if len(rest) > 0 {
			return fail(stderr, "list takes no arguments, got %q", strings.Join(rest, " "))
		}
		list(stdout)
		return exitOK
	case "run":
		return runCmd(rest, stdout, stderr)
	case "serve":
		return serveCmd(rest, stdout, stderr)
	case "bundle":
		return bundleCmd(rest, stdout, stderr)
	case "sweep":
		return sweepCmd(rest, stdout, stderr)
	case "edge":
		return edgeCmd(rest, stdout, stderr)
	case "help", "-h", "-help", "--help":
		usage(stdout)
		return exitOK
	default:
		return fail(stderr, "unknown command %q (commands: list, run, sweep, edge, serve, bundle, help)", cmd)
	}
}

// fail prints a one-line error and returns exitBadArgs.
func fail(stderr io.Writer, format string, a ...any) int {
	fmt.Fprintf(stderr, "kinkscope: "+format+"\n", a...)
	return exitBadArgs
}

// list prints the scenarios, one per line: the name, padded, then the caption.
func list(w io.Writer) {
	width := 0
	for _, s := range sim.Scenarios {
		width = max(width, len(s.Name))
	}
	for _, s := range sim.Scenarios {
		fmt.Fprintf(w, "%-*s  %s\n", width, s.Name, s.Caption)
	}
}

func usage(w io.Writer) {
	fmt.Fprint(w, `kinkscope: SGD with large step sizes learns sparse features, without a browser.

usage:
  kinkscope list                 the scenarios
  kinkscope run -scenario NAME -out DIR [-seed N] [-set key=value ...] [-init params.csv]
                                 run headless; write metrics.csv, params.csv, init.csv,
                                 predictor.csv (a 1D predictor) or beta.csv (coefficients),
                                 settings.txt, figure.png and figure.svg to DIR; -init reads
                                 a params.csv
  kinkscope run -compare KEY:V1;V2[;V3;V4] -out DIR [-scenario NAME] [-seed N] [-set ...]
                                 run 2 to 4 runs that differ in one setting (or
                                 scenario:NAME;NAME…); write metrics-N-LABEL.csv per run,
                                 settings.txt, compare.png and compare.svg, the runs
                                 overlaid in the reference's colors
  kinkscope sweep -out DIR [-scenario NAME] [-vary key=v1;v2;…] [-set key=value ...]
                  [-seeds 1-10] [-data-seeds 1-10] [-at 0.5] [-j N] [-shard i/n]
                                 run a grid of settings × data seeds × seeds on every
                                 core; write runs.csv (a row per run), summary.csv
                                 (per cell: mean, sd, median, geometric mean),
                                 paired.csv and fig-*.png to DIR; rerun to resume
  kinkscope sweep merge -out DIR [SHARD_DIR ...]
                                 join the shards of a sweep (-shard i/n) into DIR
  kinkscope edge -scenario NAME [-set key=value ...] [-data-seeds 1-20]
                                 η_max, the largest constant step size that does not
                                 diverge on a data draw (for lr_edge), and its cost
  kinkscope serve [-addr 127.0.0.1:8080] [-dir dist]
                                 serve the built web page (make build)
  kinkscope bundle [-dir dist] [-out FILE]
                                 write the simulator as one HTML file that works from
                                 disk (default dist/kinkscope-offline.html; make dist)
  kinkscope help                 this text
`)
	fmt.Fprint(w, "\nparameters (params.csv, init.csv and -init):\n")
	for _, e := range sim.Experiments() {
		for _, sc := range sim.Scenarios {
			if c, _ := sim.Scenario(sc.Name); c.Model == e.Name() {
				l := e.Layout(&c)
				fmt.Fprintf(w, "  %-7s header %s: one row per %s\n", e.Name(), l.Header(), l.Row)
				if l.Doc != "" {
					fmt.Fprintf(w, "          %s\n", strings.ReplaceAll(l.Doc, "\n", "\n          "))
				}
				break
			}
		}
	}
	fmt.Fprint(w, "\nsettings (-set key=value; the scenario gives the defaults):\n")
	width := 0
	for _, s := range sim.Settings {
		width = max(width, len(s.Key))
	}
	for _, s := range sim.Settings {
		fmt.Fprintf(w, "  %-*s  %s\n  %-*s  allowed: %s\n", width, s.Key, s.Doc, width, "", s.Range)
	}
	fmt.Fprint(w, "\nscenarios:\n")
	var sb strings.Builder
	list(&sb)
	for _, line := range strings.SplitAfter(sb.String(), "\n") {
		if line != "" {
			fmt.Fprint(w, "  "+line)
		}
	}
}
