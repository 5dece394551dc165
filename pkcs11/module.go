//go:build cgo

// Package pkcs11 signs with HPKI IC cards and HSMs through their PKCS#11
// library, as the JAHIS HPKI IC-card guideline describes: the signing key
// is found by its certificate (nonRepudiation, HPKI signing policy, role),
// RSA signatures use CKM_RSA_PKCS with a DigestInfo built here, and keys
// marked CKA_ALWAYS_AUTHENTICATE get a context-specific login with a PIN
// before every signature.
//
// Security contract: a PIN is obtained from the caller's PINFunc only when
// the token needs it, is passed to the module once, and the caller's bytes
// are zeroed right after (the PKCS#11 binding copies the PIN into C memory
// it frees). A wrong PIN is never retried: the error states the token's
// remaining-tries state (COUNT_LOW, FINAL_TRY, LOCKED) and never the PIN.
package pkcs11

import (
	"errors"
	"fmt"
	"os"
	"strings"

	p11 "github.com/miekg/pkcs11"
)

// api is the part of the PKCS#11 binding this package uses; tests wrap it
// to count calls.
type api interface {
	Initialize(...p11.InitializeOption) error
	Finalize() error
	Destroy()
	GetSlotList(tokenPresent bool) ([]uint, error)
	GetTokenInfo(slotID uint) (p11.TokenInfo, error)
	GetMechanismList(slotID uint) ([]*p11.Mechanism, error)
	OpenSession(slotID uint, flags uint) (p11.SessionHandle, error)
	CloseSession(sh p11.SessionHandle) error
	Login(sh p11.SessionHandle, userType uint, pin string) error
	Logout(sh p11.SessionHandle) error
	FindObjectsInit(sh p11.SessionHandle, temp []*p11.Attribute) error
	FindObjects(sh p11.SessionHandle, max int) ([]p11.ObjectHandle, bool, error)
	FindObjectsFinal(sh p11.SessionHandle) error
	GetAttributeValue(sh p11.SessionHandle, o p11.ObjectHandle, a []*p11.Attribute) ([]*p11.Attribute, error)
	SignInit(sh p11.SessionHandle, m []*p11.Mechanism, o p11.ObjectHandle) error
	Sign(sh p11.SessionHandle, message []byte) ([]byte, error)
}

// Module is a loaded PKCS#11 library.
type Module struct {
	path string
	ctx  api
}

// ErrModule is wrapped by errors about loading the PKCS#11 library.
var ErrModule = errors.New("PKCS#11 module")

// Open loads and initialises the PKCS#11 library at path.
func Open(path string) (*Module, error) {
	if path == "" {
		return nil, fmt.Errorf("%w: no module path (give --pkcs11-module or set HPKI_PKCS11_MODULE)", ErrModule)
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrModule, err)
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%w: %s is a directory", ErrModule, path)
	}
	ctx := p11.New(path)
	if ctx == nil {
		return nil, fmt.Errorf("%w: %s is not a PKCS#11 library (it cannot be loaded or has no C_GetFunctionList)", ErrModule, path)
	}
	return open(path, ctx)
}

func open(path string, ctx api) (*Module, error) {
	if err := ctx.Initialize(); err != nil && !isCode(err, p11.CKR_CRYPTOKI_ALREADY_INITIALIZED) {
		ctx.Destroy()
		return nil, fmt.Errorf("%w: %s: C_Initialize: %v", ErrModule, path, err)
	}
	return &Module{path: path, ctx: ctx}, nil
}

// Close finalises and unloads the library.
func (m *Module) Close() error {
	err := m.ctx.Finalize()
	m.ctx.Destroy()
	return err
}

func isCode(err error, code uint) bool {
	var e p11.Error
	return errors.As(err, &e) && uint(e) == code
}

// TokenInfo describes a token in a slot.
type TokenInfo struct {
	Slot         uint   `json:"slot"`
	Label        string `json:"label"`
	Manufacturer string `json:"manufacturer"`
	Model        string `json:"model"`
	Serial       string `json:"serial"`
	Flags        uint   `json:"flags"`
	// PINState lists the user PIN flags set: COUNT_LOW, FINAL_TRY, LOCKED,
	// TO_BE_CHANGED.
	PINState      []string `json:"pinState,omitempty"`
	LoginRequired bool     `json:"loginRequired"`
}

func tokenInfo(slot uint, ti p11.TokenInfo) TokenInfo {
	t := TokenInfo{
		Slot:          slot,
		Label:         strings.TrimRight(ti.Label, " \x00"),
		Manufacturer:  strings.TrimRight(ti.ManufacturerID, " \x00"),
		Model:         strings.TrimRight(ti.Model, " \x00"),
		Serial:        strings.TrimRight(ti.SerialNumber, " \x00"),
		Flags:         ti.Flags,
		LoginRequired: ti.Flags&p11.CKF_LOGIN_REQUIRED != 0,
	}
	t.PINState = pinState(ti.Flags)
	return t
}

func pinState(flags uint) []string {
	var out []string
	for _, f := range []struct {
		bit  uint
		name string
	}{
		{p11.CKF_USER_PIN_COUNT_LOW, "COUNT_LOW"},
		{p11.CKF_USER_PIN_FINAL_TRY, "FINAL_TRY"},
		{p11.CKF_USER_PIN_LOCKED, "LOCKED"},
		{p11.CKF_USER_PIN_TO_BE_CHANGED, "TO_BE_CHANGED"},
	} {
		if flags&f.bit != 0 {
			out = append(out, f.name)
		}
	}
	return out
}

// Tokens lists the initialised tokens present in the module's slots (an
// empty, uninitialised slot such as SoftHSM's spare one is left out).
func (m *Module) Tokens() ([]TokenInfo, error) {
	slots, err := m.ctx.GetSlotList(true)
	if err != nil {
		return nil, fmt.Errorf("listing slots: %w", err)
	}
	out := make([]TokenInfo, 0, len(slots))
	for _, s := range slots {
		ti, err := m.ctx.GetTokenInfo(s)
		if err != nil {
			return nil, fmt.Errorf("slot %d: %w", s, err)
		}
		if ti.Flags&p11.CKF_TOKEN_INITIALIZED == 0 {
			continue
		}
		out = append(out, tokenInfo(s, ti))
	}
	return out, nil
}

// ErrNoToken is wrapped when no token (or more than one) matches.
var ErrNoToken = errors.New("token not found")

// FindToken selects the token with the given label and/or serial (empty
// matches any). Exactly one must match.
func (m *Module) FindToken(label, serial string) (TokenInfo, error) {
	toks, err := m.Tokens()
	if err != nil {
		return TokenInfo{}, err
	}
	var found []TokenInfo
	for _, t := range toks {
		if (label == "" || t.Label == label) && (serial == "" || t.Serial == serial) {
			found = append(found, t)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		if len(toks) == 0 {
			return TokenInfo{}, fmt.Errorf("%w: no card or token is present (is the card in the reader?)", ErrNoToken)
		}
		return TokenInfo{}, fmt.Errorf("%w: no token labelled %q (present: %s)", ErrNoToken, label, describeTokens(toks))
	}
	return TokenInfo{}, fmt.Errorf("%w: %d tokens match, choose one with --token-label or --token-serial: %s", ErrNoToken, len(found), describeTokens(found))
}

func describeTokens(toks []TokenInfo) string {
	parts := make([]string, len(toks))
	for i, t := range toks {
		parts[i] = fmt.Sprintf("%q (serial %s)", t.Label, t.Serial)
	}
	return strings.Join(parts, ", ")
}
