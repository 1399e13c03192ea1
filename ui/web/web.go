// Package web is sitrep's HTTP face, beside the terminal one: intake
// endpoints that declare incidents from Alertmanager and from reports,
// and the public status page. It uses the standard library's net/http
// only, shares the store with the SSH server, and writes through the same
// store methods (and so the same authorisation and audit) as every other
// interface. It imports no Bubble Tea.
package web

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sitrep/ssh/limit"
	"strings"
	"time"

	"sitrep/model"
	"sitrep/store"
)

// MaxBody is the largest request body accepted; larger gets 413.
const MaxBody = 1 << 20

// Config is what the HTTP server needs.
type Config struct {
	Store *store.Store
	Log   *slog.Logger
	// TLS is set when the listener serves TLS: responses then carry HSTS.
	TLS bool
	// IntakeRate and IntakeBurst bound intake requests per client
	// address; PageRate and PageBurst the status page's.
	IntakeRate, PageRate   float64
	IntakeBurst, PageBurst int
}

// Server serves intake and the status page.
type Server struct {
	cfg     Config
	srv     *http.Server
	intake  *limit.PerAddress
	page    *limit.PerAddress
	refused *limit.Audit // refusals in the audit log: each address, path and reason once a minute
	status  *statusCache
}

// New builds the server; Serve starts it.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil {
		return nil, errors.New("web: no store")
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.IntakeRate <= 0 {
		cfg.IntakeRate, cfg.IntakeBurst = 10, 40
	}
	if cfg.PageRate <= 0 {
		cfg.PageRate, cfg.PageBurst = 10, 40
	}
	s := &Server{
		cfg:     cfg,
		intake:  limit.NewPerAddress(cfg.IntakeRate, max(1, cfg.IntakeBurst)),
		page:    limit.NewPerAddress(cfg.PageRate, max(1, cfg.PageBurst)),
		refused: limit.NewAudit(1, 5, 20, 50, time.Minute),
		status:  newStatusCache(cfg.Store),
	}
	s.srv = &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    32 << 10,
		ErrorLog:          slog.NewLogLogger(cfg.Log.Handler(), slog.LevelWarn),
		TLSConfig:         TLSConfig(),
	}
	return s, nil
}

// TLSConfig is the TLS the server speaks: 1.2 or later.
func TLSConfig() *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12}
}

// Serve answers on l until Shutdown; with certFile and keyFile it speaks
// TLS.
func (s *Server) Serve(l net.Listener, certFile, keyFile string) error {
	var err error
	if certFile != "" {
		err = s.srv.ServeTLS(l, certFile, keyFile)
	} else {
		err = s.srv.Serve(l)
	}
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown stops accepting, lets requests in flight finish until ctx
// ends, then closes what is left.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	if err != nil {
		s.srv.Close()
	}
	s.status.close()
	return err
}

// Handler routes requests. Every path not named here is 404.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /intake/alertmanager", s.limited(s.intake, s.authed(s.alertmanager)))
	mux.HandleFunc("POST /intake/report", s.limited(s.intake, s.authed(s.report)))
	mux.HandleFunc("GET /status", s.limited(s.page, s.statusHTML))
	mux.HandleFunc("GET /status.json", s.limited(s.page, s.statusJSON))
	mux.HandleFunc("GET /status.atom", s.limited(s.page, s.statusAtom))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, http.StatusNotFound, "there is nothing at this path; sitrep serves /status, /status.json, /status.atom and POST /intake/…")
	})
	return s.headers(mux)
}

// headers sets what every answer carries, and recovers a panicking
// handler into a 500 that says nothing internal.
func (s *Server) headers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
		if s.cfg.TLS {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.cfg.Log.Error("http handler panic", "path", model.SanitizeLine(r.URL.Path), "panic", v)
				s.fail(w, http.StatusInternalServerError, "sitrep failed to answer; the server log says why")
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// limited answers 429 to an address past its rate.
func (s *Server) limited(l *limit.PerAddress, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !l.Allow(hostOf(r.RemoteAddr), time.Now()) {
			w.Header().Set("Retry-After", "1")
			s.fail(w, http.StatusTooManyRequests, "too many requests from this address; slow down")
			return
		}
		next(w, r)
	}
}

type actorKey struct{}

// authed admits a request with a valid bearer token, as the member the
// token names. Others get 401 and, rate-limited, an intake_refused event.
func (s *Server) authed(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		secret, ok := bearer(r.Header.Get("Authorization"))
		reason := "no bearer token"
		if ok {
			tok, err := s.cfg.Store.TokenBySecret(r.Context(), secret)
			switch {
			case err == nil:
				act := model.TokenActor(tok.Name, r.RemoteAddr)
				next(w, r.WithContext(context.WithValue(r.Context(), actorKey{}, act)))
				return
			case errors.Is(err, store.ErrBadToken):
				reason = "a token that is not valid"
			default:
				s.cfg.Log.Error("token lookup", "err", err)
				s.fail(w, http.StatusServiceUnavailable, "sitrep cannot check the token now; try again")
				return
			}
		}
		ip := hostOf(r.RemoteAddr)
		if s.refused.Allow(ip, ip+" "+r.URL.Path+" "+reason, time.Now()) {
			c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := s.cfg.Store.RecordIntakeRefused(c, "http:"+r.RemoteAddr, r.URL.Path, reason); err != nil {
				s.cfg.Log.Error("audit refused intake", "err", err)
			}
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="sitrep intake"`)
		s.fail(w, http.StatusUnauthorized, "the request has "+reason+"; send Authorization: Bearer TOKEN with a token from sitrep token add")
	}
}

func actorOf(r *http.Request) model.Actor {
	a, _ := r.Context().Value(actorKey{}).(model.Actor)
	return a
}

// bearer takes the token from an Authorization header.
func bearer(h string) (string, bool) {
	scheme, tok, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	return tok, tok != ""
}

// fail answers an error as one JSON line: {"error": "..."}.
func (s *Server) fail(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	b, _ := json.Marshal(map[string]string{"error": model.SanitizeLine(msg)})
	w.Write(append(b, '\n'))
}

// answer writes v as JSON.
func answer(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.Encode(v)
}

func hostOf(addr string) string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return host
}
