//go:build cgo

package pkcs11

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strings"
	"sync"
	"unsafe"

	p11 "github.com/miekg/pkcs11"

	"github.com/hpki-jp/hpki/hcrole"
	"github.com/hpki-jp/hpki/internal/secret"
)

// Certificate is a certificate object on a token.
type Certificate struct {
	Cert    *x509.Certificate
	ID      []byte
	Label   string
	Profile hcrole.Profile
}

// PINRequest tells a PINFunc why a PIN is needed.
type PINRequest struct {
	Token TokenInfo
	// ContextSpecific is true for the per-signature login of a key with
	// CKA_ALWAYS_AUTHENTICATE.
	ContextSpecific bool
	// Signature counts the signatures made with this Signer, from 1.
	Signature int
}

// PINFunc returns a PIN. The returned slice is zeroed after use.
type PINFunc func(PINRequest) ([]byte, error)

// session is an open session on one token.
type session struct {
	m     *Module
	tok   TokenInfo
	h     p11.SessionHandle
	login bool
}

func (m *Module) openSession(tok TokenInfo) (*session, error) {
	h, err := m.ctx.OpenSession(tok.Slot, p11.CKF_SERIAL_SESSION)
	if err != nil {
		return nil, fmt.Errorf("opening a session on %q: %w", tok.Label, err)
	}
	return &session{m: m, tok: tok, h: h}, nil
}

func (s *session) close() {
	if s.login {
		_ = s.m.ctx.Logout(s.h)
	}
	_ = s.m.ctx.CloseSession(s.h)
}

// find returns the objects matching the template.
func (s *session) find(temp []*p11.Attribute) ([]p11.ObjectHandle, error) {
	if err := s.m.ctx.FindObjectsInit(s.h, temp); err != nil {
		return nil, err
	}
	defer s.m.ctx.FindObjectsFinal(s.h)
	var out []p11.ObjectHandle
	for {
		objs, _, err := s.m.ctx.FindObjects(s.h, 64)
		if err != nil {
			return nil, err
		}
		if len(objs) == 0 {
			return out, nil
		}
		out = append(out, objs...)
		if len(out) > 4096 {
			return nil, errors.New("too many objects on the token")
		}
	}
}

func (s *session) attrs(o p11.ObjectHandle, types ...uint) (map[uint][]byte, error) {
	temp := make([]*p11.Attribute, len(types))
	for i, t := range types {
		temp[i] = p11.NewAttribute(t, nil)
	}
	got, err := s.m.ctx.GetAttributeValue(s.h, o, temp)
	if err != nil {
		return nil, err
	}
	out := make(map[uint][]byte, len(got))
	for _, a := range got {
		out[a.Type] = a.Value
	}
	return out, nil
}

func (s *session) certificates() ([]Certificate, error) {
	objs, err := s.find([]*p11.Attribute{
		p11.NewAttribute(p11.CKA_CLASS, p11.CKO_CERTIFICATE),
		p11.NewAttribute(p11.CKA_CERTIFICATE_TYPE, p11.CKC_X_509),
	})
	if err != nil {
		return nil, fmt.Errorf("listing certificates on %q: %w", s.tok.Label, err)
	}
	var out []Certificate
	for _, o := range objs {
		a, err := s.attrs(o, p11.CKA_VALUE, p11.CKA_ID, p11.CKA_LABEL)
		if err != nil {
			continue
		}
		c, err := x509.ParseCertificate(a[p11.CKA_VALUE])
		if err != nil {
			continue
		}
		out = append(out, Certificate{Cert: c, ID: a[p11.CKA_ID], Label: string(a[p11.CKA_LABEL]), Profile: hcrole.Classify(c)})
	}
	return out, nil
}

// Certificates lists the certificates on tok (no login needed).
func (m *Module) Certificates(tok TokenInfo) ([]Certificate, error) {
	s, err := m.openSession(tok)
	if err != nil {
		return nil, err
	}
	defer s.close()
	return s.certificates()
}

// SignerOptions select the signing credential on a token.
type SignerOptions struct {
	Token TokenInfo
	// Role narrows the choice among several HPKI signing certificates.
	Role hcrole.Requirement
	// KeyLabel finds the key by label instead of by its certificate.
	KeyLabel string
	// PIN supplies PINs (required for tokens that need a login).
	PIN PINFunc
	// Authentication selects the HPKI authentication (認証用) certificate
	// and its key (for login, package auth) instead of the signing one.
	// Real cards expose it through a separate PKCS#11 library
	// (HpkiAuthP11) with its own PIN.
	Authentication bool
}

