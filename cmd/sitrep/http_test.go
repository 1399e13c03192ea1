package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"sitrep/ssh/sshtest"
)

// serve --http answers the status page beside SSH, over TLS 1.2+ with
// HSTS when given a certificate, and stops with the SSH server.
func TestServeHTTPWithTLS(t *testing.T) {
	dir := t.TempDir()
	cert, key := selfSigned(t, dir)
	ctx, cancel := context.WithCancel(context.Background())
	errOut := sshtest.NewBuffer()
	done := make(chan int, 1)
	go func() {
		done <- execute(ctx, config{in: strings.NewReader(""), out: io.Discard, errOut: errOut},
			[]string{"--db", filepath.Join(dir, "x.db"), "serve", "--listen", "127.0.0.1:0", "--http", "127.0.0.1:0", "--tls-cert", cert, "--tls-key", key})
	}()
	serving := regexp.MustCompile(`msg="sitrep serving HTTP" addr=(\S+) scheme=https`)
	ok := errOut.WaitUntil(20*time.Second, func(log []byte) bool { return serving.Match(log) })
	if !ok {
		cancel()
		<-done
		t.Fatalf("serve did not log that it serves HTTP: %s", errOut.String())
	}
	addr := serving.FindStringSubmatch(errOut.String())[1]
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	resp, err := client.Get("https://" + addr + "/status")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.TLS.Version < tls.VersionTLS12 || resp.Header.Get("Strict-Transport-Security") == "" {
		t.Errorf("answer %d, TLS %x, HSTS %q", resp.StatusCode, resp.TLS.Version, resp.Header.Get("Strict-Transport-Security"))
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("serve exited %d: %s", code, errOut.String())
	}
	if _, err := client.Get("https://" + addr + "/status"); err == nil {
		t.Error("the HTTP listener outlived the SSH server")
	}
}

func TestServeHTTPFlagsRefused(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--http", "127.0.0.1:0", "--tls-cert", "c.pem"}, "go together"},
		{[]string{"--tls-cert", "c.pem", "--tls-key", "k.pem"}, "need --http"},
		{[]string{"--http", "127.0.0.1:0", "--tls-cert", filepath.Join(dir, "none.pem"), "--tls-key", filepath.Join(dir, "none.pem")}, "cannot use the TLS certificate"},
	} {
		var errOut strings.Builder
		code := execute(context.Background(), config{in: strings.NewReader(""), out: io.Discard, errOut: &errOut},
			append([]string{"--db", filepath.Join(dir, "x.db"), "serve", "--listen", "127.0.0.1:0"}, tt.args...))
		if code == 0 || !strings.Contains(errOut.String(), tt.want) || strings.Count(errOut.String(), "\n") != 1 {
			t.Errorf("%v: exit %d, %q; want a one-line refusal saying %q", tt.args, code, errOut.String(), tt.want)
		}
	}
}

func selfSigned(t *testing.T, dir string) (string, string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), DNSNames: []string{"localhost"}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	cert, key := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(key, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
	return cert, key
}
