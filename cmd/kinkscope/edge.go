package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"kinkscope/sim"
	"kinkscope/sim/sweep"
)

// edgeCmd is `kinkscope edge`: η_max of one or more data draws, with its cost.
func edgeCmd(args []string, stdout, stderr io.Writer) int {
	fset := flag.NewFlagSet("edge", flag.ContinueOnError)
	fset.SetOutput(io.Discard)
	scenario := fset.String("scenario", "", "scenario `name` (see kinkscope list)")
	var settings settingFlags
	fset.Var(setFlag{&settings}, "set", "override a setting (`key=value`, repeatable)")
	dataSeeds := fset.String("data-seeds", "", "data `seeds` to calibrate (N, A-B or a list; empty: the scenario's own)")
	if err := fset.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, "usage: kinkscope edge -scenario NAME [-set key=value ...] [-data-seeds 1-20]")
			fset.SetOutput(stdout)
			fset.PrintDefaults()
			return exitOK
		}
		return fail(stderr, "edge: %v", err)
	}
	switch {
	case fset.NArg() > 0:
		return fail(stderr, "edge: unexpected argument %q", fset.Arg(0))
	case *scenario == "":
		return fail(stderr, "edge: -scenario is required (one of %s)", strings.Join(sim.ScenarioNames(), ", "))
	}
	cfg, errs := sim.DecodeSettings(*scenario, settings.kv)
	if len(errs) > 0 {
		return fail(stderr, "%s", trimSim(errs[0]))
	}
	seeds := []uint64{cfg.DataSeed}
	if *dataSeeds != "" {
		var err error
		if seeds, err = sweep.ParseSeeds(*dataSeeds); err != nil {
			return fail(stderr, "-data-seeds: %s", strings.TrimPrefix(err.Error(), "sweep: "))
		}
	}
	p := sim.DefaultEdgeProbe
	fmt.Fprintf(stdout, "# η_max: bisection over constant-step runs of %d steps on the %d probe seeds %d–%d (2⁵³+1…, never a run's seed), to %g %%\n",
		max(1, int(p.Frac*float64(cfg.Iters))), p.Seeds, sim.EdgeProbeSeed(1), sim.EdgeProbeSeed(p.Seeds), 100*p.RelTol)
	fmt.Fprintln(stdout, "data_seed,eta_max,unstable,runs,steps,seconds")
	for _, ds := range seeds {
		cfg.DataSeed = ds
		e, err := sim.FindEdge(cfg, p, nil)
		if err != nil {
			return fail(stderr, "%s", trimSim(err))
		}
		fmt.Fprintf(stdout, "%d,%v,%v,%d,%d,%.2f\n", ds, e.EtaMax, e.Unstable, e.Runs, e.Steps, e.Elapsed.Seconds())
	}
	return exitOK
}
