package serve

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"time"

	"github.com/hpki-jp/hpki/auth"
	"github.com/hpki-jp/hpki/certinfo"
	"github.com/hpki-jp/hpki/docformat"
	"github.com/hpki-jp/hpki/extend"
	"github.com/hpki-jp/hpki/hcrole"
	"github.com/hpki-jp/hpki/pades"
	"github.com/hpki-jp/hpki/sign"
	"github.com/hpki-jp/hpki/verify"
)

// Status is the body of /healthz, /readyz and /v1/auth/logout.
type Status struct {
	Status string `json:"status"`
}

// VerifyRequest asks for the validation of a signature: CAdES (DER, BER or
// PEM), XAdES (an XML document) or PAdES (a signed PDF: every signature
// and document timestamp in it), detected by content.
type VerifyRequest struct {
	// Signature is the signature file, or the signed PDF (base64 in JSON).
	Signature []byte `json:"signature"`
	// Content is the detached signed content, when there is one.
	Content []byte `json:"content,omitempty"`
	// ContentName names Content (matched against detached XAdES
	// references; reported in covers).
	ContentName string `json:"contentName,omitempty"`
	// RequireRole lists roles (English or Japanese) of which the signer
	// must hold one.
	RequireRole []string `json:"requireRole,omitempty"`
}

// SignRequest asks the server to sign with the authenticated user's
// server-held key.
type SignRequest struct {
	// Content is the document to sign (base64 in JSON).
	Content []byte `json:"content"`
	// Format is "cades" (default), "xades" (an XML document, enveloped)
	// or "pades" (a PDF: the signature is the whole signed PDF, the
	// content unchanged followed by one incremental update).
	Format string `json:"format,omitempty"`
	// Level is "B" (default) or "T" (needs the server's TSA).
	Level string `json:"level,omitempty"`
	// Packaging of CAdES: "detached" (default) or "enveloping".
	Packaging string `json:"packaging,omitempty"`
	// RequireRole refuses to sign unless the certificate carries one of
	// these roles; it also chooses among several keys of the user.
	RequireRole []string `json:"requireRole,omitempty"`
}

// SignResponse is a new signature.
type SignResponse struct {
	Signature     []byte        `json:"signature"`
	Format        string        `json:"format"`
	Level         string        `json:"level"`
	Signer        certinfo.Info `json:"signer"`
	TimestampTime *time.Time    `json:"timestampTime,omitempty"`
	Warnings      []string      `json:"warnings,omitempty"`
}

// ExtendRequest asks for B-LT or B-LTA.
type ExtendRequest struct {
	// Signature is the signature to extend: CAdES, XAdES, or a signed PDF
	// (every signature in it; the answer is the whole extended PDF, with
	// no content then), detected by content.
	Signature []byte `json:"signature"`
	Content   []byte `json:"content,omitempty"`
	// ContentName names Content for detached XAdES references.
	ContentName string `json:"contentName,omitempty"`
	// To is "LT" or "LTA".
	To string `json:"to"`
}

// ExtendResponse is an extended signature with its validation.
type ExtendResponse struct {
	Signature []byte         `json:"signature"`
	Level     string         `json:"level"`
	Report    *verify.Report `json:"report"`
}

// TimestampRequest asks for an RFC 3161 token over Content.
type TimestampRequest struct {
	Content []byte `json:"content"`
}

// TimestampResponse is a checked RFC 3161 token.
type TimestampResponse struct {
	Token   []byte    `json:"token"`
	GenTime time.Time `json:"genTime"`
	TSA     string    `json:"tsa"`
}

// InspectRequest holds a certificate: DER (base64 in JSON) or PEM text.
type InspectRequest struct {
	Certificate []byte `json:"certificate,omitempty"`
	PEM         string `json:"pem,omitempty"`
}

// decode reads exactly one JSON object of type T, refusing unknown fields
// and keys given twice.
func decode[T any](r *http.Request) (*T, error) {
	body := requestBody(r)
	if body == nil {
		var err error
		if body, err = io.ReadAll(r.Body); err != nil {
			return nil, err
		}
	}
	return decodeFrom[T](body)
}

