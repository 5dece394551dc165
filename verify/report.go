// Package verify validates CAdES and XAdES signatures made with HPKI
// credentials and reports the outcome with the ETSI EN 319 102-1 indications.
//
// Security contract: a Report whose Indication is TotalPassed means that every
// signature in the input was cryptographically intact, covered exactly the data
// listed in Covers, chained to one of the caller's trust anchors at the best
// signature time (never at the self-asserted signing time), and satisfied the
// caller's role policy. Any other indication must be treated as "not signed".
package verify

import (
	"strings"
	"time"
)

// Indication is the main validation status of ETSI EN 319 102-1.
type Indication string

// The three main indications.
const (
	TotalPassed   Indication = "TOTAL_PASSED"
	TotalFailed   Indication = "TOTAL_FAILED"
	Indeterminate Indication = "INDETERMINATE"
)

// SubIndication refines a TotalFailed or Indeterminate indication.
type SubIndication string

// Sub-indications of ETSI EN 319 102-1 used by this package.
const (
	None                      SubIndication = ""
	FormatFailure             SubIndication = "FORMAT_FAILURE"
	HashFailure               SubIndication = "HASH_FAILURE"
	SigCryptoFailure          SubIndication = "SIG_CRYPTO_FAILURE"
	Revoked                   SubIndication = "REVOKED"
	Expired                   SubIndication = "EXPIRED"
	NotYetValid               SubIndication = "NOT_YET_VALID"
	NoCertificateChainFound   SubIndication = "NO_CERTIFICATE_CHAIN_FOUND"
	RevokedNoPOE              SubIndication = "REVOKED_NO_POE"
	RevokedCANoPOE            SubIndication = "REVOKED_CA_NO_POE"
	OutOfBoundsNoPOE          SubIndication = "OUT_OF_BOUNDS_NO_POE"
	OutOfBoundsNotRevoked     SubIndication = "OUT_OF_BOUNDS_NOT_REVOKED"
	NoPOE                     SubIndication = "NO_POE"
	TryLater                  SubIndication = "TRY_LATER"
	SignedDataNotFound        SubIndication = "SIGNED_DATA_NOT_FOUND"
	NoSigningCertificateFound SubIndication = "NO_SIGNING_CERTIFICATE_FOUND"
	ChainConstraintsFailure   SubIndication = "CHAIN_CONSTRAINTS_FAILURE"
	CryptoConstraintsFailure  SubIndication = "CRYPTO_CONSTRAINTS_FAILURE"
	TimestampOrderFailure     SubIndication = "TIMESTAMP_ORDER_FAILURE"
	SignaturePolicyNotAvail   SubIndication = "SIGNATURE_POLICY_NOT_AVAILABLE"
	SigConstraintsFailure     SubIndication = "SIG_CONSTRAINTS_FAILURE"
	CertificateChainGeneral   SubIndication = "CERTIFICATE_CHAIN_GENERAL_FAILURE"
)

// Report is the result of validating one signature file. Its JSON encoding is
// the stable output of `hpki verify --output json`.
type Report struct {
	// Indication is the worst indication over all signatures.
	Indication Indication `json:"indication"`
	// SubIndication belongs to the signature that determined Indication.
	SubIndication SubIndication `json:"subIndication,omitempty"`
	// Format is "CAdES" or "XAdES".
	Format string `json:"format,omitempty"`
	// ValidationTime is the time the validation was made for (now or --at).
	ValidationTime time.Time `json:"validationTime"`
	// Signatures holds one entry per signature and counter-signature.
	Signatures []SignatureReport `json:"signatures"`
	// Errors are problems that concern the file as a whole. Every message
	// of a report is in English, a stable text programs may match on;
	// WriteText(w, "ja") shows them in Japanese.
	Errors []string `json:"errors,omitempty"`
}

// SignatureReport is the validation result of one signature.
type SignatureReport struct {
	// ID names the signature inside the file (e.g. "S1", the XML Id, or
	// "S1/counter1" for a counter-signature).
	ID string `json:"id,omitempty"`
	// Kind is empty for a signature and "documentTimestamp" for a PDF
	// document timestamp (which has a TSA, not a signer).
	Kind          string        `json:"kind,omitempty"`
	Indication    Indication    `json:"indication"`
	SubIndication SubIndication `json:"subIndication,omitempty"`
	// Level is the baseline level reached, e.g. "CAdES-BASELINE-T".
	Level  string `json:"level,omitempty"`
	Signer Signer `json:"signer"`
	// ClaimedSigningTime is the signer's own, unproven, signing-time.
	ClaimedSigningTime *time.Time `json:"claimedSigningTime,omitempty"`
	// BestSignatureTime is the earliest time the signature is proven to
	// have existed (a valid timestamp), or the validation time.
	BestSignatureTime time.Time   `json:"bestSignatureTime"`
	Timestamps        []Timestamp `json:"timestamps,omitempty"`
	// RenewBy is when the certificate path of the newest valid timestamp
	// expires: an archive timestamp must be added (hpki extend --to LTA)
	// before then, or the proofs of existence can no longer be checked.
	RenewBy *time.Time `json:"renewBy,omitempty"`
	// Covers lists what the signature protects (file name, XML element...).
	Covers []string `json:"covers,omitempty"`
	// SignaturePolicy is the EPES signature policy OID, when present.
	SignaturePolicy string `json:"signaturePolicy,omitempty"`
	DigestAlgorithm string `json:"digestAlgorithm,omitempty"`
	// Revocation reports the status checks of the signer's path.
	Revocation []RevocationCheck `json:"revocation,omitempty"`
	Errors     []string          `json:"errors,omitempty"`
	Warnings   []string          `json:"warnings,omitempty"`
	// ValidationData is what this validation used (for hpki extend).
	ValidationData *ValidationData `json:"-"`
	// SignedData lists, for each content reference of a XAdES signature
	// (SignedInfo and signed ds:Manifest; SignedProperties and KeyInfo
	// aside), in the order of Covers, where the covered data is and, when
	// Options.KeepSignedData is set, the exact octets that were digested.
	// An application must read the signed content from here (or from the
	// element at Location), never by searching the document for an
	// element name: other, unsigned, elements of the same name may exist.
	SignedData []SignedData `json:"signedData,omitempty"`
}

