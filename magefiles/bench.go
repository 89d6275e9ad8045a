//go:build mage

package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/magefile/mage/mg"
	"github.com/magefile/mage/sh"
)

// Bench groups the benchmark targets.
type Bench mg.Namespace

// E2E measures `panther ingest` end to end on generated CloudTrail logs: events/s, MB/s and
// peak RSS on 1 and 2 cores. BENCH_MB sets the input size (default 2048), BENCH_TYPES=all
// enables every log type instead of AWS.CloudTrail only.
func (Bench) E2E() error {
	sizeMB := envInt("BENCH_MB", 2048)
	dir := filepath.Join("bin", "bench")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	bin := filepath.Join(dir, "panther")
	if err := sh.RunV("go", "build", "-o", bin, "./cmd/panther"); err != nil {
		return err
	}
	input := filepath.Join(dir, fmt.Sprintf("cloudtrail-%dMB.json", sizeMB))
	if _, err := os.Stat(input); err != nil {
		// About 1,290 bytes per event.
		n := sizeMB << 20 / 1290
		fmt.Printf("generating %d CloudTrail events (%d MB) into %s\n", n, sizeMB, input)
		f, err := os.Create(input + ".tmp")
		if err != nil {
			return err
		}
		cmd := exec.Command("go", "run", "./tools/synth", "-type", "cloudtrail", "-n", strconv.Itoa(n))
		cmd.Stdout, cmd.Stderr = f, os.Stderr
		if err := cmd.Run(); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		if err := os.Rename(input+".tmp", input); err != nil {
			return err
		}
	}
	st, err := os.Stat(input)
	if err != nil {
		return err
	}
	args := []string{"--log-type", "AWS.CloudTrail"}
	if os.Getenv("BENCH_TYPES") == "all" {
		args = nil
	}
	cores := []int{1, 2}
	if runtime.NumCPU() < 2 {
		cores = []int{1}
	}
	types := "AWS.CloudTrail"
	if args == nil {
		types = "all"
	}
	fmt.Printf("\ninput: %s (%.0f MB), log types enabled: %s\n", input, float64(st.Size())/1e6, types)
	fmt.Println("cores  events      seconds  events/s  events/s/core  MB/s    peak RSS")
	for _, c := range cores {
		data := filepath.Join(dir, "data")
		os.RemoveAll(data)
		cpus := make([]string, c)
		for i := range cpus {
			cpus[i] = strconv.Itoa(i)
		}
		cmdArgs := append([]string{"-c", strings.Join(cpus, ","), bin, "ingest", "--quiet=false", "--data-dir", data}, args...)
		cmdArgs = append(cmdArgs, input)
		cmd := exec.Command("taskset", cmdArgs...)
		cmd.Env = append(os.Environ(), fmt.Sprintf("GOMAXPROCS=%d", c))
		start := time.Now()
		out, err := cmd.CombinedOutput()
		el := time.Since(start)
		if err != nil {
			return fmt.Errorf("ingest on %d cores: %v\n%s", c, err, out)
		}
		events := parseEvents(string(out))
		rss := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss // KiB
		fmt.Printf("%-6d %-11d %-8.2f %-9.0f %-14.0f %-7.1f %d MB\n", c, events, el.Seconds(),
			float64(events)/el.Seconds(), float64(events)/el.Seconds()/float64(c),
			float64(st.Size())/1e6/el.Seconds(), rss/1024)
		os.RemoveAll(data)
	}
	fmt.Println("\nreference: the original Panther log processor does about 25,000 CloudTrail events/s per core on this machine kind")
	return nil
}

var totalRE = regexp.MustCompile(`(?m)^\s*total\s+(\d+)`)

func parseEvents(out string) int64 {
	m := totalRE.FindStringSubmatch(out)
	if m == nil {
		return 0
	}
	n, _ := strconv.ParseInt(m[1], 10, 64)
	return n
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// Fuzz runs every fuzz target of the module for FUZZTIME (default 10s) each.
func Fuzz() error {
	fuzztime := os.Getenv("FUZZTIME")
	if fuzztime == "" {
		fuzztime = "10s"
	}
	targets, err := fuzzTargets()
	if err != nil {
		return err
	}
	pkgs := make([]string, 0, len(targets))
	for p := range targets {
		pkgs = append(pkgs, p)
	}
	sort.Strings(pkgs)
	for _, pkg := range pkgs {
		for _, fn := range targets[pkg] {
			fmt.Printf("== %s %s (%s)\n", pkg, fn, fuzztime)
			if err := sh.RunV("go", "test", "-run", "^$", "-fuzz", "^"+fn+"$", "-fuzztime", fuzztime, pkg); err != nil {
				return fmt.Errorf("%s %s: %w", pkg, fn, err)
			}
		}
	}
	return nil
}

var fuzzRE = regexp.MustCompile(`^func (Fuzz\w+)\(`)

// fuzzTargets finds the Fuzz functions of every package under internal/.
func fuzzTargets() (map[string][]string, error) {
	out := make(map[string][]string)
	err := filepath.WalkDir("internal", func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		s := bufio.NewScanner(f)
		for s.Scan() {
			if m := fuzzRE.FindStringSubmatch(s.Text()); m != nil {
				pkg := "./" + filepath.Dir(path)
				out[pkg] = append(out[pkg], m[1])
			}
		}
		return s.Err()
	})
	return out, err
}
