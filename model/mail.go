package model

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxMailBytes is the largest message sitrep reads: a report, not an
// archive.
const MaxMailBytes = 1 << 20

// maxMailParts bounds how many MIME parts are looked at, nested or not.
const maxMailParts = 50

// MailReport is what sitrep takes from a reporter's e-mail.
type MailReport struct {
	MessageID string    // as given, or sha256:<hex> of the message when it has none
	Subject   string    // decoded, one clean line
	From      string    // Name <address>, one clean line
	Date      time.Time // zero when missing or unreadable
	Body      string    // the plain-text body, cleaned
}

// ParseMail reads one RFC 5322 message as a mail server's pipe delivers
// it: headers, then a plain-text body, or a MIME multipart one whose first
// text/plain part is taken. Its errors are one sentence.
func ParseMail(raw []byte) (MailReport, error) {
	if len(raw) > MaxMailBytes {
		return MailReport{}, Errorf("the message is %d bytes; sitrep reads messages up to %d bytes", len(raw), MaxMailBytes)
	}
	// A pipe from some mail servers starts with an mbox "From " line.
	if bytes.HasPrefix(raw, []byte("From ")) {
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			raw = raw[i+1:]
		}
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return MailReport{}, Errorf("standard input is not an e-mail message (RFC 5322): %s", clipLine(err.Error(), 100))
	}
	h := msg.Header
	var r MailReport
	dec := mime.WordDecoder{CharsetReader: charsetReader}
	subj, err := dec.DecodeHeader(h.Get("Subject"))
	if err != nil {
		subj = h.Get("Subject")
	}
	r.Subject = clipLine(subj, MaxTitle)
	r.From = mailFrom(h.Get("From"), &dec)
	if r.From == "" {
		return MailReport{}, Errorf("the message has no From header, so there is no reporter to answer")
	}
	if d, err := mail.ParseDate(h.Get("Date")); err == nil {
		r.Date = d.UTC()
	}
	r.MessageID = clipLine(strings.TrimSpace(h.Get("Message-Id")), 500)
	if r.MessageID == "" {
		sum := sha256.Sum256(raw)
		r.MessageID = "sha256:" + hex.EncodeToString(sum[:])
	}
	parts := 0
	body, err := mailText(h.Get("Content-Type"), h.Get("Content-Transfer-Encoding"), msg.Body, 0, &parts)
	if err != nil {
		return MailReport{}, err
	}
	r.Body = clipText(body, MaxSummary)
	return r, nil
}

func mailFrom(v string, dec *mime.WordDecoder) string {
	if a, err := mail.ParseAddress(v); err == nil {
		if a.Name == "" {
			return clipLine(a.Address, MaxTitle)
		}
		return clipLine(a.Name+" <"+a.Address+">", MaxTitle)
	}
	if d, err := dec.DecodeHeader(v); err == nil {
		v = d
	}
	return clipLine(v, MaxTitle)
}

// mailText finds the plain text of a part: the part itself when it is
// text/plain (or has no type), the first text/plain inside a multipart
// one, and a note saying so when there is none.
func mailText(ctype, cte string, body io.Reader, depth int, parts *int) (string, error) {
	*parts++
	if *parts > maxMailParts || depth > 5 {
		return "", nil
	}
	media, params, err := mime.ParseMediaType(ctype)
	if ctype == "" || err != nil {
		media, params = "text/plain", map[string]string{}
	}
	switch {
	case strings.HasPrefix(media, "multipart/"):
		boundary := params["boundary"]
		if boundary == "" {
			return "", Errorf("the message is multipart without a boundary, so its parts cannot be read")
		}
		mr := multipart.NewReader(body, boundary)
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return "", nil
			}
			if err != nil {
				return "", Errorf("a part of the message cannot be read: %s", clipLine(err.Error(), 100))
			}
			text, err := mailText(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p, depth+1, parts)
			if err != nil {
				return "", err
			}
			if text != "" {
				return text, nil
			}
			if *parts > maxMailParts {
				return "", nil
			}
		}
	case media == "text/plain":
		b, err := io.ReadAll(io.LimitReader(decodeTransfer(cte, body), MaxMailBytes))
		if err != nil {
			return "", Errorf("the message body cannot be decoded (%s)", clipLine(cte, 40))
		}
		return toUTF8(b, params["charset"]), nil
	}
	return "", nil
}

func decodeTransfer(cte string, r io.Reader) io.Reader {
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "quoted-printable":
		return quotedprintable.NewReader(r)
	case "base64":
		return base64.NewDecoder(base64.StdEncoding, r) // it skips line breaks
	}
	return r
}

// toUTF8 reads text in its declared charset: UTF-8 and ASCII as they are,
// Latin-1 and Windows-1252 by code point; anything else is kept where it
// is valid UTF-8 and replaced where not.
func toUTF8(b []byte, charset string) string {
	switch strings.ToLower(strings.TrimSpace(charset)) {
	case "iso-8859-1", "latin1", "iso-8859-15", "windows-1252", "cp1252":
		var sb strings.Builder
		for _, c := range b {
			sb.WriteRune(rune(c))
		}
		return sb.String()
	}
	if utf8.Valid(b) {
		return string(b)
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

func charsetReader(charset string, input io.Reader) (io.Reader, error) {
	switch strings.ToLower(charset) {
	case "iso-8859-1", "latin1", "iso-8859-15", "windows-1252", "cp1252":
		b, err := io.ReadAll(io.LimitReader(input, MaxMailBytes))
		if err != nil {
			return nil, err
		}
		return strings.NewReader(toUTF8(b, charset)), nil
	}
	return nil, fmt.Errorf("charset %s is not supported", charset)
}

// MailDeclaration is the incident a reporter's e-mail declares: its title
// from the subject, summary from the text body, reporter from From, and
// detection at the message's Date (now when it has none, or one in the
// future). Severity and source are the caller's (the mail cannot say).
func MailDeclaration(r MailReport, sev Severity, src Source, now time.Time) Declaration {
	title := r.Subject
	if title == "" {
		title = clipLine("Report from "+r.From, MaxTitle)
	}
	d := Declaration{Title: title, Summary: r.Body, Severity: sev, Source: src, Breach: BreachUnknown,
		Reporter: r.From, DetectedAt: now}
	if !r.Date.IsZero() && !r.Date.After(now) && r.Date.Year() >= 1970 {
		d.DetectedAt = r.Date
	}
	return d
}
