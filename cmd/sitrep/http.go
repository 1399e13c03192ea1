package main

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net"
	"time"

	"github.com/spf13/pflag"

	"sitrep/model"
	"sitrep/store"
	"sitrep/ui/web"
)

// httpFlags are serve's flags for the HTTP listener: intake and the
// public status page beside the SSH server.
type httpFlags struct {
	addr, cert, key string
}

func (h *httpFlags) add(f *pflag.FlagSet) {
	f.StringVar(&h.addr, "http", "", "also serve HTTP intake and the public status page on this address (such as 127.0.0.1:8080)")
	f.StringVar(&h.cert, "tls-cert", "", "certificate file (PEM) to serve --http over TLS 1.2 or later, with HSTS")
	f.StringVar(&h.key, "tls-key", "", "private key file (PEM) for --tls-cert")
}

// check refuses flags that do not make a listener, before anything starts.
func (h *httpFlags) check() error {
	if (h.cert == "") != (h.key == "") {
		return usageError{model.Errorf("--tls-cert and --tls-key go together; give both, or neither for plain HTTP")}
	}
	if h.cert != "" && h.addr == "" {
		return usageError{model.Errorf("--tls-cert and --tls-key need --http ADDR to serve on")}
	}
	if h.cert != "" {
		if _, err := tls.LoadX509KeyPair(h.cert, h.key); err != nil {
			return model.Errorf("cannot use the TLS certificate and key: %v", err)
		}
	}
	return nil
}

// webServer is a running HTTP listener: done reports when it stopped on
// its own (an error), stop shuts it down.
type webServer struct {
	done chan error
	stop func()
}

// start listens on --http, if given.
func (h *httpFlags) start(st *store.Store, log *slog.Logger) (*webServer, error) {
	ws := &webServer{done: make(chan error, 1), stop: func() {}}
	if h.addr == "" {
		return ws, nil
	}
	srv, err := web.New(web.Config{Store: st, Log: log, TLS: h.cert != ""})
	if err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", h.addr)
	if err != nil {
		srv.Shutdown(context.Background())
		return nil, model.Errorf("cannot listen on %s for HTTP: %v", h.addr, err)
	}
	scheme := "http"
	if h.cert != "" {
		scheme = "https"
	}
	log.Info("sitrep serving HTTP", "addr", l.Addr().String(), "scheme", scheme, "status", scheme+"://"+l.Addr().String()+"/status")
	served := make(chan struct{})
	go func() {
		defer close(served)
		if err := srv.Serve(l, h.cert, h.key); err != nil {
			ws.done <- model.Errorf("the HTTP listener stopped: %v", err)
		}
	}()
	ws.stop = func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		<-served
	}
	return ws, nil
}
