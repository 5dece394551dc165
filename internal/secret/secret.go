// Package secret reads PINs and passwords without exposing them.
//
// Security contract: a secret is never taken from the command line. It comes
// from a file (first line, trailing newline removed), from an environment
// variable, or from a no-echo terminal prompt, in that order of preference.
// The returned slice is owned by the caller, who must Zero it after use; the
// package keeps no copy and never includes the secret in an error.
package secret

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/term"
)

// ErrNoSource is returned when no file, no environment variable and no
// terminal is available to obtain the secret.
var ErrNoSource = errors.New("no secret source: give a file, set the environment variable, or run on a terminal")

// maxLen bounds a secret read from a file or a terminal.
const maxLen = 1024

// Source says where a secret comes from.
type Source struct {
	// File, when set, names a file whose first line is the secret.
	File string
	// Env, when set and present in the environment, names the variable
	// holding the secret.
	Env string
	// Prompt is written to the terminal before a no-echo read.
	Prompt string
	// TTY is the terminal file descriptor's file; nil means /dev/tty.
	TTY *os.File
}

// Read returns the secret. The caller must Zero the result after use.
func (s Source) Read() ([]byte, error) {
	switch {
	case s.File != "":
		return readFile(s.File)
	case s.Env != "" && os.Getenv(s.Env) != "":
		v := []byte(os.Getenv(s.Env))
		return v, nil
	}
	tty := s.TTY
	if tty == nil {
		f, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
		if err != nil {
			return nil, ErrNoSource
		}
		defer f.Close()
		tty = f
	}
	if !term.IsTerminal(int(tty.Fd())) {
		return nil, ErrNoSource
	}
	if s.Prompt != "" {
		fmt.Fprint(tty, s.Prompt)
	}
	v, err := term.ReadPassword(int(tty.Fd()))
	fmt.Fprintln(tty)
	if err != nil {
		return nil, fmt.Errorf("reading secret from terminal: %w", err)
	}
	return v, nil
}

func readFile(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("opening secret file: %w", err)
	}
	defer f.Close()
	buf := make([]byte, maxLen+1)
	n, err := io.ReadFull(f, buf)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		Zero(buf)
		return nil, fmt.Errorf("reading secret file %s: %w", name, err)
	}
	if n > maxLen {
		Zero(buf)
		return nil, fmt.Errorf("secret file %s: longer than %d bytes", name, maxLen)
	}
	line := buf[:n]
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	line = bytes.TrimSuffix(line, []byte{'\r'})
	out := make([]byte, len(line))
	copy(out, line)
	Zero(buf)
	return out, nil
}

// Zero overwrites b with zeros. Call it as soon as a secret is no longer needed.
func Zero(b []byte) {
	for i := range b {
		b[i] = 0
	}
}
