package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"kinkscope/render/figure"
	"kinkscope/sim"
)

// progressEvery bounds how often the progress line is redrawn.
const progressEvery = 250 * time.Millisecond

// progressChunk is the iterations advanced between looks at the clock: small enough
// that even the widest networks redraw a few times a second.
const progressChunk = 256

// settingFlags collects -set key=value and -seed N in command-line order, so that a
// later flag overrides an earlier one as a reader expects.
type settingFlags struct{ kv [][2]string }

func (s *settingFlags) String() string { return "" }

func (s *settingFlags) has(key string) bool {
	for _, p := range s.kv {
		if p[0] == key {
			return true
		}
	}
	return false
}

type setFlag struct{ *settingFlags }

func (f setFlag) Set(v string) error {
	key, value, ok := strings.Cut(v, "=")
	key = strings.TrimSpace(key)
	if !ok || key == "" {
		return fmt.Errorf("want key=value")
	}
	if key == "scenario" {
		return fmt.Errorf("use -scenario NAME to choose the scenario")
	}
	f.kv = append(f.kv, [2]string{key, value})
	return nil
}

type seedFlag struct{ *settingFlags }

func (f seedFlag) Set(v string) error {
	f.kv = append(f.kv, [2]string{"seed", v})
	return nil
}

// runCmd is `kinkscope run`.
func runCmd(args []string, stdout, stderr io.Writer) int {
	fset := flag.NewFlagSet("run", flag.ContinueOnError)
	fset.SetOutput(io.Discard)
	scenario := fset.String("scenario", "", "scenario `name` (see kinkscope list)")
	out := fset.String("out", "", "output `directory` (created if needed)")
	initFile := fset.String("init", "", "start from the parameters in `params.csv` (header w,b,a, or u,v for model diag, or theta for model mlp)")
	compare := fset.String("compare", "", "run 2 to 4 runs differing in one setting, `key:v1;v2`, or scenario:NAME;NAME")
	var settings settingFlags
	fset.Var(seedFlag{&settings}, "seed", "random seed `N`; short for -set seed=N")
	fset.Var(setFlag{&settings}, "set", "override a setting (`key=value`, repeatable; see kinkscope help)")
	if err := fset.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, "usage: kinkscope run -scenario NAME -out DIR [-seed N] [-set key=value ...] [-init params.csv]")
			fmt.Fprintln(stdout, "       kinkscope run -compare KEY:V1;V2[;V3;V4] -out DIR [-scenario NAME] [-seed N] [-set key=value ...]")
			fset.SetOutput(stdout)
			fset.PrintDefaults()
			return exitOK
		}
		return fail(stderr, "run: %v", err)
	}
	switch {
	case fset.NArg() > 0:
		return fail(stderr, "run: unexpected argument %q (settings go in -set key=value)", fset.Arg(0))
	case *compare != "" && *initFile != "":
		return fail(stderr, "run: -init starts one run; it does not go with -compare")
	case *compare != "" && *scenario == "":
		// A comparison of scenarios starts from its first one.
		if key, rest, _ := strings.Cut(*compare, ":"); strings.TrimSpace(key) == "scenario" {
			first, _, _ := strings.Cut(rest, ";")
			*scenario = strings.TrimSpace(first)
		} else {
			return fail(stderr, "run: -compare %s needs -scenario (one of %s)", *compare, strings.Join(sim.ScenarioNames(), ", "))
		}
	}
	switch {
	case *scenario == "":
		return fail(stderr, "run: -scenario is required (one of %s)", strings.Join(sim.ScenarioNames(), ", "))
	case *out == "":
		return fail(stderr, "run: -out is required")
	}
	if _, ok := sim.Scenario(*scenario); !ok {
		return fail(stderr, "unknown scenario %q (known: %s)", *scenario, strings.Join(sim.ScenarioNames(), ", "))
	}
	cfg, errs := sim.DecodeSettings(*scenario, settings.kv)
	if len(errs) > 0 {
		msgs := make([]string, len(errs))
		for i, err := range errs {
			msgs[i] = trimSim(err)
		}
		return fail(stderr, "%s", strings.Join(msgs, "; "))
	}
	if *compare != "" {
		return compareCmd(cfg, *compare, *out, stderr)
	}
	var theta []float64
	if *initFile != "" {
		var err error
		if theta, err = readInit(*initFile, &cfg, settings.has(layoutOf(&cfg).Size)); err != nil {
			return fail(stderr, "-init %s: %s", *initFile, trimSim(err))
		}
	}
	if code := checkOut(*out, stderr); code != exitOK {
		return code
	}

	var r *sim.Run
	var err error
	if theta != nil {
		r, err = sim.NewRunFrom(cfg, theta)
	} else {
		r, err = sim.NewRun(cfg)
	}
	if err != nil {
		return fail(stderr, "%s", trimSim(err))
	}
	if settings.has("lr") && cfg.LREdge > 0 {
		fmt.Fprintf(stderr, "kinkscope: note: lr_edge=%s sets the step sizes, so lr is unused (add -set lr_edge=off to use lr)\n", cfg.Get("lr_edge"))
	}
	// Another draw (or model) than the scenario's: its written-out η_max does not
	// apply. A shorter run is no reason to warn: its probes would only be shorter.
	same := cfg
	if base, _ := sim.Scenario(*scenario); cfg.LREdge > 0 && cfg.EtaMax > 0 && !settings.has("eta_max") {
		same.Iters = base.Iters
		if sim.EdgeKey(same, sim.DefaultEdgeProbe) != sim.EdgeKey(base, sim.DefaultEdgeProbe) {
			fmt.Fprintf(stderr, "kinkscope: note: eta_max=%s is the scenario's own draw's; add -set eta_max=auto to find this draw's\n", cfg.Get("eta_max"))
		}
	}
	theta0 := slices.Clone(r.Model().Params())

	fmt.Fprintln(stderr, summary(r, runToEnd(r, stderr)))

	if err := writeOutputs(*out, r, cfg, theta0, *initFile); err != nil {
		fmt.Fprintf(stderr, "kinkscope: writing %s: %v\n", *out, err)
		return exitFailed
	}
	if err := r.Err(); err != nil {
		fmt.Fprintf(stderr, "kinkscope: %v (outputs written to %s)\n", err, *out)
		return exitFailed
	}
	return exitOK
}