// Signer is a crypto.Signer backed by a key on a token. It holds one
// session; Sign is serialised by a mutex, so a Signer is safe for
// concurrent use (signatures are made one at a time, as cards require).
type Signer struct {
	mu         sync.Mutex
	s          *session
	key        p11.ObjectHandle
	cert       *x509.Certificate
	chain      []*x509.Certificate
	alwaysAuth bool
	pin        PINFunc
	count      int
	mechs      map[uint]bool
}

// ErrNoKey is wrapped when no suitable signing key or certificate is found.
var ErrNoKey = errors.New("no signing key")

// OpenSigner finds the HPKI signing certificate on the token (nonRepudiation
// and the HPKI signing policy; Role chooses among several), then the private
// key with the same CKA_ID, and logs in once when the token needs it.
func (m *Module) OpenSigner(opts SignerOptions) (*Signer, error) {
	s, err := m.openSession(opts.Token)
	if err != nil {
		return nil, err
	}
	sg, err := m.openSigner(s, opts)
	if err != nil {
		s.close()
		return nil, err
	}
	return sg, nil
}

func (m *Module) openSigner(s *session, opts SignerOptions) (*Signer, error) {
	certs, err := s.certificates()
	if err != nil {
		return nil, err
	}
	sg := &Signer{s: s, pin: opts.PIN}
	want, kindName := hcrole.Signing, "HPKI signing certificate (nonRepudiation, policy 1.2.392.100495.1.5.1.1)"
	if opts.Authentication {
		want, kindName = hcrole.Authentication, "HPKI authentication certificate (digitalSignature, policy 1.2.392.100495.1.5.1.2)"
	}
	var ee []Certificate
	for _, c := range certs {
		switch {
		case c.Cert.IsCA:
			sg.chain = append(sg.chain, c.Cert)
		case c.Profile.Kind == want && opts.Role.Check(c.Profile.Roles) == nil:
			ee = append(ee, c)
		}
	}
	sg.chain = orderChain(sg.chain)
	if opts.Token.LoginRequired {
		if err := sg.login(false); err != nil {
			return nil, err
		}
	}
	if opts.KeyLabel != "" {
		keys, err := s.find([]*p11.Attribute{p11.NewAttribute(p11.CKA_CLASS, p11.CKO_PRIVATE_KEY), p11.NewAttribute(p11.CKA_LABEL, opts.KeyLabel)})
		if err != nil || len(keys) != 1 {
			return nil, fmt.Errorf("%w: %d private keys labelled %q on %q", ErrNoKey, len(keys), opts.KeyLabel, opts.Token.Label)
		}
		sg.key = keys[0]
		a, err := s.attrs(sg.key, p11.CKA_ID)
		if err != nil {
			return nil, fmt.Errorf("reading the key: %w", err)
		}
		for _, c := range certs {
			if bytes.Equal(c.ID, a[p11.CKA_ID]) && !c.Cert.IsCA {
				sg.cert = c.Cert
			}
		}
		if sg.cert == nil {
			return nil, fmt.Errorf("%w: the key %q has no certificate with the same CKA_ID on the token", ErrNoKey, opts.KeyLabel)
		}
		if opts.Authentication && hcrole.Classify(sg.cert).Kind != hcrole.Authentication {
			return nil, fmt.Errorf("%w: the key %q belongs to %s, not an %s", ErrNoKey, opts.KeyLabel, sg.cert.Subject.CommonName, kindName)
		}
	} else {
		switch len(ee) {
		case 0:
			return nil, fmt.Errorf("%w: no %s on %q", ErrNoKey, kindName, opts.Token.Label)
		case 1:
		default:
			names := make([]string, len(ee))
			for i, c := range ee {
				names[i] = c.Cert.Subject.CommonName
			}
			return nil, fmt.Errorf("%w: %d certificates of the kind %s on %q (%s): choose with --require-role or --key-label", ErrNoKey, len(ee), kindName, opts.Token.Label, strings.Join(names, ", "))
		}
		sg.cert = ee[0].Cert
		keys, err := s.find([]*p11.Attribute{p11.NewAttribute(p11.CKA_CLASS, p11.CKO_PRIVATE_KEY), p11.NewAttribute(p11.CKA_ID, ee[0].ID)})
		if err != nil {
			return nil, fmt.Errorf("finding the key: %w", err)
		}
		if len(keys) != 1 {
			return nil, fmt.Errorf("%w: %d private keys with the CKA_ID of %s's certificate", ErrNoKey, len(keys), sg.cert.Subject.CommonName)
		}
		sg.key = keys[0]
	}
	if a, err := s.attrs(sg.key, p11.CKA_ALWAYS_AUTHENTICATE); err == nil && len(a[p11.CKA_ALWAYS_AUTHENTICATE]) > 0 {
		sg.alwaysAuth = a[p11.CKA_ALWAYS_AUTHENTICATE][0] != 0
	}
	if mechs, err := m.ctx.GetMechanismList(opts.Token.Slot); err == nil {
		sg.mechs = map[uint]bool{}
		for _, mm := range mechs {
			sg.mechs[mm.Mechanism] = true
		}
	}
	return sg, nil
}

