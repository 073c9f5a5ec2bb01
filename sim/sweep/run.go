package sweep

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
)

// Options says how Run carries out a sweep.
type Options struct {
	Workers int // runs at once; 0 means one per core
	// Shard and Shards select the runs with index ≡ Shard−1 (mod Shards); Shards 0
	// means the whole sweep.
	Shard, Shards int
	// Simulate runs one point; nil means the package's Simulate.
	Simulate func(settings [][2]string, at []float64) (Result, error)
	// Progress, when not nil, is called after every finished run (from one goroutine).
	Progress func(Progress)
}

// Progress is the state of a sweep in progress.
type Progress struct {
	Done, Total int // runs finished (skipped ones included) and to do in this shard
	Skipped     int // finished by an earlier, interrupted process
	Diverged    int // among the runs done by this process
	Elapsed     time.Duration
	// EdgeSearches and EdgeTime count the searches for η_max this process did.
	EdgeSearches int
	EdgeTime     time.Duration
	EdgeSteps    int64
}

// Run carries out the sweep (or its shard) in dir: it writes the spec file, appends
// each finished run to a partial file, and at the end writes the runs file in run
// order. An unsharded sweep then writes its summary too; shards are joined by Merge.
// Runs found in the partial or final file of an earlier process are skipped. When ctx
// is cancelled, Run stops handing out runs, waits for those under way and returns
// ctx's error: rerunning the same sweep resumes.
func Run(ctx context.Context, dir string, s *Spec, opt Options) (Progress, error) {
	if err := s.Validate(); err != nil {
		return Progress{}, err
	}
	if opt.Shards < 0 || opt.Shards > 0 && (opt.Shard < 1 || opt.Shard > opt.Shards) {
		return Progress{}, fmt.Errorf("sweep: shard %d/%d: want i/n with 1 ≤ i ≤ n", opt.Shard, opt.Shards)
	}
	simulate := opt.Simulate
	if simulate == nil {
		simulate = Simulate
	}
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Progress{}, err
	}
	if err := checkSpecFile(dir, s); err != nil {
		return Progress{}, err
	}
	final := filepath.Join(dir, shardName(opt.Shard, opt.Shards))
	partial := strings.TrimSuffix(final, ".csv") + partialExt
	rows, err := s.readRows(final)
	if err != nil {
		return Progress{}, err
	}
	more, err := s.readRows(partial)
	if err != nil {
		return Progress{}, err
	}
	for i, r := range more {
		if _, ok := rows[i]; !ok {
			rows[i] = r
		}
	}
	// Hand out the runs seed by seed, then data seed by data seed, so that the first
	// runs under way use different data draws: a draw's η_max search (lr_edge) then
	// runs on every core at once instead of making all workers wait for one draw.
	var todo []int
	mine := func(i int) bool { return opt.Shards == 0 || i%opt.Shards == opt.Shard-1 }
	total := 0
	for i := range s.Runs() {
		if !mine(i) {
			continue
		}
		total++
		if _, ok := rows[i]; !ok {
			todo = append(todo, i)
		}
	}
	ns, nd := len(s.Seeds), s.dataSeeds()
	order := func(i int) [3]int { return [3]int{i % ns, (i / ns) % nd, i / (ns * nd)} }
	slices.SortFunc(todo, func(a, b int) int {
		oa, ob := order(a), order(b)
		return slices.Compare(oa[:], ob[:])
	})
	for i := range rows { // rows of another shard cannot be in this file
		if !mine(i) {
			return Progress{}, fmt.Errorf("sweep: %s holds run %d, which is not in shard %d/%d", final, i, opt.Shard, opt.Shards)
		}
	}
	// Rewrite the partial file with exactly the rows kept, so that an unfinished last
	// line does not glue onto the next one.
	if err := s.writeRuns(partial, rows); err != nil {
		return Progress{}, err
	}
	pf, err := os.OpenFile(partial, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return Progress{}, err
	}
	defer pf.Close()

	prog := Progress{Done: total - len(todo), Total: total, Skipped: total - len(todo)}
	start := time.Now()
	type done struct {
		run int
		row string
		res Result
		err error
	}
	jobs := make(chan int)
	results := make(chan done)
	var wg sync.WaitGroup
	for range min(workers, max(1, len(todo))) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				p := s.Point(i)
				settings := s.Settings(p)
				res, err := simulate(settings, s.At)
				if err != nil {
					err = fmt.Errorf("run %d (%s): %w", i, formatSettings(settings), err)
				}
				results <- done{run: i, row: s.row(p, res), res: res, err: err}
			}
		}()
	}
	// feed stops handing out runs when ctx is cancelled or a run fails.
	feed, stopFeed := context.WithCancel(ctx)
	defer stopFeed()
	go func() {
		defer close(jobs)
		for _, i := range todo {
			select {
			case jobs <- i:
			case <-feed.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(results) }()
	var firstErr error
	for d := range results {
		if d.err != nil {
			if firstErr == nil {
				firstErr = d.err
				stopFeed()
			}
			continue
		}
		if _, err := pf.WriteString(d.row); err != nil && firstErr == nil {
			firstErr = err
		}
		rows[d.run] = d.row
		prog.Done++
		if d.res.DivergedAt >= 0 {
			prog.Diverged++
		}
		if d.res.EdgeSearch.Runs > 0 {
			prog.EdgeSearches++
			prog.EdgeTime += d.res.EdgeSearch.Elapsed
			prog.EdgeSteps += d.res.EdgeSearch.Steps
		}
		prog.Elapsed = time.Since(start)
		if opt.Progress != nil {
			opt.Progress(prog)
		}
	}
	prog.Elapsed = time.Since(start)
	if firstErr != nil {
		return prog, firstErr
	}
	if err := ctx.Err(); err != nil {
		return prog, err
	}
	if err := s.writeRuns(final, rows); err != nil {
		return prog, err
	}
	pf.Close()
	if err := os.Remove(partial); err != nil {
		return prog, err
	}
	if opt.Shards == 0 {
		return prog, s.writeSummary(dir, rows)
	}
	return prog, nil
}

func formatSettings(kv [][2]string) string {
	parts := make([]string, len(kv))
	for i, p := range kv {
		parts[i] = p[0] + "=" + p[1]
	}
	return strings.Join(parts, " ")
}

// Merge joins the shard files runs-shard-i-of-n.csv found in dir and in the extra
// folders into dir's runs file and summary: the same files the unsharded sweep
// writes. dir must hold the sweep's spec file; every shard must be complete.
func Merge(dir string, extra ...string) (*Spec, error) {
	s, err := ReadSpec(dir)
	if err != nil {
		return nil, err
	}
	rows := map[int]string{}
	shards := 0
	seen := map[int]string{}
	for _, d := range append([]string{dir}, extra...) {
		if d != dir {
			other, err := ReadSpec(d)
			if err != nil {
				return nil, err
			}
			if other.String() != s.String() {
				return nil, fmt.Errorf("sweep: %s and %s hold different sweeps", filepath.Join(d, SpecFile), filepath.Join(dir, SpecFile))
			}
		}
		matches, err := filepath.Glob(filepath.Join(d, "runs-shard-*-of-*.csv"))
		if err != nil {
			return nil, err
		}
		for _, path := range matches {
			if strings.HasSuffix(path, partialExt) {
				continue
			}
			var i, n int
			if _, err := fmt.Sscanf(filepath.Base(path), "runs-shard-%d-of-%d.csv", &i, &n); err != nil || i < 1 || i > n {
				continue
			}
			if shards == 0 {
				shards = n
			}
			if n != shards {
				return nil, fmt.Errorf("sweep: %s is a shard of %d, others of %d", path, n, shards)
			}
			if prev, dup := seen[i]; dup {
				return nil, fmt.Errorf("sweep: shard %d/%d twice: %s and %s", i, n, prev, path)
			}
			seen[i] = path
			got, err := s.readRows(path)
			if err != nil {
				return nil, err
			}
			for run, r := range got {
				if run%n != i-1 {
					return nil, fmt.Errorf("sweep: %s holds run %d, which is not in shard %d/%d", path, run, i, n)
				}
				rows[run] = r
			}
		}
	}
	if shards == 0 {
		return nil, fmt.Errorf("sweep: no shard files runs-shard-I-of-N.csv in %s", strings.Join(append([]string{dir}, extra...), ", "))
	}
	for i := 1; i <= shards; i++ {
		if _, ok := seen[i]; !ok {
			return nil, fmt.Errorf("sweep: shard %d/%d missing (run it with -shard %d/%d)", i, shards, i, shards)
		}
	}
	if len(rows) != s.Runs() {
		return nil, fmt.Errorf("sweep: the shards hold %d of %d runs", len(rows), s.Runs())
	}
	if err := s.writeRuns(filepath.Join(dir, RunsFile), rows); err != nil {
		return nil, err
	}
	return s, s.writeSummary(dir, rows)
}