func decodeFrom[T any](body []byte) (*T, error) {
	var v T
	if err := checkNoDuplicateKeys(body); err != nil {
		return nil, errStatus(http.StatusBadRequest, fmt.Errorf("request body: %w", err))
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, err
		}
		return nil, errStatus(http.StatusBadRequest, fmt.Errorf("request body: %w", err))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errStatus(http.StatusBadRequest, errors.New("request body: more than one JSON value"))
	}
	return &v, nil
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, Status{Status: "ok"})
	return nil
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	if s.cfg.Ready != nil {
		if err := s.cfg.Ready(r.Context()); err != nil {
			return errStatus(http.StatusServiceUnavailable, fmt.Errorf("not ready: %w", err))
		}
	}
	writeJSON(w, http.StatusOK, Status{Status: "ready"})
	return nil
}

func (s *Server) openapi(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json")
	_, err := w.Write(OpenAPI)
	return err
}

// verifier returns the Verifier for a role requirement, shared by all
// requests with it (so its caches serve them all).
func (s *Server) verifier(roles []string) (*verify.Verifier, error) {
	req, err := hcrole.ParseRequirement(roles...)
	if err != nil {
		return nil, errStatus(http.StatusBadRequest, err)
	}
	key := req.String()
	s.mu.Lock()
	defer s.mu.Unlock()
	if v, ok := s.verifiers[key]; ok {
		return v, nil
	}
	opts := s.cfg.Verify
	opts.RequireRole = req
	v := verify.New(opts)
	if len(s.verifiers) < maxVerifiers {
		s.verifiers[key] = v
	}
	return v, nil
}

// readVerifyForm reads a multipart/form-data VerifyRequest (curl -F
// signature=@letter.p7s -F content=@letter.txt): the parts signature and
// content hold the raw bytes (no base64), contentName and requireRole
// (repeatable) are text. Each name but requireRole at most once; unknown
// names are refused. The body limit bounds the whole. A part with a
// Content-Transfer-Encoding header is refused (RFC 7578 §4.7 deprecates
// it): the bytes verified are the bytes sent, never a decoding of them
// (NextRawPart: NextPart would decode quoted-printable silently). A body
// already read whole is split in place when it has the plain shape
// (splitFormFast), else read with mime/multipart: the same parts either way.
func readVerifyForm(r *http.Request, boundary string) (*VerifyRequest, error) {
	var next func() (textproto.MIMEHeader, []byte, error)
	if parts, ok := splitFormFast(requestBody(r), boundary); ok {
		next = func() (textproto.MIMEHeader, []byte, error) {
			if len(parts) == 0 {
				return nil, nil, io.EOF
			}
			p := parts[0]
			parts = parts[1:]
			return p.header, p.data, nil
		}
	} else {
		mr := multipart.NewReader(r.Body, boundary)
		next = func() (textproto.MIMEHeader, []byte, error) {
			part, err := mr.NextRawPart()
			if err != nil {
				return nil, nil, err
			}
			if _, ok := part.Header["Content-Transfer-Encoding"]; ok {
				return part.Header, nil, nil // refused below, unread
			}
			data, err := io.ReadAll(part)
			return part.Header, data, err
		}
	}
	req := &VerifyRequest{}
	seen := map[string]bool{}
	for {
		header, data, err := next()
		if err == io.EOF {
			break
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return nil, err
			}
			return nil, errStatus(http.StatusBadRequest, fmt.Errorf("multipart body: %w", err))
		}
		name := (&multipart.Part{Header: header}).FormName()
		if _, ok := header["Content-Transfer-Encoding"]; ok {
			return nil, errStatus(http.StatusBadRequest, fmt.Errorf("multipart body: part %q has a Content-Transfer-Encoding (refused, RFC 7578 §4.7): send the raw bytes", name))
		}
		if seen[name] && name != "requireRole" {
			return nil, errStatus(http.StatusBadRequest, fmt.Errorf("multipart body: %q given twice", name))
		}
		seen[name] = true
		switch name {
		case "signature":
			req.Signature = data
		case "content":
			req.Content = data
		case "contentName":
			req.ContentName = string(data)
		case "requireRole":
			req.RequireRole = append(req.RequireRole, string(data))
		default:
			return nil, errStatus(http.StatusBadRequest, fmt.Errorf("multipart body: unknown part %q", name))
		}
	}
	return req, nil
}

