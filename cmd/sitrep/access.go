package main

import (
	"errors"
	"io"
	"io/fs"
	"os"

	"sitrep/model"
	sshd "sitrep/ssh"
)

// maxCAFile bounds a --trusted-user-ca file.
const maxCAFile = 1 << 20

// readTrustedCAs sets cfg's trusted user CAs from serve's
// --trusted-user-ca file, if one is given.
func readTrustedCAs(path string, cfg *sshd.Config) error {
	if path == "" {
		return nil
	}
	f, err := os.Open(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return model.Errorf("there is no CA file %s; give the CA's public key file", model.SanitizeLine(path))
	case err != nil:
		return model.Errorf("cannot read the CA file %s; check its permissions", model.SanitizeLine(path))
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxCAFile+1))
	if err != nil {
		return model.Errorf("cannot read the CA file %s: %v", model.SanitizeLine(path), err)
	}
	if len(b) > maxCAFile {
		return model.Errorf("the CA file %s is over 1 MiB; give the CA's public keys only", model.SanitizeLine(path))
	}
	cas, err := model.ParseTrustedCAs(b)
	if err != nil {
		return err
	}
	cfg.TrustedUserCAs = cas
	return nil
}
