package cli

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/pantherlabs/panther/internal/config"
	"github.com/pantherlabs/panther/internal/runtime"
)

// settingsFlag is a repeatable KEY=VALUE flag (values may hold commas).
type settingsFlag []string

func (s *settingsFlag) String() string { return fmt.Sprint([]string(*s)) }

func (s *settingsFlag) Set(v string) error {
	*s = append(*s, v)
	return nil
}

// runServer runs `panther server` until SIGINT or SIGTERM; a second signal exits at once.
func runServer(ctx context.Context, env *Env, args []string) int {
	f := newFlags(env, "server", "server [--config FILE] [--data-dir D] [--listen ADDR] [--demo] [--set KEY=VALUE]...")
	file := f.String("config", "", "YAML configuration file (keys and defaults: docs/configuration.md)")
	dataDir := f.String("data-dir", "", "data directory (default $PANTHER_DATA_DIR, else ./panther-data)")
	listen := f.String("listen", "", "HTTP listen address (default 127.0.0.1:8080)")
	demo := f.Bool("demo", false, "create demo sources and detections and keep feeding sample logs")
	var sets settingsFlag
	f.Var(&sets, "set", "set a configuration key, e.g. --set lake.flush_interval=30s (repeatable)")
	pos, code, ok := f.parse(args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		fmt.Fprintf(env.Stderr, "panther server: unexpected arguments %q\n", pos)
		f.Usage()
		return ExitUsage
	}
	// The flags of their own win over --set, which wins over the environment and the file.
	if *dataDir != "" {
		sets = append(sets, "data_dir="+*dataDir)
	}
	if *listen != "" {
		sets = append(sets, "listen="+*listen)
	}
	cfg, err := config.Load(config.Sources{File: *file, Getenv: env.Getenv, Sets: sets})
	if err != nil {
		fmt.Fprintf(env.Stderr, "panther server: configuration:\n%v\n", err)
		return ExitUsage
	}
	srv, err := runtime.New(runtime.Options{Config: cfg, Logger: runtime.NewLogger(env.Stderr, cfg.Log),
		Stdout: env.Stdout, Stderr: env.Stderr, Demo: *demo,
		AdminEmail: env.Getenv("PANTHER_ADMIN_EMAIL"), AdminPassword: env.Getenv("PANTHER_ADMIN_PASSWORD"),
		CloudSink: runtime.ServerCloudSink})
	if err != nil {
		return errorf(env, "server: %v", err)
	}
	if err := srv.Start(ctx); err != nil {
		return errorf(env, "server: %v", err)
	}
	select {
	case <-ctx.Done():
	case <-srv.Done():
	}
	// A second signal ends the process at once, without waiting for the drain.
	again := make(chan os.Signal, 1)
	signal.Notify(again, os.Interrupt, syscall.SIGTERM)
	stopped := make(chan struct{})
	defer func() {
		signal.Stop(again)
		close(stopped)
	}()
	go func() {
		select {
		case <-again:
			fmt.Fprintln(env.Stderr, "panther server: second signal: exiting now")
			os.Exit(ExitError)
		case <-stopped:
		}
	}()
	sctx, cancel := context.WithTimeout(context.Background(), cfg.HTTP.ShutdownTimeout.Std())
	defer cancel()
	serr := srv.Shutdown(sctx)
	if err := srv.Err(); err != nil {
		return errorf(env, "server: %v", err)
	}
	if serr != nil {
		return errorf(env, "server: shutdown: %v", serr)
	}
	return ExitOK
}