// readBody returns the whole (bounded) body, read before the request took
// its work slot; else reads it, in one allocation when the client stated
// its length.
func (s *Server) readBody(r *http.Request) ([]byte, error) {
	if b := requestBody(r); b != nil {
		return b, nil
	}
	if n := r.ContentLength; n > 0 && n <= s.cfg.MaxBody {
		buf := make([]byte, n)
		if _, err := io.ReadFull(r.Body, buf); err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, errStatus(http.StatusBadRequest, errors.New("request body shorter than its Content-Length"))
			}
			return nil, err
		}
		return buf, nil
	}
	return io.ReadAll(r.Body)
}

func isXML(data []byte) bool {
	d := bytes.TrimLeft(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), " \t\r\n")
	return len(d) > 0 && d[0] == '<'
}

func given(name string, content []byte) verify.GivenContent {
	if content == nil {
		return verify.GivenContent{}
	}
	if name == "" {
		name = "content"
	}
	return verify.GivenContent{Name: name, Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(content)), nil }}
}

func (s *Server) verify(w http.ResponseWriter, r *http.Request) error {
	var req *VerifyRequest
	if mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err == nil && mt == "multipart/form-data" {
		if req, err = readVerifyForm(r, params["boundary"]); err != nil {
			return err
		}
	} else {
		body, err := s.readBody(r)
		if err != nil {
			return err
		}
		var ok bool
		if req, ok = decodeVerifyFast(body); !ok {
			if req, err = decodeFrom[VerifyRequest](body); err != nil {
				return err
			}
		}
	}
	if len(req.Signature) == 0 {
		return errStatus(http.StatusBadRequest, errors.New("signature is required"))
	}
	v, err := s.verifier(req.RequireRole)
	if err != nil {
		return err
	}
	var rep *verify.Report
	switch {
	case docformat.Detect(req.Signature) == docformat.PDF:
		// A signed PDF: every signature and document timestamp, as
		// hpki verify reports them (pades.Verify).
		if req.Content != nil {
			return errStatus(http.StatusBadRequest, errors.New("a PDF carries what its signatures cover: content does not apply"))
		}
		rep, err = pades.Verify(r.Context(), bytes.NewReader(req.Signature), int64(len(req.Signature)), v)
	case isXML(req.Signature):
		rep, err = v.VerifyXAdESContent(r.Context(), req.Signature, given(req.ContentName, req.Content), nil)
	default:
		var content io.Reader
		if req.Content != nil {
			content = bytes.NewReader(req.Content)
		}
		rep, err = v.VerifyCAdES(r.Context(), req.Signature, content, req.ContentName)
	}
	if err != nil {
		if r.Context().Err() != nil {
			return r.Context().Err()
		}
		return errStatus(http.StatusUnprocessableEntity, err)
	}
	s.metrics.verdicts.WithLabelValues(string(rep.Indication)).Inc()
	writeJSON(w, http.StatusOK, rep)
	return nil
}

