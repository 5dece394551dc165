package revocation

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"errors"
	"io"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Responder is a small OCSP responder (RFC 6960) for one CA, for demos and
// tests. It answers POST and GET requests, echoes the request nonce, and
// signs with Signer/Cert: the CA itself, or a responder certificate the CA
// delegated (id-kp-OCSPSigning), which is then included in the response.
// Serial numbers the CA did not issue (Issued returns false) are unknown.
type Responder struct {
	// Issuer is the CA whose certificates the responder answers for.
	Issuer *x509.Certificate
	// Cert and Signer sign the responses.
	Cert   *x509.Certificate
	Signer crypto.Signer
	// Issued reports whether the CA issued a serial number (default: all).
	Issued func(serial *big.Int) bool
	// Validity is how long a response is valid (nextUpdate; default 1 day).
	Validity time.Duration
	// Now is the responder's clock (default time.Now).
	Now func() time.Time

	mu      sync.Mutex
	revoked map[string]revokedEntry
}

type revokedEntry struct {
	at     time.Time
	reason int
}

// Revoke records that the certificate with serial was revoked at at.
func (r *Responder) Revoke(serial *big.Int, at time.Time, reason int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.revoked == nil {
		r.revoked = map[string]revokedEntry{}
	}
	r.revoked[serial.String()] = revokedEntry{at, reason}
}

func (r *Responder) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

const maxRequest = 16 << 10

// ServeHTTP answers an OCSP request.
func (r *Responder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	var body []byte
	var err error
	switch req.Method {
	case http.MethodPost:
		body, err = io.ReadAll(io.LimitReader(req.Body, maxRequest))
	case http.MethodGet:
		body, err = base64.StdEncoding.DecodeString(strings.TrimPrefix(req.URL.Path, "/"))
	default:
		http.Error(w, "OCSP requests are POST or GET", http.StatusMethodNotAllowed)
		return
	}
	var resp []byte
	if err != nil {
		resp = errorResponse(1)
	} else {
		resp = r.Respond(body)
	}
	w.Header().Set("Content-Type", "application/ocsp-response")
	_, _ = w.Write(resp)
}

// errorResponse is an OCSPResponse with only a status (1 malformedRequest,
// 2 internalError).
func errorResponse(status int) []byte {
	out, _ := asn1.Marshal(struct{ Status asn1.Enumerated }{asn1.Enumerated(status)})
	return out
}

// Respond answers a DER OCSP request with a DER OCSP response.
func (r *Responder) Respond(reqDER []byte) []byte {
	var req ocspRequest
	if rest, err := asn1.Unmarshal(reqDER, &req); err != nil || len(rest) != 0 || len(req.TBS.List) == 0 || len(req.TBS.List) > 16 {
		return errorResponse(1)
	}
	now := r.now().UTC().Truncate(time.Second)
	validity := r.Validity
	if validity == 0 {
		validity = 24 * time.Hour
	}
	tbs := responseData{ResponderID: asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 1, IsCompound: true, Bytes: r.Cert.RawSubject}, ProducedAt: now}
	for _, e := range req.TBS.List {
		single := singleResponse{CertID: e.Cert, ThisUpdate: now, NextUpdate: now.Add(validity)}
		h, ok := hashOf(e.Cert.HashAlgorithm.Algorithm)
		var own certID
		var err error
		if ok {
			own, err = makeCertID(h, r.Issuer, e.Cert.SerialNumber)
		}
		r.mu.Lock()
		rev, revoked := r.revoked[e.Cert.SerialNumber.String()]
		r.mu.Unlock()
		switch {
		case !ok || err != nil || !own.matches(e.Cert) || (r.Issued != nil && !r.Issued(e.Cert.SerialNumber)):
			single.Status = asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 2}
		case revoked && !rev.at.After(now):
			ri, _ := asn1.MarshalWithParams(revokedInfo{Time: rev.at.UTC(), Reason: asn1.Enumerated(rev.reason)}, "tag:1")
			single.Status = asn1.RawValue{FullBytes: ri}
		default:
			single.Status = asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0}
		}
		tbs.Responses = append(tbs.Responses, single)
	}
	for _, e := range req.TBS.Extensions {
		if e.Id.Equal(oidOCSPNonce) && len(e.Value) <= 64 {
			tbs.Extensions = append(tbs.Extensions, pkix.Extension{Id: oidOCSPNonce, Value: e.Value})
		}
	}
	out, err := r.sign(tbs)
	if err != nil {
		return errorResponse(2)
	}
	return out
}

// sign encodes and signs the ResponseData (SHA-256).
func (r *Responder) sign(tbs responseData) ([]byte, error) {
	tbsDER, err := asn1.Marshal(tbs)
	if err != nil {
		return nil, err
	}
	var alg pkix.AlgorithmIdentifier
	switch r.Signer.Public().(type) {
	case *rsa.PublicKey:
		alg = pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}, Parameters: asn1.NullRawValue}
	case *ecdsa.PublicKey:
		alg = pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}}
	default:
		return nil, errors.New("unsupported responder key")
	}
	d := crypto.SHA256.New()
	d.Write(tbsDER)
	sig, err := r.Signer.Sign(rand.Reader, d.Sum(nil), crypto.SHA256)
	if err != nil {
		return nil, err
	}
	basic := basicResponse{TBS: asn1.RawValue{FullBytes: tbsDER}, SigAlg: alg, Signature: asn1.BitString{Bytes: sig, BitLength: 8 * len(sig)}}
	if r.Cert.Raw != nil && string(r.Cert.Raw) != string(r.Issuer.Raw) {
		basic.Certificates = []asn1.RawValue{{FullBytes: r.Cert.Raw}}
	}
	basicDER, err := asn1.Marshal(basic)
	if err != nil {
		return nil, err
	}
	return asn1.Marshal(ocspResponse{Bytes: responseBytes{Type: oidOCSPBasic, Response: basicDER}})
}

// CRLHandler serves the CRL that crl returns (DER, application/pkix-crl);
// crl is called for every request, so a test can change it over time.
func CRLHandler(crl func() []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/pkix-crl")
		_, _ = w.Write(crl())
	})
}