// SignedData is one piece of data a XAdES signature covers.
type SignedData struct {
	// URI is the reference's URI as written.
	URI string `json:"uri"`
	// Location is the absolute path of the covered element (see
	// xmlsig.Path), empty for a detached file.
	Location string `json:"location,omitempty"`
	// Excluded is the absolute path of the ds:Signature the
	// enveloped-signature transform left out of the element at Location
	// (a direct child of it): that subtree is not signed. Empty when
	// nothing was left out.
	Excluded string `json:"excluded,omitempty"`
	// Partial is true when the transforms of a reference to a detached
	// file (or to data decoded from base64) select only part of it: only
	// that part is signed, the rest (LeftOut) may change without breaking
	// the signature, and Data is the selected part after the transforms,
	// never the file.
	Partial bool `json:"partial,omitempty"`
	// LeftOut lists what a Partial reference left out: paths inside that
	// data (see xmlsig.Path) and, in words, the nodes outside its root.
	LeftOut []string `json:"leftOut,omitempty"`
	// InSignature is true when the covered element lies inside the
	// signature's own ds:Signature (an enveloping ds:Object).
	InSignature bool `json:"inSignature,omitempty"`
	// Manifest is true for a reference of a signed ds:Manifest.
	Manifest bool `json:"manifest,omitempty"`
	// Checked is true when the digest was computed and matched.
	Checked bool `json:"checked"`
	// Data is the octets digested (the canonical form of the element,
	// the file's bytes), with Options.KeepSignedData; shared, do not
	// modify.
	Data []byte `json:"-"`
}

// Signer describes the signer certificate.
type Signer struct {
	Subject string `json:"subject"`
	// SubjectJa is the Kanji name from the subjectAltName DirName, when present.
	SubjectJa string `json:"subjectJa,omitempty"`
	Issuer    string `json:"issuer,omitempty"`
	Serial    string `json:"serial,omitempty"`
	Roles     []Role `json:"roles"`
	// HPKI is "signing", "authentication" or "none".
	HPKI      string    `json:"hpki"`
	NotBefore time.Time `json:"notBefore,omitempty"`
	NotAfter  time.Time `json:"notAfter,omitempty"`
}

// Role is one HPKI role (hcRole) of the signer.
type Role struct {
	// Code is the English role string as carried in the certificate.
	Code string `json:"code"`
	// Ja is the Japanese name from the catalogue, empty when unknown.
	Ja string `json:"ja,omitempty"`
	// Scheme is the codingSchemeReference OID.
	Scheme string `json:"scheme"`
}

// Timestamp reports one RFC 3161 timestamp found in the signature.
type Timestamp struct {
	// Type is "signature", "archive" (archive-time-stamp-v3, or a PDF
	// document timestamp), "archive-v2" (archive-time-stamp-v2 of ETSI TS
	// 101 733), "esc", "certcrl" or "content".
	Type       string        `json:"type"`
	GenTime    time.Time     `json:"genTime"`
	TSA        string        `json:"tsa"`
	Indication Indication    `json:"indication"`
	SubInd     SubIndication `json:"subIndication,omitempty"`
	Errors     []string      `json:"errors,omitempty"`
	// Revocation reports the status checks of the TSA's certificates.
	Revocation []RevocationCheck `json:"revocation,omitempty"`
}

// levelSuffixes lists the baseline levels from the lowest.
var levelSuffixes = []string{"-B", "-T", "-LT", "-LTA"}

// LevelRank orders baseline levels by their suffix: B 0, T 1, LT 2, LTA 3,
// -1 for anything else (a plain CMS or XML-DSig signature).
func LevelRank(level string) int {
	for i := len(levelSuffixes) - 1; i >= 0; i-- {
		if strings.HasSuffix(level, levelSuffixes[i]) {
			return i
		}
	}
	return -1
}

// Level returns the lowest level among the report's signatures
// (counter-signatures, whose IDs contain "/", aside).
func (r *Report) Level() string {
	low := ""
	for _, s := range r.Signatures {
		if strings.Contains(s.ID, "/") || s.Kind != "" {
			continue
		}
		if low == "" || LevelRank(s.Level) < LevelRank(low) {
			low = s.Level
		}
	}
	return low
}

// RenewBy returns the earliest renewal deadline among the report's
// signatures, or nil when none has a valid timestamp.
func (r *Report) RenewBy() *time.Time {
	var first *time.Time
	for _, s := range r.Signatures {
		if s.RenewBy != nil && (first == nil || s.RenewBy.Before(*first)) {
			t := *s.RenewBy
			first = &t
		}
	}
	return first
}
