//go:build mage

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/magefile/mage/sh"
)

// buildServerBench builds bin/panther and the load generator.
func buildServerBench() (panther, bench string, err error) {
	dir := filepath.Join("bin", "bench")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", "", err
	}
	panther, bench = filepath.Join(dir, "panther"), filepath.Join(dir, "serverbench")
	if err := sh.RunV("go", "build", "-o", panther, "./cmd/panther"); err != nil {
		return "", "", err
	}
	return panther, bench, sh.RunV("go", "build", "-o", bench, "./tools/serverbench")
}

// Server load-tests `panther server`: concurrent HTTP senders push synthetic CloudTrail with
// the bench rule corpus enabled and a webhook destination; it reports the sustained
// events/s, the p50/p99 latency from acceptance to alert delivery, the queue depth and the
// RSS. BENCH_DURATION (default 60s), BENCH_SENDERS (8), BENCH_BATCH (500 events per
// request), BENCH_RATE (0: as fast as accepted) tune it.
func (Bench) Server() error {
	panther, bench, err := buildServerBench()
	if err != nil {
		return err
	}
	return sh.RunV(bench, "-bin", panther, "-rules", "internal/pyrun/testdata/bench_rules",
		"-duration", envString("BENCH_DURATION", "60s"), "-senders", strconv.Itoa(envInt("BENCH_SENDERS", 8)),
		"-batch", strconv.Itoa(envInt("BENCH_BATCH", 500)), "-rate", strconv.Itoa(envInt("BENCH_RATE", 0)))
}

// Soak runs the server at a steady 2,000 events/s (BENCH_RATE) for an hour (BENCH_DURATION)
// and writes RSS, open files and queue depth every 30s to bin/bench/soak.csv.
func (Bench) Soak() error {
	panther, bench, err := buildServerBench()
	if err != nil {
		return err
	}
	out := filepath.Join("bin", "bench", "soak.csv")
	if err := sh.RunV(bench, "-bin", panther, "-rules", "internal/pyrun/testdata/bench_rules",
		"-duration", envString("BENCH_DURATION", "1h"), "-rate", strconv.Itoa(envInt("BENCH_RATE", 2000)),
		"-senders", "4", "-batch", "200", "-sample", "30s", "-warmup", "1m", "-csv", out); err != nil {
		return err
	}
	fmt.Println("samples in", out)
	return nil
}

// Crash pushes numbered events while killing the server with SIGKILL at random moments
// (CRASH_ROUNDS, default 20), then checks with SQL that every acknowledged event is in the
// lake exactly once and that the alerts are those of a clean run. CI runs it with 3 rounds
// as part of the normal tests.
func (Test) Crash() error {
	return sh.RunWithV(map[string]string{"PANTHER_CRASH_ROUNDS": strconv.Itoa(envInt("CRASH_ROUNDS", 20))},
		"go", "test", "-count=1", "-run", "^TestCrash$", "-v", "-timeout", "30m", "./cmd/panther")
}

func envString(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
