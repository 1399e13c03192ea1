package ssh

import (
	"bytes"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// filterAll reads in through an idleInput in reads of random sizes.
func filterAll(t *testing.T, in []byte, seed uint64) []byte {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	src := &chunkReader{b: in, rng: rng}
	ii := &idleInput{r: src}
	var out []byte
	buf := make([]byte, 64)
	for {
		n, err := ii.Read(buf[:1+rng.IntN(len(buf))])
		out = append(out, buf[:n]...)
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

type chunkReader struct {
	b   []byte
	rng *rand.Rand
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), 1+c.rng.IntN(40))], c.b)
	c.b = c.b[n:]
	return n, nil
}

func TestPasteCap(t *testing.T) {
	big := strings.Repeat("0123456789", 20_000) // 200 KB
	tests := []struct{ name, in, want string }{
		{"keys pass", "abc\x1b[Ax\x1b", "abc\x1b[Ax\x1b"},
		{"small paste passes", "a\x1b[200~hello\nworld\x1b[201~b", "a\x1b[200~hello\nworld\x1b[201~b"},
		{"escapes inside a paste pass", "\x1b[200~x\x1b[20y\x1b[201z\x1b\x1b[201~k", "\x1b[200~x\x1b[20y\x1b[201z\x1b\x1b[201~k"},
		{"a big paste is cut", "\x1b[200~" + big + "\x1b[201~after", "\x1b[200~" + big[:MaxPaste] + "\x1b[201~after"},
		{"an endless paste is bounded", "\x1b[200~" + big + big, "\x1b[200~" + big[:MaxPaste]},
		{"two pastes each get the cap", "\x1b[200~" + big + "\x1b[201~\x1b[200~" + big + "\x1b[201~",
			"\x1b[200~" + big[:MaxPaste] + "\x1b[201~\x1b[200~" + big[:MaxPaste] + "\x1b[201~"},
	}
	for _, tt := range tests {
		for seed := range uint64(20) {
			if got := filterAll(t, []byte(tt.in), seed); !bytes.Equal(got, []byte(tt.want)) {
				t.Errorf("%s (seed %d): got %d bytes %.60q…, want %d bytes %.60q…", tt.name, seed, len(got), got, len(tt.want), tt.want)
				break
			}
		}
	}
}

// A lone ESC key is handed on at once, not held for the next byte.
func TestPasteCapHoldsNoKey(t *testing.T) {
	ii := &idleInput{r: strings.NewReader("\x1b")}
	buf := make([]byte, 8)
	if n, _ := ii.Read(buf); n != 1 || buf[0] != 0x1b {
		t.Fatalf("ESC: read %d bytes %q", n, buf[:n])
	}
}

// What a paste drops past the cap does not count as typing, so an endless
// paste does not keep a session from its idle timeout.
func TestDroppedPasteIsNotTyping(t *testing.T) {
	in := "\x1b[200~" + strings.Repeat("x", MaxPaste)
	ii := &idleInput{r: io.MultiReader(strings.NewReader(in), strings.NewReader(strings.Repeat("y", 4096)))}
	buf := make([]byte, len(in))
	if _, err := io.ReadFull(ii, buf); err != nil {
		t.Fatal(err)
	}
	before := time.Unix(0, ii.last.Load())
	time.Sleep(2 * time.Millisecond)
	if n, err := ii.Read(buf); n != 0 || err != io.EOF {
		t.Fatalf("read past the cap: %d bytes, %v; want nothing until the end", n, err)
	}
	if after := time.Unix(0, ii.last.Load()); !after.Equal(before) {
		t.Errorf("dropped paste bytes moved the last-typed time from %v to %v", before, after)
	}
}
