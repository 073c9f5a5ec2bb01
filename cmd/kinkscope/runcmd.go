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
	var settings settingFlags
	fset.Var(seedFlag{&settings}, "seed", "random seed `N`; short for -set seed=N")
	fset.Var(setFlag{&settings}, "set", "override a setting (`key=value`, repeatable; see kinkscope help)")
	if err := fset.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, "usage: kinkscope run -scenario NAME -out DIR [-seed N] [-set key=value ...] [-init params.csv]")
			fset.SetOutput(stdout)
			fset.PrintDefaults()
			return exitOK
		}
		return fail(stderr, "run: %v", err)
	}
	switch {
	case fset.NArg() > 0:
		return fail(stderr, "run: unexpected argument %q (settings go in -set key=value)", fset.Arg(0))
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
	var theta []float64
	if *initFile != "" {
		var err error
		if theta, err = readInit(*initFile, &cfg, settings.has(layoutOf(cfg.Model).size)); err != nil {
			return fail(stderr, "-init %s: %s", *initFile, trimSim(err))
		}
	}
	if info, err := os.Stat(*out); err == nil && !info.IsDir() {
		return fail(stderr, "-out %s is a file, not a directory", *out)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fail(stderr, "-out %s: %v", *out, unwrapPath(err))
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

	start := time.Now()
	p := progress{w: stderr, total: cfg.Iters}
	p.show(r, true)
	for !r.Done() && r.Err() == nil {
		r.Advance(progressChunk)
		p.show(r, false)
	}
	p.show(r, true)
	fmt.Fprintln(stderr)
	fmt.Fprintln(stderr, summary(r, time.Since(start)))

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
	line := fmt.Sprintf("iter %*d/%d  lr %.4g  loss %.4g  ", len(fmt.Sprint(p.total)), r.Iter(), p.total, m.LR, m.TrainLoss)
	switch {
	case r.Diagonal() != nil:
		line += fmt.Sprintf("test %.4g  rank %g  ‖β‖₀ %g", m.TestLoss, m.Rank, m.L0)
	case r.MLP() != nil:
		line += fmt.Sprintf("test %.4g  rank %g  sparsity %.1f%%/%.1f%%", m.TestLoss, m.Rank, 100*m.FeatureSparsityL1, 100*m.FeatureSparsityL2)
		if r.MLP().InputDim() == 1 {
			line += fmt.Sprintf("  kinks %g", m.Kinks)
		}
	default:
		line += fmt.Sprintf("rank %g  sparsity %.1f%%  kinks %g", m.Rank, 100*m.FeatureSparsity, m.Kinks)
	}
	// Columns on a terminal, not bytes: ‖β‖₀ takes 5 of them and 9 bytes.
	width := utf8.RuneCountInString(line)
	pad := max(0, p.width-width)
	p.width = width
	fmt.Fprintf(p.w, "\r%s%s", line, strings.Repeat(" ", pad))
}

// summary is the line printed when a run ends.
func summary(r *sim.Run, elapsed time.Duration) string {
	m := r.Latest()
	state := "done"
	if r.Err() != nil {
		state = "diverged"
	}
	if r.Diagonal() != nil {
		return fmt.Sprintf("%s: iter %d, train loss %.4g, test loss %.4g, rank %g, ‖β‖₀ %g, ‖β‖₁ %.4g (%.2f s)",
			state, r.Iter(), m.TrainLoss, m.TestLoss, m.Rank, m.L0, m.L1, elapsed.Seconds())
	}
	if n := r.MLP(); n != nil {
		kinks := ""
		if n.InputDim() == 1 {
			kinks = fmt.Sprintf(", kinks %g (teacher %d)", m.Kinks, r.TeacherKinks().Visible)
		}
		return fmt.Sprintf("%s: iter %d, train loss %.4g, test loss %.4g, rank %g, feature sparsity layer 1 %.1f%%, layer 2 %.1f%%%s (%.2f s)",
			state, r.Iter(), m.TrainLoss, m.TestLoss, m.Rank, 100*m.FeatureSparsityL1, 100*m.FeatureSparsityL2, kinks, elapsed.Seconds())
	}
	return fmt.Sprintf("%s: iter %d, train loss %.4g, rank %g, feature sparsity %.1f%%, kinks %g (%.2f s)",
		state, r.Iter(), m.TrainLoss, m.Rank, 100*m.FeatureSparsity, m.Kinks, elapsed.Seconds())
}