func (s *Server) sign(w http.ResponseWriter, r *http.Request) error {
	id, err := s.identity(r)
	if err != nil {
		return err
	}
	req, err := decode[SignRequest](r)
	if err != nil {
		return err
	}
	role, err := hcrole.ParseRequirement(req.RequireRole...)
	if err != nil {
		return errStatus(http.StatusBadRequest, err)
	}
	level := sign.Level(strings.ToUpper(req.Level))
	switch level {
	case "":
		level = sign.LevelB
	case sign.LevelB:
	case sign.LevelT:
		if s.cfg.TSA == nil {
			return errStatus(http.StatusBadRequest, errors.New("level T: this server has no TSA"))
		}
	default:
		return errStatus(http.StatusBadRequest, fmt.Errorf("level %q: B or T (extend for LT and LTA)", req.Level))
	}
	// The user's keys: certificates of the same holder from the same HPKI
	// certification authority (auth.Identity.Owns)
	// meeting the role requirement.
	var mine []SigningKey
	for _, k := range s.cfg.Keys {
		if id.Owns(k.Certificate, k.Chain) && role.CheckCertificate(k.Certificate) == nil {
			mine = append(mine, k)
		}
	}
	switch len(mine) {
	case 0:
		return errStatus(http.StatusForbidden, fmt.Errorf("this server holds no signing key of %s (%s)%s", id.Subject, id.HolderID, map[bool]string{true: " with the role " + role.String()}[!role.IsZero()]))
	case 1:
	default:
		return errStatus(http.StatusConflict, fmt.Errorf("this server holds %d signing keys of %s: choose one with requireRole", len(mine), id.Subject))
	}
	k := mine[0]
	cred := sign.Credential{Signer: k.Signer, Certificate: k.Certificate, Chain: k.Chain}
	v, err := s.verifier(nil)
	if err != nil {
		return err
	}
	warnings, err := v.CheckSigner(r.Context(), k.Certificate, k.Chain)
	if err != nil {
		return errStatus(http.StatusForbidden, err)
	}
	var res *sign.Result
	format := strings.ToLower(req.Format)
	switch format {
	case "", "cades":
		format = "cades"
		pk := sign.Detached
		switch req.Packaging {
		case "", "detached":
		case "enveloping":
			pk = sign.Enveloping
		default:
			return errStatus(http.StatusBadRequest, fmt.Errorf("packaging %q: detached or enveloping", req.Packaging))
		}
		res, err = sign.SignCAdES(r.Context(), bytes.NewReader(req.Content), cred, sign.CAdESOptions{Level: level, TSA: s.cfg.TSA, Packaging: pk, RequireRole: role})
	case "xades":
		if req.Packaging != "" && req.Packaging != "enveloped" {
			return errStatus(http.StatusBadRequest, fmt.Errorf("packaging %q: XAdES signs the XML document enveloped", req.Packaging))
		}
		res, err = sign.SignXAdES(r.Context(), req.Content, cred, sign.XAdESOptions{Level: level, TSA: s.cfg.TSA, RequireRole: role})
	case "pades":
		if req.Packaging != "" {
			return errStatus(http.StatusBadRequest, fmt.Errorf("packaging %q: PAdES signs the PDF in an incremental update", req.Packaging))
		}
		if docformat.Detect(req.Content) != docformat.PDF {
			return errStatus(http.StatusBadRequest, errors.New("format pades: the content is not a PDF"))
		}
		res, err = signPDF(r.Context(), req.Content, cred, sign.CAdESOptions{Level: level, TSA: s.cfg.TSA, RequireRole: role})
	default:
		return errStatus(http.StatusBadRequest, fmt.Errorf("format %q: cades, xades or pades", req.Format))
	}
	if err != nil {
		if errors.Is(err, sign.ErrRoleRefused) {
			return errStatus(http.StatusForbidden, err)
		}
		return errStatus(http.StatusUnprocessableEntity, err)
	}
	out := SignResponse{Signature: res.Signature, Format: format, Level: string(level), Signer: certinfo.Describe(k.Certificate), Warnings: append(warnings, res.Warnings...)}
	if !res.TimestampTime.IsZero() {
		t := res.TimestampTime.UTC()
		out.TimestampTime = &t
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// signPDF signs a PDF (pades.Sign) and returns the whole signed file as
// the signature.
func signPDF(ctx context.Context, pdf []byte, cred sign.Credential, opts sign.CAdESOptions) (*sign.Result, error) {
	var buf bytes.Buffer
	pr, err := pades.Sign(ctx, bytes.NewReader(pdf), int64(len(pdf)), &buf, cred, pades.SignOptions{CAdES: opts})
	if err != nil {
		return nil, err
	}
	return &sign.Result{Signature: buf.Bytes(), Warnings: pr.Warnings, TimestampTime: pr.TimestampTime}, nil
}

func (s *Server) extend(w http.ResponseWriter, r *http.Request) error {
	req, err := decode[ExtendRequest](r)
	if err != nil {
		return err
	}
	to := sign.Level(strings.ToUpper(req.To))
	if to != sign.LevelLT && to != sign.LevelLTA {
		return errStatus(http.StatusBadRequest, fmt.Errorf("to %q: LT or LTA", req.To))
	}
	if s.cfg.TSA == nil && to == sign.LevelLTA {
		return errStatus(http.StatusBadRequest, errors.New("LTA: this server has no TSA"))
	}
	if docformat.Detect(req.Signature) == docformat.PDF {
		if req.Content != nil {
			return errStatus(http.StatusBadRequest, errors.New("a PDF carries what its signatures cover: content does not apply"))
		}
		po := pades.ExtendOptions{To: to, Verify: s.cfg.Verify}
		po.TSA, _ = s.cfg.TSA.(pades.DigestTimestamper)
		var buf bytes.Buffer
		res, err := pades.Extend(r.Context(), bytes.NewReader(req.Signature), int64(len(req.Signature)), &buf, po)
		if err != nil {
			if r.Context().Err() != nil {
				return r.Context().Err()
			}
			return errStatus(http.StatusUnprocessableEntity, err)
		}
		writeJSON(w, http.StatusOK, ExtendResponse{Signature: buf.Bytes(), Level: res.Level, Report: res.Report})
		return nil
	}
	opts := extend.Options{To: to, TSA: s.cfg.TSA, Verify: s.cfg.Verify}
	var res *extend.Result
	if isXML(req.Signature) {
		opts.Content = given(req.ContentName, req.Content)
		res, err = extend.XAdES(r.Context(), req.Signature, nil, opts)
	} else {
		var content io.ReadSeeker
		if req.Content != nil {
			content = bytes.NewReader(req.Content)
		}
		res, err = extend.CAdES(r.Context(), req.Signature, content, opts)
	}
	if err != nil {
		if errors.Is(err, extend.ErrNotValid) {
			return errStatus(http.StatusUnprocessableEntity, err)
		}
		if r.Context().Err() != nil {
			return r.Context().Err()
		}
		return errStatus(http.StatusUnprocessableEntity, err)
	}
	writeJSON(w, http.StatusOK, ExtendResponse{Signature: res.Signature, Level: res.Level, Report: res.Report})
	return nil
}

func (s *Server) timestamp(w http.ResponseWriter, r *http.Request) error {
	req, err := decode[TimestampRequest](r)
	if err != nil {
		return err
	}
	if s.cfg.TSA == nil {
		return errStatus(http.StatusNotImplemented, errors.New("this server has no TSA"))
	}
	tok, err := s.cfg.TSA.TimestampData(r.Context(), req.Content)
	if err != nil {
		return errStatus(http.StatusBadGateway, err)
	}
	writeJSON(w, http.StatusOK, TimestampResponse{Token: tok.Raw, GenTime: tok.GenTime.UTC(), TSA: tok.TSAName})
	return nil
}

func (s *Server) inspect(w http.ResponseWriter, r *http.Request) error {
	req, err := decode[InspectRequest](r)
	if err != nil {
		return err
	}
	der := req.Certificate
	if req.PEM != "" {
		if der != nil {
			return errStatus(http.StatusBadRequest, errors.New("give certificate or pem, not both"))
		}
		b, _ := pem.Decode([]byte(req.PEM))
		if b == nil || b.Type != "CERTIFICATE" {
			return errStatus(http.StatusBadRequest, errors.New("pem: no CERTIFICATE block"))
		}
		der = b.Bytes
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return errStatus(http.StatusBadRequest, fmt.Errorf("certificate: %w", err))
	}
	writeJSON(w, http.StatusOK, certinfo.Describe(cert))
	return nil
}

func (s *Server) needAuth() error {
	if s.cfg.Auth == nil {
		return errStatus(http.StatusNotImplemented, errors.New("login is not enabled on this server"))
	}
	return nil
}

func (s *Server) challenge(w http.ResponseWriter, r *http.Request) error {
	if err := s.needAuth(); err != nil {
		return err
	}
	if _, err := io.Copy(io.Discard, io.LimitReader(r.Body, 4096)); err != nil {
		return err
	}
	c, err := s.cfg.Auth.Challenge()
	if err != nil {
		return &httpError{status: http.StatusServiceUnavailable, reason: auth.ReasonOf(err), err: err}
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	if err := s.needAuth(); err != nil {
		return err
	}
	req, err := decode[auth.LoginRequest](r)
	if err != nil {
		return err
	}
	sess, err := s.cfg.Auth.Login(r.Context(), *req)
	if err != nil {
		reason := auth.ReasonOf(err)
		s.metrics.logins.WithLabelValues("challenge", string(reason)).Inc()
		if reason == "" {
			return err
		}
		status := http.StatusUnauthorized
		if reason == auth.ReasonBusy {
			status = http.StatusServiceUnavailable
		}
		return &httpError{status: status, reason: reason, err: err}
	}
	s.metrics.logins.WithLabelValues("challenge", "ok").Inc()
	setUser(r.Context(), sess.Identity)
	writeJSON(w, http.StatusOK, sess)
	return nil
}

func (s *Server) session(w http.ResponseWriter, r *http.Request) error {
	id, err := s.identity(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, id)
	return nil
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	if err := s.needAuth(); err != nil {
		return err
	}
	if tok, ok := bearer(r); ok {
		s.cfg.Auth.Logout(tok)
	}
	writeJSON(w, http.StatusOK, Status{Status: "ok"})
	return nil
}

func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "Bearer ") {
		return strings.TrimSpace(h[7:]), true
	}
	return "", false
}

// identity returns the authenticated user of r: a session token
// (Authorization: Bearer), else, when enabled, the TLS client certificate.
func (s *Server) identity(r *http.Request) (*auth.Identity, error) {
	if err := s.needAuth(); err != nil {
		return nil, err
	}
	if tok, ok := bearer(r); ok {
		id, ok := s.cfg.Auth.Lookup(tok)
		if !ok {
			return nil, errStatus(http.StatusUnauthorized, errors.New("session unknown or expired: log in again"))
		}
		setUser(r.Context(), id)
		return id, nil
	}
	if s.cfg.ClientCertificates && r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
		id, err := s.tlsIdentity(r.Context(), r.TLS.PeerCertificates)
		if err != nil {
			return nil, &httpError{status: http.StatusUnauthorized, reason: auth.ReasonOf(err), err: err}
		}
		setUser(r.Context(), id)
		return id, nil
	}
	return nil, errStatus(http.StatusUnauthorized, errors.New("log in first (POST /v1/auth/challenge, /v1/auth/login; or a TLS client certificate)"))
}

// tlsIdentity checks the client certificate of a connection (the handshake
// proved the key; auth checks the certificate), again after identityTTL.
func (s *Server) tlsIdentity(ctx context.Context, peer []*x509.Certificate) (*auth.Identity, error) {
	cc, _ := ctx.Value(connKey{}).(*connState)
	if cc == nil {
		return s.identifyTLS(ctx, peer)
	}
	return cc.identity(peer[0].Raw, func() (*auth.Identity, error) { return s.identifyTLS(ctx, peer) })
}

func (s *Server) identifyTLS(ctx context.Context, peer []*x509.Certificate) (*auth.Identity, error) {
	id, err := s.cfg.Auth.Authenticator().Identify(ctx, peer[0], peer[1:])
	result := "ok"
	if err != nil {
		result = string(auth.ReasonOf(err))
	}
	s.metrics.logins.WithLabelValues("tls", result).Inc()
	return id, err
}
