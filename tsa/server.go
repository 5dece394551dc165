package tsa

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/hpki-jp/hpki/internal/atomicfile"
	"github.com/hpki-jp/hpki/internal/cms"
)

// DefaultPolicy is the TSA policy of the demonstration server
// (1.3.6.1.4.1.32473 is the documentation enterprise number of RFC 5612).
var DefaultPolicy = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 32473, 3161, 1}

// maxRequest bounds the size of a timestamp request.
const maxRequest = 64 << 10

// serialBlock is how many serial numbers are reserved per write of SerialFile.
const serialBlock = 1000

// Server is a small RFC 3161 time-stamping authority for demonstrations and
// tests. It is not an accredited TSA: its clock is the machine's.
// A Server is safe for concurrent use.
type Server struct {
	// Signer and Cert are the TSA key and certificate (the certificate must
	// carry a critical extendedKeyUsage timeStamping).
	Signer crypto.Signer
	Cert   *x509.Certificate
	// Chain holds CA certificates sent with the token when certReq is set.
	Chain []*x509.Certificate
	// Policy is the TSA policy (default DefaultPolicy); Policies lists other
	// accepted requested policies.
	Policy   asn1.ObjectIdentifier
	Policies []asn1.ObjectIdentifier
	// Accuracy is stated in every token (default 1s).
	Accuracy time.Duration
	// SerialFile keeps serial numbers unique and increasing across restarts.
	// Without it, serials start from the current time in nanoseconds.
	SerialFile string
	// Hashes are the accepted imprint hashes (default SHA-256/384/512).
	Hashes []crypto.Hash
	// Now is the clock (default time.Now).
	Now func() time.Time

	mu       sync.Mutex
	next     *big.Int
	reserved *big.Int
}

// Check validates the server's configuration.
func (s *Server) Check() error {
	if s.Signer == nil || s.Cert == nil {
		return errors.New("tsa: server needs a key and a certificate")
	}
	if err := CheckTSACertificate(s.Cert); err != nil {
		return fmt.Errorf("tsa: %s: %w", s.Cert.Subject.CommonName, err)
	}
	if !publicKeysEqual(s.Cert.PublicKey, s.Signer.Public()) {
		return errors.New("tsa: the key does not belong to the certificate")
	}
	return nil
}

func publicKeysEqual(a, b crypto.PublicKey) bool {
	type equaler interface{ Equal(crypto.PublicKey) bool }
	e, ok := a.(equaler)
	return ok && e.Equal(b)
}

// ServeHTTP answers POSTs of application/timestamp-query.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "POST an application/timestamp-query", http.StatusMethodNotAllowed)
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/timestamp-query") {
		http.Error(w, "content type must be application/timestamp-query", http.StatusUnsupportedMediaType)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequest+1))
	if err != nil {
		http.Error(w, "reading request", http.StatusBadRequest)
		return
	}
	if len(body) > maxRequest {
		http.Error(w, "request too large", http.StatusRequestEntityTooLarge)
		return
	}
	w.Header().Set("Content-Type", "application/timestamp-reply")
	_, _ = w.Write(s.Respond(body))
}

