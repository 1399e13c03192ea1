// Package store keeps sitrep's state in one SQLite file (modernc.org/sqlite,
// pure Go). It is the only package that writes: one method per user action,
// each checking the actor's role through the model, validating, changing
// state and appending its event in one immediate transaction. It also
// carries the change feed, backups and the policy.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"sitrep/model"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Store is an open database. It is safe for concurrent use by many
// goroutines; several processes may open the same file.
type Store struct {
	path  string
	dsn   string      // file URI without parameters
	w     *sql.DB     // one connection, BEGIN IMMEDIATE
	r     *sql.DB     // query_only readers
	clock model.Clock // the real clock (or a test's)
	feed  *Feed
	// sim is the exercise's simulated clock, nil on a live database; kept
	// current by every write and by the change poller, so asking the time
	// never queries.
	sim atomic.Pointer[model.SimClock]
	// scenario is the exercise's parsed scenario, once read.
	scenario atomic.Pointer[model.Scenario]

	// replicated: Litestream replicates this database from this
	// process and owns its checkpoints (see WithReplication).
	replicated bool

	pollOnce  sync.Once
	closeOnce sync.Once
	stop      chan struct{}
	pollDone  chan struct{}
}

// Option configures Open.
type Option func(*Store)

// WithClock sets the clock the store stamps writes with (tests, exercises).
func WithClock(c model.Clock) Option { return func(s *Store) { s.clock = c } }

// DefaultPath is where sitrep keeps its database when neither --db nor
// SITREP_DB says: $XDG_DATA_HOME/sitrep/sitrep.db, falling back to
// ~/.local/share/sitrep/sitrep.db.
func DefaultPath() (string, error) {
	if x := os.Getenv("XDG_DATA_HOME"); x != "" && filepath.IsAbs(x) {
		return filepath.Join(x, "sitrep", "sitrep.db"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("no home directory to keep the database in; give --db PATH: %w", err)
	}
	return filepath.Join(home, ".local", "share", "sitrep", "sitrep.db"), nil
}

// Open opens (creating if needed, with its directory) the database at path
// and brings its schema up to date.
func Open(ctx context.Context, path string, opts ...Option) (*Store, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("resolve database path %q: %w", path, err)
	}
	if fi, err := os.Stat(abs); err == nil && fi.IsDir() {
		return nil, model.Errorf("%s is a directory; give the path of a database file", abs)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
		return nil, model.Errorf("cannot create the database directory %s: %v", filepath.Dir(abs), err)
	}
	// Incident files hold breach facts: only the owner may read them.
	// SQLite gives the -wal and -shm files the same mode.
	if f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
		f.Close()
	}
	s := &Store{path: abs, clock: model.SystemClock{}, stop: make(chan struct{}), pollDone: make(chan struct{})}
	for _, o := range opts {
		o(s)
	}
	s.feed = newFeed()
	base := (&url.URL{Scheme: "file", Path: abs}).String()
	s.dsn = base
	if err := enableWAL(ctx, base); err != nil {
		return nil, damaged(abs, fmt.Errorf("open %s: %w", abs, err))
	}
	// journal_mode is a property of the file, set once above; the rest are
	// per connection.
	pragmas := "_pragma=busy_timeout(10000)&_pragma=foreign_keys(ON)&_pragma=synchronous(FULL)"
	// The writer does not wait inside SQLite for another process's write
	// lock: begin does, polling often enough to win it (see begin).
	wpragmas := strings.Replace(pragmas, "busy_timeout(10000)", "busy_timeout(0)", 1)
	if s.replicated {
		wpragmas += "&_pragma=wal_autocheckpoint(0)"
	}
	if s.w, err = sql.Open("sqlite", base+"?"+wpragmas+"&_txlock=immediate"); err != nil {
		return nil, fmt.Errorf("open %s: %w", abs, err)
	}
	s.w.SetMaxOpenConns(1)
	s.w.SetMaxIdleConns(1)
	s.w.SetConnMaxIdleTime(0)
	if s.r, err = sql.Open("sqlite", base+"?"+pragmas+"&_pragma=query_only(1)"); err != nil {
		s.w.Close()
		return nil, fmt.Errorf("open %s: %w", abs, err)
	}
	s.r.SetMaxOpenConns(s.readers())
	s.r.SetMaxIdleConns(s.readers())
	if err := s.migrate(ctx); err != nil {
		s.w.Close()
		s.r.Close()
		return nil, damaged(abs, err)
	}
	if err := s.loadSim(ctx); err != nil {
		s.w.Close()
		s.r.Close()
		return nil, err
	}
	return s, nil
}

// readers is the size of the read pool.
func (s *Store) readers() int { return max(4, runtime.NumCPU()) }