// orderChain puts CA certificates issuer-after-subject, roots last.
func orderChain(cas []*x509.Certificate) []*x509.Certificate {
	out := append([]*x509.Certificate(nil), cas...)
	isRoot := func(c *x509.Certificate) bool { return bytes.Equal(c.RawIssuer, c.RawSubject) }
	// Roots last: the verifier brings its own anchors.
	var nonRoots, roots []*x509.Certificate
	for _, c := range out {
		if isRoot(c) {
			roots = append(roots, c)
		} else {
			nonRoots = append(nonRoots, c)
		}
	}
	return append(nonRoots, roots...)
}

// login logs in as user (contextSpecific false) or for one signature.
func (sg *Signer) login(contextSpecific bool) error {
	if sg.pin == nil {
		return errors.New("the token needs a PIN and none can be asked for")
	}
	pin, err := sg.pin(PINRequest{Token: sg.s.tok, ContextSpecific: contextSpecific, Signature: sg.count})
	if err != nil {
		return fmt.Errorf("PIN: %w", err)
	}
	defer secret.Zero(pin)
	if len(pin) == 0 {
		return errors.New("empty PIN")
	}
	userType := uint(p11.CKU_USER)
	if contextSpecific {
		userType = p11.CKU_CONTEXT_SPECIFIC
	}
	// unsafe.String shares pin's memory, so zeroing pin clears it.
	err = sg.s.m.ctx.Login(sg.s.h, userType, unsafe.String(&pin[0], len(pin)))
	switch {
	case err == nil:
		if !contextSpecific {
			sg.s.login = true
		}
		return nil
	case isCode(err, p11.CKR_USER_ALREADY_LOGGED_IN) && !contextSpecific:
		sg.s.login = true
		return nil
	case isCode(err, p11.CKR_PIN_INCORRECT):
		return sg.pinError()
	case isCode(err, p11.CKR_PIN_LOCKED):
		return fmt.Errorf("the PIN of %q is LOCKED: the card must be unlocked by its issuer", sg.s.tok.Label)
	case isCode(err, p11.CKR_PIN_LEN_RANGE), isCode(err, p11.CKR_PIN_INVALID):
		return fmt.Errorf("PIN for %q has an invalid length or characters (4–16 ASCII characters)", sg.s.tok.Label)
	}
	return fmt.Errorf("login to %q: %w", sg.s.tok.Label, err)
}

// ErrWrongPIN is wrapped when the token refuses the PIN.
var ErrWrongPIN = errors.New("wrong PIN")

// pinError reports a refused PIN with the token's state read afterwards.
func (sg *Signer) pinError() error {
	state := "no warning from the token"
	if ti, err := sg.s.m.ctx.GetTokenInfo(sg.s.tok.Slot); err == nil {
		if st := pinState(ti.Flags); len(st) > 0 {
			state = "token state " + strings.Join(st, ", ")
		}
		switch {
		case ti.Flags&p11.CKF_USER_PIN_LOCKED != 0:
			state += ": the card is now locked"
		case ti.Flags&p11.CKF_USER_PIN_FINAL_TRY != 0:
			state += ": one more wrong PIN locks the card"
		}
	}
	return fmt.Errorf("%w for %q (%s); not retried", ErrWrongPIN, sg.s.tok.Label, state)
}

// Public returns the public key of the signing certificate.
func (sg *Signer) Public() crypto.PublicKey { return sg.cert.PublicKey }

// Certificate returns the signing certificate.
func (sg *Signer) Certificate() *x509.Certificate { return sg.cert }

// Chain returns the CA certificates found on the token (roots last).
func (sg *Signer) Chain() []*x509.Certificate { return sg.chain }

