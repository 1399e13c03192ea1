package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"sync"
	"time"

	"sitrep/model"
	"sitrep/store"
)

// statusCache holds the public page's projection, rendered in its three
// forms, loaded again after a change to the database (the store's feed
// says so) or a minute on (a resolved incident leaves the page after
// seven days), so a crowd reading the page during an outage becomes
// neither a crowd of queries nor of renderings.
type statusCache struct {
	st     *store.Store
	mu     sync.Mutex
	sub    <-chan struct{}
	cancel func()
	snap   *statusSnapshot
	at     time.Time
}

// statusSnapshot is the page as served until the next change.
type statusSnapshot struct {
	ps               model.PublicStatus
	html, json, atom []byte
}

const statusMaxAge = time.Minute

func newStatusCache(st *store.Store) *statusCache {
	c := &statusCache{st: st}
	c.sub, c.cancel = st.Subscribe()
	return c
}

func (c *statusCache) close() { c.cancel() }

func (c *statusCache) get(ctx context.Context) (*statusSnapshot, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	changed := false
	select {
	case _, ok := <-c.sub:
		changed = ok
	default:
	}
	if c.snap != nil && !changed && time.Since(c.at) < statusMaxAge {
		return c.snap, nil
	}
	ps, err := c.st.PublicStatus(ctx)
	if err != nil {
		return nil, err
	}
	snap, err := render(ps)
	if err != nil {
		return nil, err
	}
	c.snap, c.at = snap, time.Now()
	return snap, nil
}

// render draws the projection as HTML, JSON and Atom.
func render(ps model.PublicStatus) (*statusSnapshot, error) {
	snap := &statusSnapshot{ps: ps}
	var buf bytes.Buffer
	if err := pageTmpl.Execute(&buf, struct {
		P   model.PublicStatus
		CSS template.CSS
	}{ps, template.CSS(pageCSS)}); err != nil {
		return nil, fmt.Errorf("draw the status page: %w", err)
	}
	snap.html = bytes.Clone(buf.Bytes())
	buf.Reset()
	if err := json.NewEncoder(&buf).Encode(ps.JSON()); err != nil { // it escapes <, > and & too
		return nil, fmt.Errorf("write status.json: %w", err)
	}
	snap.json = bytes.Clone(buf.Bytes())
	atom, err := atomOf(ps)
	if err != nil {
		return nil, err
	}
	snap.atom = atom
	return snap, nil
}

// pageCSS is the page's only style; the Content-Security-Policy admits it
// by its hash and nothing else (no script, no image, no font, no frame).
const pageCSS = `body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#1b1f24;background:#fff}
h1{font-size:1.6rem;margin:0 0 .25rem}
.sub{color:#57606a;margin:0 0 1.5rem}
.ok{border:1px solid #2da44e;background:#dafbe1;padding:1rem;border-radius:6px}
.exercise{border:2px dashed #9a6700;background:#fff8c5;padding:.5rem 1rem;font-weight:bold;border-radius:6px}
article{border:1px solid #d0d7de;border-radius:6px;padding:1rem;margin:1rem 0}
article h2{font-size:1.2rem;margin:0}
.meta{color:#57606a;font-size:.9rem;margin:.25rem 0 .75rem}
.badge{display:inline-block;padding:0 .5rem;border-radius:1rem;font-size:.85rem;border:1px solid}
.critical{color:#a40e26;border-color:#a40e26}.major{color:#bc4c00;border-color:#bc4c00}.minor{color:#9a6700;border-color:#9a6700}.none{color:#57606a;border-color:#57606a}
.resolved{color:#1a7f37;border-color:#1a7f37}
ol{list-style:none;padding:0;margin:0}
li{border-top:1px solid #eaeef2;padding:.5rem 0}
time{color:#57606a}
li time{font-size:.9rem;display:block}
p.text{white-space:pre-wrap;margin:.25rem 0 0;overflow-wrap:anywhere}
footer{color:#57606a;font-size:.85rem;margin-top:2rem}`

// pageCSP is the page's Content-Security-Policy.
var pageCSP = func() string {
	sum := sha256.Sum256([]byte(pageCSS))
	return "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'; " +
		"img-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
}()

