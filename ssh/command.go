package ssh

import (
	"errors"
	"fmt"
	"strings"

	"sitrep/model"
)

// MaxCommandLine is the longest command line a session may send: twice
// what the longest note needs.
const MaxCommandLine = 32 << 10

// SplitCommand splits an exec request into words as a POSIX shell would,
// without expansions: single quotes keep everything; double quotes keep
// everything but a backslash before $ ` " \ or a newline; outside quotes
// a backslash keeps the next character, and spaces, tabs and newlines
// separate words. ” and "" are empty words. Nothing else is special: ;
// | & $ * and the like are plain characters, so a command line never
// runs anything but the one sitrep command. A line that is too long or
// ends inside a quote or after a backslash is refused.
func SplitCommand(raw string) ([]string, error) {
	if len(raw) > MaxCommandLine {
		return nil, fmt.Errorf("the command line is %d bytes, more than the %d sitrep reads; a note is at most %d characters", len(raw), MaxCommandLine, model.MaxNote)
	}
	var (
		words  []string
		w      strings.Builder
		inWord bool
	)
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch c {
		case ' ', '\t', '\n':
			if inWord {
				words = append(words, w.String())
				w.Reset()
				inWord = false
			}
		case '\\':
			if i+1 == len(raw) {
				return nil, errors.New("cannot read the command line: it ends with a backslash")
			}
			i++
			if raw[i] != '\n' { // backslash-newline joins lines
				w.WriteByte(raw[i])
			}
			inWord = true
		case '\'':
			end := strings.IndexByte(raw[i+1:], '\'')
			if end < 0 {
				return nil, errors.New("cannot read the command line: a single quote is not closed")
			}
			w.WriteString(raw[i+1 : i+1+end])
			i += end + 1
			inWord = true
		case '"':
			i++
			for ; i < len(raw) && raw[i] != '"'; i++ {
				if raw[i] == '\\' && i+1 < len(raw) && strings.IndexByte("$`\"\\\n", raw[i+1]) >= 0 {
					i++
					if raw[i] == '\n' {
						continue
					}
				}
				w.WriteByte(raw[i])
			}
			if i == len(raw) {
				return nil, errors.New("cannot read the command line: a double quote is not closed")
			}
			inWord = true
		default:
			w.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, w.String())
	}
	return words, nil
}