// checkOut reports on stderr when out exists and is no directory.
func checkOut(out string, stderr io.Writer) int {
	if info, err := os.Stat(out); err == nil && !info.IsDir() {
		return fail(stderr, "-out %s is a file, not a directory", out)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fail(stderr, "-out %s: %v", out, unwrapPath(err))
	}
	return exitOK
}

// trimSim drops the sim package's prefix from an error: the message already says
// kinkscope and names the setting.
func trimSim(err error) string { return strings.TrimPrefix(err.Error(), "sim: ") }

// unwrapPath returns the reason of a *fs.PathError without repeating the path.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// progress redraws one status line in place.
type progress struct {
	w     io.Writer
	total int
	last  time.Time
	width int // length of the previous line, to blank its tail
}

func (p *progress) show(r *sim.Run, force bool) {
	now := time.Now()
	if !force && now.Sub(p.last) < progressEvery {
		return
	}
	p.last = now
	m := r.Latest()
	line := fmt.Sprintf("iter %*d/%d  lr %.4g", len(fmt.Sprint(p.total)), r.Iter(), p.total, m.LR)
	for _, key := range r.MetricKeys() {
		d := sim.MustMetric(key)
		line += "  " + d.Name + " " + figure.FormatMetric(d, &m, 4)
	}
	// Columns on a terminal, not bytes: ‖β‖₀ takes 5 of them and 9 bytes.
	width := utf8.RuneCountInString(line)
	pad := max(0, p.width-width)
	p.width = width
	fmt.Fprintf(p.w, "\r%s%s", line, strings.Repeat(" ", pad))
}

// summary is the line printed when a run ends: every metric of the run's model,
// and the teacher's kinks when there is a teacher on scalar inputs.
func summary(r *sim.Run, elapsed time.Duration) string {
	state := "done"
	if r.Err() != nil {
		state = "diverged"
	}
	return fmt.Sprintf("%s: iter %d, %s (%.2f s)", state, r.Iter(), metricsSentence(r, ", ", 4), elapsed.Seconds())
}

// metricsSentence writes every metric of the run's model as name and value, joined
// by sep, and the teacher's kinks after the kinks when there is a teacher on scalar
// inputs.
func metricsSentence(r *sim.Run, sep string, digits int) string {
	m := r.Latest()
	var parts []string
	for _, key := range r.MetricKeys() {
		d := sim.MustMetric(key)
		parts = append(parts, d.Name+" "+figure.FormatMetric(d, &m, digits))
	}
	line := strings.Join(parts, sep)
	if pic := r.Picture(sim.PictureOptions{GridPoints: 2}); pic.Teacher != nil {
		line += fmt.Sprintf(" (teacher %d)", pic.TeacherKinks.Visible)
	}
	return line
}

// runToEnd advances r to its end, or until it diverges, with a progress line on w, and
// returns how long that took.
func runToEnd(r *sim.Run, w io.Writer) time.Duration {
	start := time.Now()
	p := progress{w: w, total: r.Config().Iters}
	r.Advance(0) // a Pieced model's first snapshot, begun by NewRun
	p.show(r, true)
	for !r.Done() && r.Err() == nil {
		r.Advance(progressChunk)
		p.show(r, false)
	}
	p.show(r, true)
	fmt.Fprintln(w)
	return time.Since(start)
}
