package main

// stripper turns a terminal output stream into the text it prints: it drops
// escape sequences (CSI, OSC, DCS/APC/PM/SOS strings, two-byte and
// charset escapes) and C0 controls, keeping printable bytes (UTF-8 text
// passes through). It keeps its state between calls, so a sequence split
// across reads is still dropped whole.
type stripper struct {
	state stripState
}

type stripState uint8

const (
	sGround   stripState = iota
	sEsc                 // after ESC
	sEscInter            // ESC then intermediates (0x20–0x2f), e.g. ESC ( B
	sCSI                 // ESC [ … final byte 0x40–0x7e
	sOSC                 // ESC ] … BEL or ST
	sString              // ESC P / X / ^ / _ … ST
)

const (
	esc = 0x1b
	bel = 0x07
	can = 0x18
	sub = 0x1a
)

// strip appends the printable text of p to dst and returns it.
func (s *stripper) strip(dst, p []byte) []byte {
	for _, c := range p {
		if c == can || c == sub { // cancel any sequence
			s.state = sGround
			continue
		}
		switch s.state {
		case sGround:
			switch {
			case c == esc:
				s.state = sEsc
			case c < 0x20 || c == 0x7f:
				// C0 control (CR, LF, BS, …): not text
			default:
				dst = append(dst, c)
			}
		case sEsc:
			switch {
			case c == esc:
				// ESC ESC: start again
			case c == '[':
				s.state = sCSI
			case c == ']':
				s.state = sOSC
			case c == 'P' || c == 'X' || c == '^' || c == '_':
				s.state = sString
			case c >= 0x20 && c <= 0x2f:
				s.state = sEscInter
			case c >= 0x30 && c <= 0x7e:
				s.state = sGround // ESC 7, ESC =, ESC M, ESC \ …
			default:
				// a C0 control inside an escape: ignored
			}
		case sEscInter:
			switch {
			case c == esc:
				s.state = sEsc
			case c >= 0x30 && c <= 0x7e:
				s.state = sGround
			}
		case sCSI:
			switch {
			case c == esc:
				s.state = sEsc
			case c >= 0x40 && c <= 0x7e:
				s.state = sGround
			}
		case sOSC:
			switch c {
			case bel:
				s.state = sGround
			case esc:
				s.state = sEsc // ESC \ ends it (and ESC anything else aborts it)
			}
		case sString:
			if c == esc {
				s.state = sEsc
			}
		}
	}
	return dst
}

// matcher finds markers in a stream of stripped text that arrives in
// pieces: it keeps the tail of what it has seen so a marker split across
// pieces is found. Positions count every byte added since the start.
type matcher struct {
	tail []byte
	pos  int64 // bytes added in all; the tail holds [pos-len(tail), pos)
}

const matchTail = 64 // longer than any marker

// add appends text and returns the position where it starts.
func (m *matcher) add(text []byte) int64 {
	start := m.pos
	m.tail = append(m.tail, text...)
	m.pos += int64(len(text))
	return start
}

// contains reports whether marker occurs in the kept text at or after
// position from. An empty marker never matches.
func (m *matcher) contains(marker string, from int64) bool {
	if marker == "" {
		return false
	}
	off := max(0, from-(m.pos-int64(len(m.tail))))
	if off > int64(len(m.tail)) {
		return false
	}
	return indexOf(m.tail[off:], marker) >= 0
}

// trim drops all but the last matchTail bytes.
func (m *matcher) trim() {
	if n := len(m.tail); n > matchTail {
		copy(m.tail, m.tail[n-matchTail:])
		m.tail = m.tail[:matchTail]
	}
}

// feed adds text and reports whether marker occurs in the text kept so
// far, then trims.
func (m *matcher) feed(text []byte, marker string) bool {
	m.add(text)
	found := m.contains(marker, 0)
	m.trim()
	return found
}

func indexOf(b []byte, s string) int {
	n := len(s)
	for i := 0; i+n <= len(b); i++ {
		if b[i] == s[0] && string(b[i:i+n]) == s {
			return i
		}
	}
	return -1
}