// OpenReaders opens every connection of the read pool now, rather than
// when load first needs it. A server calls it at start: the first burst of
// sessions then pays for no connection opening, and the process's file
// descriptors stay where they were after start-up, so a descriptor more
// later is a leak, not a connection the pool chose to open.
func (s *Store) OpenReaders(ctx context.Context) error {
	conns := make([]*sql.Conn, 0, s.readers())
	defer func() {
		for _, c := range conns {
			c.Close() // back to the pool, which keeps every one idle
		}
	}()
	for range s.readers() {
		c, err := s.r.Conn(ctx)
		if err != nil {
			return fmt.Errorf("open readers of %s: %w", s.path, err)
		}
		conns = append(conns, c)
		if err := c.PingContext(ctx); err != nil {
			return fmt.Errorf("open readers of %s: %w", s.path, err)
		}
	}
	return nil
}

// damaged turns SQLite's word for a file that is not a database, or a
// damaged one, into a sentence that says what to do; other errors pass.
func damaged(path string, err error) error {
	msg := err.Error()
	if !strings.Contains(msg, "file is not a database") && !strings.Contains(msg, "database disk image is malformed") {
		return err
	}
	return model.Errorf("%s is not a sitrep database or is damaged; move it aside and copy your latest backup (made with sitrep backup) to that path", model.SanitizeLine(path))
}

// Path is the absolute path of the database file.
func (s *Store) Path() string { return s.path }

// Clock is the time of this database: the real clock, or on an exercise
// database the simulated one every process on it agrees on.
func (s *Store) Clock() model.Clock { return storeClock{s} }

type storeClock struct{ s *Store }

func (c storeClock) Now() time.Time {
	real := c.s.clock.Now()
	if sim := c.s.sim.Load(); sim != nil {
		return sim.Now(real)
	}
	return real
}

// now is the write time, in whole seconds: what is shown is what is stored.
func (s *Store) now() time.Time { return s.Clock().Now().UTC().Truncate(time.Second) }

// Close stops the feed poller and closes the database.
func (s *Store) Close() error {
	var err error
	s.closeOnce.Do(func() {
		close(s.stop)
		s.pollOnce.Do(func() {}) // no poller may start after this
		if s.feed.polling() {
			<-s.pollDone
		}
		s.feed.close()
		err = errors.Join(s.r.Close(), s.w.Close())
	})
	return err
}

// enableWAL puts the file in WAL mode. Switching needs an exclusive lock
// for which SQLite does not wait (busy_timeout does not apply), so when
// several processes open a new file at once it is retried here.
func enableWAL(ctx context.Context, base string) error {
	db, err := sql.Open("sqlite", base+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return err
	}
	defer db.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var mode string
		err := db.QueryRowContext(ctx, "PRAGMA journal_mode=WAL").Scan(&mode)
		switch {
		case err == nil && strings.EqualFold(mode, "wal"):
			return nil
		case err == nil:
			return fmt.Errorf("the database stays in %s mode; WAL is needed", mode)
		case isBusy(err) && time.Now().Before(deadline):
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(10 * time.Millisecond):
			}
		default:
			return fmt.Errorf("enable WAL: %w", err)
		}
	}
}

// migrationFiles are the embedded migrations in the order they apply.
func migrationFiles() ([]string, error) {
	files, err := fs.Glob(migrationFS, "migrations/*.sql")
	sort.Strings(files)
	return files, err
}

func (s *Store) migrate(ctx context.Context) error {
	files, err := migrationFiles()
	if err != nil {
		return err
	}
	// Read without a lock first: a database already at the newest schema
	// (every open but the first) takes no write lock at all, so opening
	// never waits behind another process's stream of writes.
	var have int
	if err := s.r.QueryRowContext(ctx, "PRAGMA user_version").Scan(&have); err != nil {
		return fmt.Errorf("read schema version of %s: %w", s.path, err)
	}
	for i, f := range files {
		version := i + 1
		if !strings.HasPrefix(filepath.Base(f), fmt.Sprintf("%04d_", version)) {
			return fmt.Errorf("migration %s is out of sequence", f)
		}
		if version <= have {
			continue
		}
		body, err := migrationFS.ReadFile(f)
		if err != nil {
			return err
		}
		if err := s.applyMigration(ctx, version, string(body)); err != nil {
			return fmt.Errorf("migrate %s to version %d: %w", s.path, version, err)
		}
	}
	var v int
	if err := s.r.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return fmt.Errorf("read schema version of %s: %w", s.path, err)
	}
	if v > len(files) {
		return model.Errorf("%s was written by a newer sitrep (schema %d, this one knows %d); upgrade sitrep", s.path, v, len(files))
	}
	return nil
}

func (s *Store) applyMigration(ctx context.Context, version int, body string) error {
	tx, err := s.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var cur int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&cur); err != nil {
		return err
	}
	if cur >= version {
		return nil // another process got here first
	}
	if _, err := tx.ExecContext(ctx, body); err != nil {
		return err
	}
	if version == 1 {
		pol := model.DefaultPolicy()
		now := strconv.FormatInt(s.now().Unix(), 10)
		if _, err := tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES ('mode','live'), ('policy', ?), ('created_at', ?)`,
			string(pol.JSON()), now); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", version)); err != nil {
		return err
	}
	return tx.Commit()
}