// Respond answers one DER TimeStampReq with a DER TimeStampResp. Problems
// with the request give a rejection with the matching failInfo.
func (s *Server) Respond(reqDER []byte) []byte {
	var req timeStampReq
	rest, err := asn1.Unmarshal(reqDER, &req)
	if err != nil || len(rest) != 0 || req.Version != 1 {
		return reject(FailBadDataFormat, "malformed TimeStampReq")
	}
	h, err := cms.HashFromOID(req.MessageImprint.HashAlgorithm.Algorithm)
	if err != nil || !s.accepts(h) {
		return reject(FailBadAlg, "unsupported hash algorithm")
	}
	if len(req.MessageImprint.HashedMessage) != h.Size() {
		return reject(FailBadDataFormat, "imprint length does not match its hash algorithm")
	}
	for _, e := range req.Extensions {
		if e.Critical {
			return reject(FailUnacceptedExtension, "unsupported critical extension "+e.Id.String())
		}
	}
	policy := s.policy()
	if len(req.ReqPolicy) > 0 {
		if !s.acceptsPolicy(req.ReqPolicy) {
			return reject(FailUnacceptedPolicy, "policy "+req.ReqPolicy.String()+" not offered")
		}
		policy = req.ReqPolicy
	}
	token, err := s.issue(req, policy)
	if err != nil {
		return reject(FailSystemFailure, "could not issue the token")
	}
	out, err := asn1.Marshal(timeStampResp{
		Status:         pkiStatusInfo{Status: StatusGranted},
		TimeStampToken: asn1.RawValue{FullBytes: token},
	})
	if err != nil {
		return reject(FailSystemFailure, "could not encode the response")
	}
	return out
}

func reject(bit int, text string) []byte {
	b := make([]byte, bit/8+1)
	b[bit/8] |= 0x80 >> (bit % 8)
	out, _ := asn1.Marshal(struct{ Status pkiStatusInfo }{Status: pkiStatusInfo{
		Status:       StatusRejection,
		StatusString: []asn1.RawValue{{Tag: asn1.TagUTF8String, Bytes: []byte(text)}},
		FailInfo:     asn1.BitString{Bytes: b, BitLength: bit + 1},
	}})
	return out
}

func (s *Server) accepts(h crypto.Hash) bool {
	list := s.Hashes
	if len(list) == 0 {
		list = []crypto.Hash{crypto.SHA256, crypto.SHA384, crypto.SHA512}
	}
	for _, x := range list {
		if x == h {
			return true
		}
	}
	return false
}

func (s *Server) policy() asn1.ObjectIdentifier {
	if len(s.Policy) > 0 {
		return s.Policy
	}
	return DefaultPolicy
}

func (s *Server) acceptsPolicy(p asn1.ObjectIdentifier) bool {
	if p.Equal(s.policy()) {
		return true
	}
	for _, x := range s.Policies {
		if x.Equal(p) {
			return true
		}
	}
	return false
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// issue builds and signs the TimeStampToken.
func (s *Server) issue(req timeStampReq, policy asn1.ObjectIdentifier) ([]byte, error) {
	serial, err := s.nextSerial()
	if err != nil {
		return nil, err
	}
	acc := s.Accuracy
	if acc == 0 {
		acc = time.Second
	}
	genTime := s.now().UTC().Truncate(time.Millisecond)
	info := tstInfo{
		Version:        1,
		Policy:         policy,
		MessageImprint: req.MessageImprint,
		SerialNumber:   serial,
		GenTime:        genTime,
		Accuracy: accuracy{
			Seconds: int(acc / time.Second),
			Millis:  int(acc % time.Second / time.Millisecond),
			Micros:  int(acc % time.Millisecond / time.Microsecond),
		},
		Nonce: req.Nonce,
	}
	// tsa [0] EXPLICIT GeneralName, directoryName [4] EXPLICIT Name.
	dirName, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 4, IsCompound: true, Bytes: s.Cert.RawSubject})
	if err != nil {
		return nil, err
	}
	info.TSA = asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: dirName}
	infoDER, err := marshalTSTInfo(info)
	if err != nil {
		return nil, err
	}
	h := crypto.SHA256
	d := h.New()
	d.Write(infoDER)
	ct, err := cms.NewAttribute(cms.OIDContentType, cms.OIDTSTInfo)
	if err != nil {
		return nil, err
	}
	md, err := cms.NewAttribute(cms.OIDMessageDigest, d.Sum(nil))
	if err != nil {
		return nil, err
	}
	st, err := cms.SigningTimeAttr(genTime)
	if err != nil {
		return nil, err
	}
	sc, err := cms.SigningCertificateV2Attr(s.Cert, crypto.SHA256)
	if err != nil {
		return nil, err
	}
	si, err := cms.NewSignerInfo(s.Signer, s.Cert, []cms.Attribute{ct, md, st, sc}, cms.SignOptions{Hash: h})
	if err != nil {
		return nil, err
	}
	alg, _ := cms.DigestAlgorithm(h)
	sd := &cms.SignedData{
		Version:          3,
		DigestAlgorithms: []pkix.AlgorithmIdentifier{alg},
		ContentType:      cms.OIDTSTInfo,
		Content:          infoDER,
		SignerInfos:      []cms.SignerInfo{*si},
	}
	if req.CertReq {
		sd.Certificates = append(sd.Certificates, s.Cert.Raw)
		for _, c := range s.Chain {
			sd.Certificates = append(sd.Certificates, c.Raw)
		}
	}
	return sd.Marshal()
}

