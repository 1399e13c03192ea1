package ssh

import (
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	uv "github.com/charmbracelet/ultraviolet"
)

// The console's keyboard reads what clients send as Bubble Tea's own
// reader did: keys, modified keys, a lone escape, alt+key, pastes whole,
// sequences split across reads, and replies to the console's queries.
func TestKeyboardDecodes(t *testing.T) {
	for _, tc := range []struct {
		name  string
		reads []string
		want  []string
	}{
		{"letters", []string{"qj"}, []string{"key q", "key j"}},
		{"arrow", []string{"\x1b[A"}, []string{"key up"}},
		{"arrow split across reads", []string{"\x1b[", "B"}, []string{"key down"}},
		{"enter and tab", []string{"\r\t"}, []string{"key enter", "key tab"}},
		{"ctrl+c", []string{"\x03"}, []string{"key ctrl+c"}},
		{"lone escape", []string{"\x1b"}, []string{"key esc"}},
		{"alt+key", []string{"\x1bx"}, []string{"key alt+x"}},
		{"modifyOtherKeys ctrl+i", []string{"\x1b[27;5;105~"}, []string{"key ctrl+i"}},
		{"kitty shift+tab", []string{"\x1b[9;2u"}, []string{"key shift+tab"}},
		{"paste", []string{"\x1b[200~two\nlines\x1b[201~"}, []string{"paste start", "paste \"two\\nlines\"", "paste end"}},
		{"paste split", []string{"\x1b[200~ab", "c\x1b[20", "1~x"}, []string{"paste start", "paste \"abc\"", "paste end", "key x"}},
		{"background colour reply", []string{"\x1b]11;rgb:ffff/ffff/ffff\x1b\\"}, []string{"background"}},
		{"unknown sequence dropped", []string{"\x1b[999;999;999zq"}, []string{"key q"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, w := io.Pipe()
			got := make(chan string, 64)
			done := make(chan struct{})
			go func() {
				defer close(done)
				(&keyboard{}).run(context.Background(), r, func(m tea.Msg) { got <- describe(m) })
			}()
			for _, s := range tc.reads {
				if _, err := w.Write([]byte(s)); err != nil {
					t.Fatal(err)
				}
			}
			w.Close() // the end of input sends what is pending
			<-done
			close(got)
			var all []string
			for g := range got {
				all = append(all, g)
			}
			if fmt.Sprint(all) != fmt.Sprint(tc.want) {
				t.Errorf("got %q, want %q", all, tc.want)
			}
		})
	}
}

func describe(m tea.Msg) string {
	switch m := m.(type) {
	case uv.KeyPressEvent:
		return "key " + m.String()
	case uv.PasteStartEvent:
		return "paste start"
	case uv.PasteEndEvent:
		return "paste end"
	case uv.PasteEvent:
		return fmt.Sprintf("paste %q", m.Content)
	case uv.BackgroundColorEvent:
		return "background"
	}
	return fmt.Sprintf("%T", m)
}

// An escape with nothing after it is the escape key once the rest of a
// sequence has had time to come, without waiting for more input.
func TestKeyboardLoneEscapeTimesOut(t *testing.T) {
	r, w := io.Pipe()
	defer w.Close()
	got := make(chan string, 4)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go (&keyboard{}).run(ctx, r, func(m tea.Msg) { got <- describe(m) })
	if _, err := w.Write([]byte("\x1b")); err != nil {
		t.Fatal(err)
	}
	select {
	case g := <-got:
		if g != "key esc" {
			t.Fatalf("got %q, want the escape key", g)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a lone escape was not delivered while the input stayed open")
	}
}
