package store

import (
	"context"
	"path/filepath"
	"testing"
)

// While Litestream replicates, it owns checkpoints: the store's writer
// never checkpoints on its own. Otherwise SQLite's default stands.
func TestReplicationOwnsCheckpoints(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		opts []Option
		want int
	}{{nil, 1000}, {[]Option{WithReplication()}, 0}} {
		st, err := Open(ctx, filepath.Join(t.TempDir(), "s.db"), tc.opts...)
		if err != nil {
			t.Fatal(err)
		}
		var n int
		if err := st.w.QueryRowContext(ctx, "PRAGMA wal_autocheckpoint").Scan(&n); err != nil {
			t.Fatal(err)
		}
		st.Close()
		if n != tc.want {
			t.Errorf("replicated %v: wal_autocheckpoint %d, want %d", tc.opts != nil, n, tc.want)
		}
	}
}