// marshalTSTInfo encodes TSTInfo, leaving out empty optional fields.
func marshalTSTInfo(info tstInfo) ([]byte, error) {
	type tstInfoOut struct {
		Version        int
		Policy         asn1.ObjectIdentifier
		MessageImprint messageImprint
		SerialNumber   *big.Int
		GenTime        asn1.RawValue
		Accuracy       accuracy      `asn1:"optional"`
		Nonce          *big.Int      `asn1:"optional"`
		TSA            asn1.RawValue `asn1:"optional"`
	}
	// GeneralizedTime with milliseconds, no trailing zeros (RFC 3161 §2.4.2).
	gt := info.GenTime.Format("20060102150405.000")
	gt = strings.TrimRight(strings.TrimRight(gt, "0"), ".") + "Z"
	return asn1.Marshal(tstInfoOut{
		Version: info.Version, Policy: info.Policy, MessageImprint: info.MessageImprint,
		SerialNumber: info.SerialNumber,
		GenTime:      asn1.RawValue{Tag: asn1.TagGeneralizedTime, Bytes: []byte(gt)},
		Accuracy:     info.Accuracy, Nonce: info.Nonce, TSA: info.TSA,
	})
}

// nextSerial returns a unique serial number. With SerialFile, blocks of
// serials are reserved on disk before use, so a restart never reuses one.
func (s *Server) nextSerial() (*big.Int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.next == nil {
		if s.SerialFile == "" {
			s.next = big.NewInt(time.Now().UnixNano())
			s.reserved = nil
		} else {
			start, err := readSerialFile(s.SerialFile)
			if err != nil {
				return nil, err
			}
			s.next = start
			s.reserved = new(big.Int).Set(start)
		}
	}
	if s.reserved != nil && s.next.Cmp(s.reserved) >= 0 {
		limit := new(big.Int).Add(s.next, big.NewInt(serialBlock))
		if err := atomicfile.Write(s.SerialFile, []byte(limit.String()+"\n"), 0o644, true); err != nil {
			return nil, fmt.Errorf("tsa: reserving serial numbers: %w", err)
		}
		s.reserved = limit
	}
	out := new(big.Int).Set(s.next)
	s.next.Add(s.next, big.NewInt(1))
	return out, nil
}

func readSerialFile(name string) (*big.Int, error) {
	data, err := os.ReadFile(name)
	if errors.Is(err, os.ErrNotExist) {
		return big.NewInt(1), nil
	}
	if err != nil {
		return nil, fmt.Errorf("tsa: serial file: %w", err)
	}
	n, ok := new(big.Int).SetString(strings.TrimSpace(string(data)), 10)
	if !ok || n.Sign() <= 0 {
		return nil, fmt.Errorf("tsa: serial file %s: not a positive number", name)
	}
	return n, nil
}

// newNonce returns a random 64-bit positive nonce.
func newNonce() (*big.Int, error) {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	b[0] &= 0x7f
	b[0] |= 0x40
	return new(big.Int).SetBytes(b), nil
}
