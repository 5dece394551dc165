// Package docformat tells what a file holds from its first bytes: an XML
// document, a PDF, a CMS (PKCS #7) structure in DER/BER or PEM, or
// something else. hpki uses it to pick the signature format of a document
// to sign (XAdES for XML) and the validation of a signature file.
//
// Security contract: Detect only classifies; it never validates. A file it
// calls CMS or XML may still be anything and must be parsed by the code
// that validates it. Detect reads at most SniffLen bytes and allocates
// nothing.
package docformat

import "bytes"

// Kind is what a file holds.
type Kind int

// The kinds Detect tells apart.
const (
	// Other is anything not recognised: it is signed as opaque bytes.
	Other Kind = iota
	// XML is a document whose first significant character (after an
	// optional UTF-8 byte order mark and white space) is '<'.
	XML
	// PDF is a document with the %PDF- header within its first SniffLen
	// bytes (readers accept bytes before it).
	PDF
	// CMS is a DER or BER encoded ContentInfo of type signedData.
	CMS
	// PEM is PEM text ("-----BEGIN "), such as a PEM encoded CMS.
	PEM
)

// SniffLen is how many leading bytes Detect looks at.
const SniffLen = 1024

var kindNames = [...]string{Other: "other", XML: "xml", PDF: "pdf", CMS: "cms", PEM: "pem"}

// String returns "xml", "pdf", "cms", "pem" or "other".
func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return "other"
	}
	return kindNames[k]
}

// oidSignedData is the DER encoding (tag, length, value) of the
// id-signedData object identifier 1.2.840.113549.1.7.2.
var oidSignedData = []byte{0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02}

// Detect classifies a file by its first bytes; head may be the whole file
// or any prefix of it (only the first SniffLen bytes are looked at).
func Detect(head []byte) Kind {
	if len(head) > SniffLen {
		head = head[:SniffLen]
	}
	if isCMS(head) {
		return CMS
	}
	if bytes.Contains(head, []byte("%PDF-")) {
		return PDF
	}
	d := bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")), " \t\r\n")
	switch {
	case bytes.HasPrefix(d, []byte("-----BEGIN ")):
		return PEM
	case len(d) > 0 && d[0] == '<':
		return XML
	}
	return Other
}

// isCMS reports whether head starts as a ContentInfo of type signedData:
// a SEQUENCE (definite or indefinite length) whose first element is the
// id-signedData OID.
func isCMS(head []byte) bool {
	if len(head) < 2 || head[0] != 0x30 {
		return false
	}
	i := 2
	switch l := head[1]; {
	case l == 0x80: // BER indefinite length
	case l < 0x80:
	case l <= 0x84:
		i += int(l & 0x7f)
	default:
		return false
	}
	return len(head) >= i+len(oidSignedData) && bytes.Equal(head[i:i+len(oidSignedData)], oidSignedData)
}
