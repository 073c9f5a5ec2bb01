package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"kinkscope/sim"
	"kinkscope/sim/sweep"
)

// axisFlags collects -vary in command-line order.
type axisFlags []sweep.Axis

func (a *axisFlags) String() string { return "" }

func (a *axisFlags) Set(v string) error {
	ax, err := sweep.ParseAxis(v)
	if err != nil {
		return errors.New(strings.TrimPrefix(err.Error(), "sweep: "))
	}
	*a = append(*a, ax)
	return nil
}

const sweepUsage = `usage: kinkscope sweep -out DIR [-scenario NAME] [-vary key=v1;v2;…] [-set key=value …]
                       [-seeds 1-10] [-data-seeds 1-10] [-at 0.5,…] [-j N] [-shard i/n]
                       [-edge-cache FILE]
       kinkscope sweep merge -out DIR [SHARD_DIR …]
`

// sweepCmd is `kinkscope sweep` and `kinkscope sweep merge`.
func sweepCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "merge" {
		return mergeCmd(args[1:], stdout, stderr)
	}
	fset := flag.NewFlagSet("sweep", flag.ContinueOnError)
	fset.SetOutput(io.Discard)
	out := fset.String("out", "", "output `folder` (created if needed; rerun to resume)")
	scenario := fset.String("scenario", "", "scenario `name` every run starts from (or vary scenario=A;B)")
	var axes axisFlags
	fset.Var(&axes, "vary", "vary a setting: `key=v1;v2;…`, key=range(lo,hi,n) or key=logrange(lo,hi,n) (repeatable; the first varies slowest)")
	var fixed settingFlags
	fset.Var(setFlag{&fixed}, "set", "a setting of every run (`key=value`, repeatable)")
	seeds := fset.String("seeds", "1-10", "run `seeds`: N, A-B or a comma-separated list")
	dataSeeds := fset.String("data-seeds", "", "data `seeds` (the draw of the data set); empty: the scenario's own")
	at := fset.String("at", "", "also keep the metrics at these `fractions` of the run (comma-separated)")
	jobs := fset.Int("j", 0, "runs at once (0: one per core)")
	shard := fset.String("shard", "", "run only shard `i/n` (runs with index ≡ i−1 mod n); join with sweep merge")
	edgeFile := fset.String("edge-cache", "", "η_max cache `file` (default DIR/edge-cache.tsv)")
	figures := fset.Bool("figures", true, "write a figure per metric (unsharded sweeps and merge)")
	if err := fset.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, sweepUsage)
			fset.SetOutput(stdout)
			fset.PrintDefaults()
			return exitOK
		}
		return fail(stderr, "sweep: %v", err)
	}
	if fset.NArg() > 0 {
		return fail(stderr, "sweep: unexpected argument %q", fset.Arg(0))
	}
	if *out == "" {
		return fail(stderr, "sweep: -out is required")
	}
	spec := &sweep.Spec{Scenario: *scenario, Fixed: fixed.kv, Axes: axes}
	for _, kv := range fixed.kv {
		if kv[0] == "seed" || kv[0] == "data_seed" {
			return fail(stderr, "sweep: -set %s: give the seeds with -seeds and -data-seeds", kv[0])
		}
	}
	var err error
	if spec.Seeds, err = sweep.ParseSeeds(*seeds); err != nil {
		return fail(stderr, "-seeds: %s", strings.TrimPrefix(err.Error(), "sweep: "))
	}
	if *dataSeeds != "" {
		if spec.DataSeeds, err = sweep.ParseSeeds(*dataSeeds); err != nil {
			return fail(stderr, "-data-seeds: %s", strings.TrimPrefix(err.Error(), "sweep: "))
		}
	}
	if *at != "" {
		for _, a := range strings.Split(*at, ",") {
			f, err := strconv.ParseFloat(strings.TrimSpace(a), 64)
			if err != nil || !(f >= 0 && f <= 1) {
				return fail(stderr, "-at %q: want fractions in [0, 1], comma-separated", *at)
			}
			spec.At = append(spec.At, f)
		}
	}
	var opt sweep.Options
	if *shard != "" {
		i, n, ok := strings.Cut(*shard, "/")
		opt.Shard, err = strconv.Atoi(i)
		var err2 error
		opt.Shards, err2 = strconv.Atoi(n)
		if !ok || err != nil || err2 != nil || opt.Shards < 1 || opt.Shard < 1 || opt.Shard > opt.Shards {
			return fail(stderr, "-shard %q: want i/n with 1 ≤ i ≤ n", *shard)
		}
	}
	if *jobs < 0 {
		return fail(stderr, "-j %d out of range [0, 4096]", *jobs)
	}
	opt.Workers = *jobs
	if err := spec.Validate(); err != nil {
		return fail(stderr, "%s", strings.TrimPrefix(err.Error(), "sweep: "))
	}
	// Check every setting once before starting, so a typo fails in a second.
	for c := range spec.Cells() {
		kv := spec.Settings(spec.Point(c * spec.Runs() / spec.Cells()))
		if _, errs := sim.DecodeSettings(kv[0][1], kv[1:]); len(errs) > 0 {
			return fail(stderr, "sweep: %s", trimSim(errs[0]))
		}
	}
	if *edgeFile == "" {
		*edgeFile = filepath.Join(*out, "edge-cache.tsv")
	}
	if err := loadEdgeCache(*edgeFile); err != nil {
		return fail(stderr, "-edge-cache %s: %s", *edgeFile, trimSim(err))
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	bar := progressBar{w: stderr}
	opt.Progress = bar.show
	fmt.Fprintf(stderr, "sweep: %d runs (%d cells × %d data seeds × %d seeds)", spec.Runs(), spec.Cells(), max(1, len(spec.DataSeeds)), len(spec.Seeds))
	if opt.Shards > 0 {
		fmt.Fprintf(stderr, ", shard %d/%d", opt.Shard, opt.Shards)
	}
	fmt.Fprintln(stderr)
	prog, err := sweep.Run(ctx, *out, spec, opt)
	bar.show(prog)
	fmt.Fprintln(stderr)
	if prog.EdgeSearches > 0 {
		fmt.Fprintf(stderr, "edge of stability: %d draws searched, %.2f s and %d steps per draw\n", prog.EdgeSearches,
			prog.EdgeTime.Seconds()/float64(prog.EdgeSearches), prog.EdgeSteps/int64(prog.EdgeSearches))
	}
	if serr := saveEdgeCache(*edgeFile); serr != nil {
		fmt.Fprintf(stderr, "kinkscope: writing %s: %v\n", *edgeFile, serr)
	}
	if err != nil {
		if ctx.Err() != nil {
			fmt.Fprintf(stderr, "kinkscope: sweep interrupted after %d of %d runs; rerun the same command to resume\n", prog.Done, prog.Total)
			return exitFailed
		}
		fmt.Fprintf(stderr, "kinkscope: %s\n", trimSim(errors.New(strings.TrimPrefix(err.Error(), "sweep: "))))
		return exitFailed
	}
	fmt.Fprintf(stderr, "sweep: %d runs in %.1f s (%.2f runs/s), %d diverged, %d done earlier\n", prog.Done, prog.Elapsed.Seconds(),
		float64(prog.Done-prog.Skipped)/prog.Elapsed.Seconds(), prog.Diverged, prog.Skipped)
	if opt.Shards > 0 {
		fmt.Fprintf(stdout, "wrote %s\n", filepath.Join(*out, fmt.Sprintf("runs-shard-%d-of-%d.csv", opt.Shard, opt.Shards)))
		return exitOK
	}
	return finishSweep(*out, *figures, stdout, stderr)
}

