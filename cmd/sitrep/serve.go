package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"sitrep/model"
	sshd "sitrep/ssh"
	"sitrep/store"
	"sitrep/ui"
)

// remoteExec runs a command line for an SSH session: a fresh command tree
// per call (no flag state shared between sessions), acting as the
// session's user, without serve, backup, --db or --as.
func remoteExec(st *store.Store) sshd.Exec {
	return func(ctx context.Context, actor model.Actor, args []string, in io.Reader, out, errOut io.Writer) int {
		return execute(ctx, config{store: st, actor: &actor, in: in, out: out, errOut: errOut}, args)
	}
}

func (a *app) serveCmd() *cobra.Command {
	var (
		listen, hostKey string
		pprofAddr       string
		caFile          string
		cfg             sshd.Config
		httpFlags       httpFlags
		backups         serveBackups
		replica         string
	)
	c := &cobra.Command{
		Use:   "serve [--listen ADDR] [--host-key PATH] [--http ADDR [--tls-cert F --tls-key F]]",
		Short: "Serve the console and the command line over SSH, by key and role",
		Example: `  sitrep user add alice --role admin --key-file alice.pub
  sitrep serve --listen :2222
  ssh -p 2222 localhost            # the console
  ssh -p 2222 localhost list --json
  sitrep serve --http 127.0.0.1:8080   # intake and the public status page too`,
		Args: args(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := readTrustedCAs(caFile, &cfg); err != nil {
				return err
			}
			if err := backups.check(); err != nil {
				return err
			}
			if replica != "" {
				a.storeOpts = append(a.storeOpts, store.WithReplication())
			}
			st, err := a.store()
			if err != nil {
				return err
			}
			if hostKey == "" {
				// Beside the database it serves: another database is
				// another server, with a key of its own.
				hostKey = filepath.Join(filepath.Dir(st.Path()), "ssh_host_ed25519_key")
			}
			key, err := sshd.HostKey(hostKey)
			if err != nil {
				return model.Errorf("cannot use the host key: %v", err)
			}
			if pprofAddr != "" {
				stop, err := servePprof(pprofAddr)
				if err != nil {
					return err
				}
				defer stop()
			}
			if err := httpFlags.check(); err != nil {
				return err
			}
			log := slog.New(slog.NewTextHandler(a.cfg.errOut, nil))
			if err := st.OpenReaders(a.ctx); err != nil {
				return err
			}
			act, err := a.actor()
			if err != nil {
				return err
			}
			stopReplica, err := replicate(a.ctx, st, replica, log)
			if err != nil {
				return err
			}
			defer stopReplica()
			stopBackups, err := backups.start(a.ctx, st, act, log)
			if err != nil {
				return err
			}
			defer stopBackups()
			hub, err := ui.NewHub(a.ctx, st)
			if err != nil {
				return err
			}
			cfg.Store, cfg.Hub, cfg.Exec, cfg.HostKey = st, hub, remoteExec(st), key
			cfg.Log = log
			srv, err := sshd.New(cfg)
			if err != nil {
				return err
			}
			l, err := net.Listen("tcp", listen)
			if err != nil {
				return model.Errorf("cannot listen on %s: %v", listen, err)
			}
			cfg.Log.Info("sitrep serving", "addr", l.Addr().String(), "db", st.Path(), "host_key", hostKey)
			web, err := httpFlags.start(st, cfg.Log)
			if err != nil {
				l.Close()
				return err
			}
			defer web.stop()
			done := make(chan error, 1)
			go func() { done <- srv.Serve(l) }()
			select {
			case err := <-done:
				return err
			case err := <-web.done:
				srv.Shutdown(context.Background())
				<-done
				return err
			case <-a.ctx.Done():
			}
			cfg.Log.Info("shutting down", "sessions", srv.Sessions())
			sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
				cfg.Log.Warn("shutdown", "err", err)
			}
			<-done
			<-hub.Done()
			cfg.Log.Info("stopped")
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&listen, "listen", ":2222", "address to listen on")
	f.StringVar(&hostKey, "host-key", "", "host key file, generated once if missing (default: ssh_host_ed25519_key beside the database)")
	f.IntVar(&cfg.MaxSessions, "max-sessions", 1000, "most concurrent sessions")
	f.IntVar(&cfg.MaxConnSessions, "max-conn-sessions", 4, "most sessions per connection")
	f.Float64Var(&cfg.ConnRate, "conn-rate", 20, "new connections per second admitted from one address")
	f.IntVar(&cfg.ConnBurst, "conn-burst", 40, "burst of new connections admitted from one address")
	f.DurationVar(&cfg.IdleTimeout, "idle-timeout", 30*time.Minute, "end a console after this long without keyboard input")
	f.DurationVar(&cfg.MaxSessionTime, "max-session-time", 12*time.Hour, "end any session after this long")
	f.DurationVar(&cfg.HandshakeTimeout, "handshake-timeout", 10*time.Second, "drop connections that have not finished the handshake by then")
	httpFlags.add(f)
	f.StringVar(&caFile, "trusted-user-ca", "", "file of CA public keys whose user certificates sign users in (principal = user name)")
	f.StringVar(&pprofAddr, "pprof", "", "serve Go's profiler on this loopback address (for measuring)")
	_ = f.MarkHidden("pprof")
	backups.flags(f)
	f.StringVar(&replica, "replicate", "", "replicate every change with Litestream to this replica: file:///dir or s3://bucket/path")
	return c
}

// servePprof serves net/http/pprof on a loopback address only: profiles
// show memory contents and must not leave the machine.
func servePprof(addr string) (func(), error) {
	host, _, err := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		return nil, model.Errorf("--pprof needs a loopback address such as 127.0.0.1:6060, not %q", addr)
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, model.Errorf("cannot listen on %s for the profiler: %v", addr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(l)
	return func() { srv.Close() }, nil
}