var pageTmpl = template.Must(template.New("status").Funcs(template.FuncMap{
	"when": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
	"iso":  func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
}).Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Service status</title>
<link rel="alternate" type="application/atom+xml" title="Service status" href="/status.atom">
<style>{{.CSS}}</style>
</head>
<body>
<header>
<h1>Service status</h1>
<p class="sub">Updated <time datetime="{{iso .P.UpdatedAt}}">{{when .P.UpdatedAt}}</time></p>
</header>
<main>
{{if .P.Exercise}}<p class="exercise" id="exercise">EXERCISE — these incidents are part of a tabletop exercise, not real.</p>
{{end}}{{if not .P.Incidents}}<p class="ok" id="all-clear">No incidents affecting availability in the last 7 days.</p>
{{end}}{{range .P.Incidents}}<article id="{{.ID}}">
<h2>{{.Title}}</h2>
<p class="meta"><span class="badge {{if .ResolvedAt.IsZero}}{{.Impact}}{{else}}resolved{{end}}">{{.Status}}</span> · impact {{.Impact}} · started <time datetime="{{iso .StartedAt}}">{{when .StartedAt}}</time>{{if not .ResolvedAt.IsZero}} · resolved <time datetime="{{iso .ResolvedAt}}">{{when .ResolvedAt}}</time>{{end}}</p>
<ol>
{{range .Updates}}<li><time datetime="{{iso .At}}">{{when .At}}</time><p class="text">{{.Text}}</p></li>
{{end}}</ol>
</article>
{{end}}</main>
<footer>Also as <a href="/status.json">JSON</a> and an <a href="/status.atom">Atom feed</a>.</footer>
</body>
</html>
`))

func (s *Server) public(w http.ResponseWriter, r *http.Request) (*statusSnapshot, bool) {
	snap, err := s.status.get(r.Context())
	if err != nil {
		s.cfg.Log.Error("status page", "err", err)
		s.fail(w, http.StatusServiceUnavailable, "the status page cannot be read now; try again shortly")
		return nil, false
	}
	w.Header().Set("Cache-Control", "public, max-age=30")
	w.Header().Set("Last-Modified", snap.ps.UpdatedAt.UTC().Format(http.TimeFormat))
	return snap, true
}

func (s *Server) statusHTML(w http.ResponseWriter, r *http.Request) {
	if snap, ok := s.public(w, r); ok {
		w.Header().Set("Content-Security-Policy", pageCSP)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(snap.html)
	}
}

func (s *Server) statusJSON(w http.ResponseWriter, r *http.Request) {
	if snap, ok := s.public(w, r); ok {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Write(snap.json)
	}
}

func (s *Server) statusAtom(w http.ResponseWriter, r *http.Request) {
	if snap, ok := s.public(w, r); ok {
		w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
		w.Write(snap.atom)
	}
}

// The Atom feed: one entry per public update.
type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Title   string      `xml:"title"`
	ID      string      `xml:"id"`
	Updated string      `xml:"updated"`
	Link    []atomLink  `xml:"link"`
	Author  atomAuthor  `xml:"author"`
	Entries []atomEntry `xml:"entry"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomAuthor struct {
	Name string `xml:"name"`
}

type atomEntry struct {
	Title   string   `xml:"title"`
	ID      string   `xml:"id"`
	Updated string   `xml:"updated"`
	Link    atomLink `xml:"link"`
	Content atomText `xml:"content"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Text string `xml:",chardata"`
}

// atomOf is the feed: one entry per public update.
func atomOf(ps model.PublicStatus) ([]byte, error) {
	f := atomFeed{Title: "Service status", ID: "urn:sitrep:status", Updated: ps.UpdatedAt.UTC().Format(time.RFC3339),
		Link:   []atomLink{{Rel: "alternate", Type: "text/html", Href: "/status"}, {Rel: "self", Type: "application/atom+xml", Href: "/status.atom"}},
		Author: atomAuthor{Name: "Service status"}}
	for _, pi := range ps.Incidents {
		for i, u := range pi.Updates {
			n := len(pi.Updates) - i // the n-th public update, counted from the first
			f.Entries = append(f.Entries, atomEntry{
				Title:   pi.Title + " — " + pi.Status,
				ID:      "urn:sitrep:status:" + pi.ID + ":" + strconv.Itoa(n),
				Updated: u.At.UTC().Format(time.RFC3339),
				Link:    atomLink{Rel: "alternate", Type: "text/html", Href: "/status#" + pi.ID},
				Content: atomText{Type: "text", Text: u.Text},
			})
		}
	}
	out, err := xml.MarshalIndent(f, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("write the status feed: %w", err)
	}
	return append(append([]byte(xml.Header), out...), '\n'), nil
}