// AlwaysAuthenticate reports whether every signature needs a PIN.
func (sg *Signer) AlwaysAuthenticate() bool { return sg.alwaysAuth }

// Close logs out and closes the session.
func (sg *Signer) Close() error {
	sg.mu.Lock()
	defer sg.mu.Unlock()
	sg.s.close()
	return nil
}

// DigestInfo prefixes (RFC 8017 §9.2 note 1).
var digestInfoPrefix = map[crypto.Hash][]byte{
	crypto.SHA1:   {0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14},
	crypto.SHA256: {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20},
	crypto.SHA384: {0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30},
	crypto.SHA512: {0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40},
}

// DigestInfo returns the DER DigestInfo of digest, the input of
// CKM_RSA_PKCS for an RSASSA-PKCS1-v1_5 signature.
func DigestInfo(h crypto.Hash, digest []byte) ([]byte, error) {
	prefix, ok := digestInfoPrefix[h]
	if !ok {
		return nil, fmt.Errorf("no DigestInfo for %v", h)
	}
	if len(digest) != h.Size() {
		return nil, fmt.Errorf("digest of %d bytes for %v", len(digest), h)
	}
	return append(append([]byte{}, prefix...), digest...), nil
}

var pssMech = map[crypto.Hash][2]uint{
	crypto.SHA256: {p11.CKM_SHA256, p11.CKG_MGF1_SHA256},
	crypto.SHA384: {p11.CKM_SHA384, p11.CKG_MGF1_SHA384},
	crypto.SHA512: {p11.CKM_SHA512, p11.CKG_MGF1_SHA512},
}

// Sign signs digest. RSA keys use CKM_RSA_PKCS over a DigestInfo (or
// CKM_RSA_PKCS_PSS for *rsa.PSSOptions when the token offers it); EC keys
// use CKM_ECDSA and return an ASN.1 signature. Keys with
// CKA_ALWAYS_AUTHENTICATE get a context-specific login after C_SignInit.
func (sg *Signer) Sign(_ io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	sg.mu.Lock()
	defer sg.mu.Unlock()
	h := opts.HashFunc()
	var mech *p11.Mechanism
	var input []byte
	switch sg.cert.PublicKey.(type) {
	case *rsa.PublicKey:
		if pss, ok := opts.(*rsa.PSSOptions); ok {
			pm, ok := pssMech[h]
			if !ok || !sg.mechs[p11.CKM_RSA_PKCS_PSS] {
				return nil, fmt.Errorf("the token does not offer RSA-PSS with %v", h)
			}
			salt := pss.SaltLength
			if salt == rsa.PSSSaltLengthEqualsHash || salt == rsa.PSSSaltLengthAuto {
				salt = h.Size()
			}
			mech = p11.NewMechanism(p11.CKM_RSA_PKCS_PSS, p11.NewPSSParams(pm[0], pm[1], uint(salt)))
			input = digest
		} else {
			di, err := DigestInfo(h, digest)
			if err != nil {
				return nil, err
			}
			mech, input = p11.NewMechanism(p11.CKM_RSA_PKCS, nil), di
		}
	case *ecdsa.PublicKey:
		mech, input = p11.NewMechanism(p11.CKM_ECDSA, nil), digest
	default:
		return nil, fmt.Errorf("unsupported key type %T", sg.cert.PublicKey)
	}
	sg.count++
	ctx := sg.s.m.ctx
	if err := ctx.SignInit(sg.s.h, []*p11.Mechanism{mech}, sg.key); err != nil {
		return nil, fmt.Errorf("C_SignInit: %w", err)
	}
	if sg.alwaysAuth {
		if err := sg.login(true); err != nil {
			// Terminate the pending operation.
			_, _ = ctx.Sign(sg.s.h, nil)
			return nil, err
		}
	}
	sig, err := ctx.Sign(sg.s.h, input)
	if err != nil {
		return nil, fmt.Errorf("C_Sign: %w", err)
	}
	if _, ok := sg.cert.PublicKey.(*ecdsa.PublicKey); ok {
		return ecdsaASN1(sig)
	}
	return sig, nil
}

func ecdsaASN1(raw []byte) ([]byte, error) {
	if len(raw) == 0 || len(raw)%2 != 0 {
		return nil, fmt.Errorf("ECDSA signature of %d bytes", len(raw))
	}
	n := len(raw) / 2
	return asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).SetBytes(raw[:n]), new(big.Int).SetBytes(raw[n:])})
}
