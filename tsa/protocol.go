package tsa

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"github.com/hpki-jp/hpki/internal/der"
	"math/big"
	"strings"
)

// TimeStampReq (RFC 3161 §2.4.1).
type timeStampReq struct {
	Version        int
	MessageImprint messageImprint
	ReqPolicy      asn1.ObjectIdentifier `asn1:"optional"`
	Nonce          *big.Int              `asn1:"optional"`
	CertReq        bool                  `asn1:"optional,default:false"`
	Extensions     []pkix.Extension      `asn1:"optional,tag:0"`
}

// PKIStatusInfo (RFC 3161 §2.4.2).
type pkiStatusInfo struct {
	Status       int
	StatusString []asn1.RawValue `asn1:"optional"`
	FailInfo     asn1.BitString  `asn1:"optional"`
}

type timeStampResp struct {
	Status         pkiStatusInfo
	TimeStampToken asn1.RawValue `asn1:"optional"`
}

// PKIStatus values.
const (
	StatusGranted                = 0
	StatusGrantedWithMods        = 1
	StatusRejection              = 2
	StatusWaiting                = 3
	StatusRevocationWarning      = 4
	StatusRevocationNotification = 5
)

var statusNames = map[int]string{
	StatusGranted: "granted", StatusGrantedWithMods: "grantedWithMods", StatusRejection: "rejection",
	StatusWaiting: "waiting", StatusRevocationWarning: "revocationWarning", StatusRevocationNotification: "revocationNotification",
}

// PKIFailureInfo bits.
const (
	FailBadAlg              = 0
	FailBadRequest          = 2
	FailBadDataFormat       = 5
	FailTimeNotAvailable    = 14
	FailUnacceptedPolicy    = 15
	FailUnacceptedExtension = 16
	FailAddInfoNotAvailable = 17
	FailSystemFailure       = 25
)

var failNames = []struct {
	bit  int
	name string
}{
	{FailBadAlg, "badAlg"}, {FailBadRequest, "badRequest"}, {FailBadDataFormat, "badDataFormat"},
	{FailTimeNotAvailable, "timeNotAvailable"}, {FailUnacceptedPolicy, "unacceptedPolicy"},
	{FailUnacceptedExtension, "unacceptedExtension"}, {FailAddInfoNotAvailable, "addInfoNotAvailable"},
	{FailSystemFailure, "systemFailure"},
}

// StatusError is a TSA's refusal to issue a token.
type StatusError struct {
	Status   int
	FailInfo []string
	Text     string
}

func (e *StatusError) Error() string {
	name := statusNames[e.Status]
	if name == "" {
		name = fmt.Sprintf("status %d", e.Status)
	}
	msg := "TSA answered " + name
	if len(e.FailInfo) > 0 {
		msg += " (" + strings.Join(e.FailInfo, ", ") + ")"
	}
	if e.Text != "" {
		msg += ": " + e.Text
	}
	return msg
}

func failInfoNames(bs asn1.BitString) []string {
	var out []string
	for _, f := range failNames {
		if bs.At(f.bit) == 1 {
			out = append(out, f.name)
		}
	}
	return out
}

// ParseResponse decodes a TimeStampResp. A response whose status is not
// granted or grantedWithMods gives a *StatusError. The token is parsed, not
// verified.
func ParseResponse(b []byte) (*Token, error) {
	var resp timeStampResp
	rest, err := asn1.Unmarshal(b, &resp)
	if err == nil {
		err = respFieldsEnd(b)
	}
	if err != nil || len(rest) != 0 {
		return nil, verr(Malformed, "TimeStampResp: %v", err)
	}
	if resp.Status.Status != StatusGranted && resp.Status.Status != StatusGrantedWithMods {
		var texts []string
		for _, v := range resp.Status.StatusString {
			if v.Tag == asn1.TagUTF8String {
				texts = append(texts, string(v.Bytes))
			}
		}
		return nil, &StatusError{Status: resp.Status.Status, FailInfo: failInfoNames(resp.Status.FailInfo), Text: strings.Join(texts, "; ")}
	}
	if resp.TimeStampToken.FullBytes == nil {
		return nil, verr(Malformed, "granted response without a token")
	}
	return ParseToken(resp.TimeStampToken.FullBytes)
}

// respFieldsEnd refuses elements after a TimeStampResp's token (a second
// token appended inside the SEQUENCE, which encoding/asn1 ignores).
func respFieldsEnd(b []byte) error {
	top, _, err := der.Top(b, asn1.TagSequence, true)
	if err != nil {
		return err
	}
	f := der.NewFields(top.Body)
	if _, err := f.Universal(asn1.TagSequence, true); err != nil {
		return err
	}
	if _, _, err := f.OptionalUniversal(asn1.TagSequence, true); err != nil {
		return err
	}
	return f.End("TimeStampResp")
}

// GrantedResponse wraps a DER TimeStampToken in a TimeStampResp with the
// status granted, the form `openssl ts -reply` and `openssl ts -verify -in`
// read (.tsr). It does not check the token.
func GrantedResponse(token []byte) ([]byte, error) {
	return asn1.Marshal(timeStampResp{
		Status:         pkiStatusInfo{Status: StatusGranted},
		TimeStampToken: asn1.RawValue{FullBytes: token},
	})
}
