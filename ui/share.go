package ui

import (
	"sitrep/model"
)

// Consoles of one process mostly show the same thing: the board, from the
// top, at the same second of the same snapshot. Drawing it once for all
// of them makes a countdown turning cost one frame per process, not one
// per console; and the strings being the same lets each session's screen
// writer share the bytes that turn one frame into the next (ssh/frame.go).

// boardFrameKey is everything the board page's frame depends on, when no
// form, question, filter or message is over it.
type boardFrameKey struct {
	snap           *Snapshot
	now            int64 // unix nanoseconds, of a whole second
	w, h           int
	dark           bool
	role           model.Role
	cursor, offset int
	dismissed      int64
}

// boardFrame is the frame drawn for a key, and where the board's rows
// began once drawn (the offset moves to keep the cursor on screen).
type boardFrame struct {
	body   string
	offset int
}

// frameSharer is a Source whose screens share board frames.
type frameSharer interface {
	shareBoard(k boardFrameKey, draw func() boardFrame) boardFrame
}

// frameShareSize is how many frames a generation of a Source's shared
// frames holds: more than the distinct boards a process shows in a second
// (a size, a role and a cursor make one).
const frameShareSize = 256

// sharedBoard draws the board page through the source's shared frames
// when nothing on it is this console's own; ok is false when it is.
func (m *Model) sharedBoard() (string, bool) {
	fs, ok := m.o.Source.(frameSharer)
	if !ok || m.o.Styles != nil || m.page != pageBoard || m.form != nil || m.ask != nil ||
		m.board.filtering || m.filter.Value() != "" || m.flash != "" {
		return "", false
	}
	k := boardFrameKey{snap: m.snap, now: m.now.UnixNano(), w: m.width, h: m.height, dark: m.dark, role: m.o.Actor.Role,
		cursor: m.board.cursor, offset: m.board.offset, dismissed: m.dismissed}
	f := fs.shareBoard(k, func() boardFrame {
		body := m.boardView()
		return boardFrame{body: body, offset: m.board.offset}
	})
	m.board.offset = f.offset
	return f.body, true
}