// mergeCmd is `kinkscope sweep merge`.
func mergeCmd(args []string, stdout, stderr io.Writer) int {
	fset := flag.NewFlagSet("sweep merge", flag.ContinueOnError)
	fset.SetOutput(io.Discard)
	out := fset.String("out", "", "the sweep's `folder`: it holds sweep.txt and receives runs.csv and summary.csv")
	figures := fset.Bool("figures", true, "write a figure per metric")
	if err := fset.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, sweepUsage)
			return exitOK
		}
		return fail(stderr, "sweep merge: %v", err)
	}
	if *out == "" {
		return fail(stderr, "sweep merge: -out is required")
	}
	if _, err := sweep.Merge(*out, fset.Args()...); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fail(stderr, "sweep merge: %v", unwrapPath(err))
		}
		return fail(stderr, "sweep merge: %s", strings.TrimPrefix(err.Error(), "sweep: "))
	}
	return finishSweep(*out, *figures, stdout, stderr)
}

// finishSweep prints the summary's location and writes the figures.
func finishSweep(dir string, figures bool, stdout, stderr io.Writer) int {
	fmt.Fprintf(stdout, "wrote %s, %s and %s\n", filepath.Join(dir, sweep.RunsFile), filepath.Join(dir, sweep.SummaryFile), filepath.Join(dir, sweep.PairedFile))
	if !figures {
		return exitOK
	}
	n, err := writeSweepFigures(dir)
	if err != nil {
		fmt.Fprintf(stderr, "kinkscope: sweep figures: %v\n", err)
		return exitFailed
	}
	if n > 0 {
		fmt.Fprintf(stdout, "wrote %d figures %s\n", n, filepath.Join(dir, "fig-*.png"))
	}
	return exitOK
}

func loadEdgeCache(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return unwrapPath(err)
	}
	defer f.Close()
	return sim.DefaultEdgeCache.Load(f)
}

func saveEdgeCache(path string) error {
	if sim.DefaultEdgeCache.Len() == 0 {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	var sb strings.Builder
	if err := sim.DefaultEdgeCache.Save(&sb); err != nil {
		return err
	}
	// A temporary file of its own, as shards may share the folder.
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.WriteString(sb.String()); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// progressBar draws a sweep's progress on one line: a bar, the runs done, the
// divergences, the rate and the time left.
type progressBar struct {
	w     io.Writer
	last  time.Time
	width int
}

const barCells = 30

func (b *progressBar) show(p sweep.Progress) {
	now := time.Now()
	if p.Done < p.Total && now.Sub(b.last) < progressEvery {
		return
	}
	b.last = now
	fill := 0
	if p.Total > 0 {
		fill = barCells * p.Done / p.Total
	}
	line := fmt.Sprintf("[%s%s] %d/%d runs, %d diverged", strings.Repeat("█", fill), strings.Repeat("·", barCells-fill), p.Done, p.Total, p.Diverged)
	if ran := p.Done - p.Skipped; ran > 0 && p.Elapsed > 0 {
		rate := float64(ran) / p.Elapsed.Seconds()
		eta := time.Duration(float64(p.Total-p.Done) / rate * float64(time.Second)).Round(time.Second)
		line += fmt.Sprintf(", %.2f runs/s, ETA %s", rate, eta)
	}
	width := len([]rune(line))
	fmt.Fprintf(b.w, "\r%s%s", line, strings.Repeat(" ", max(0, b.width-width)))
	b.width = width
}
