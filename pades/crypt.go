package pades

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"fmt"
	"hash"
)

// Encrypted PDFs. Files encrypted "for permissions" (an empty user
// password: anyone may open them, the owner password restricts printing,
// copying…) are common from EHR exports. This package reads and extends
// those that use the standard security handler revision 6 (AES-256, PDF
// 2.0), the one current producers write: the file key is derived from the
// empty user password; strings and streams are decrypted when read (DSS
// data, field names) and encrypted when added (except a signature's
// /Contents, which ISO 32000 leaves in clear). Other revisions (RC4, AES-128)
// and files that need a user password are refused.

// crypt is the file key of a revision-6 encrypted file.
type crypt struct {
	key []byte
	// identityStreams / identityStrings: the crypt filter is Identity.
	identityStreams, identityStrings bool
	encryptMetadata                  bool
}

// setupCrypt reads the last revision's /Encrypt dictionary.
func (f *File) setupCrypt() error {
	rev := f.Revisions[len(f.Revisions)-1]
	enc := rev.Trailer["Encrypt"]
	if enc == nil {
		return nil
	}
	d := f.dict(rev, enc)
	if d == nil {
		return errors.New("pades: /Encrypt is not a dictionary")
	}
	if d.Name("Filter") != "Standard" {
		return fmt.Errorf("pades: security handler %q is not supported", d.Name("Filter"))
	}
	r, _ := d["R"].(int64)
	if r != 6 {
		return fmt.Errorf("pades: encryption revision %d is not supported (only AES-256, revision 6)", r)
	}
	u, ok1 := d["U"].(String)
	ue, ok2 := d["UE"].(String)
	if !ok1 || !ok2 || len(u.B) < 48 || len(ue.B) != 32 {
		return errors.New("pades: bad /U or /UE in /Encrypt")
	}
	if !bytes.Equal(hash2B(nil, u.B[32:40], nil), u.B[:32]) {
		return errors.New("pades: the PDF needs a password to open: only files encrypted for permissions (empty user password) are supported")
	}
	ik := hash2B(nil, u.B[40:48], nil)
	block, err := aes.NewCipher(ik)
	if err != nil {
		return err
	}
	key := make([]byte, 32)
	cipher.NewCBCDecrypter(block, make([]byte, 16)).CryptBlocks(key, ue.B)
	c := &crypt{key: key, encryptMetadata: true}
	if em, ok := d["EncryptMetadata"].(bool); ok {
		c.encryptMetadata = em
	}
	cf, _ := d["CF"].(Dict)
	filter := func(name Name) (identity bool, err error) {
		if name == "" || name == "Identity" {
			return name == "Identity", nil
		}
		fd, _ := cf[name].(Dict)
		if fd.Name("CFM") != "AESV3" {
			return false, fmt.Errorf("pades: crypt filter %q is not AESV3", name)
		}
		return false, nil
	}
	if c.identityStreams, err = filter(d.Name("StmF")); err != nil {
		return err
	}
	if c.identityStrings, err = filter(d.Name("StrF")); err != nil {
		return err
	}
	f.crypt = c
	return nil
}

// hash2B is algorithm 2.B of ISO 32000-2 (revision 6 password hash).
func hash2B(password, salt, udata []byte) []byte {
	h := sha256.New()
	h.Write(password)
	h.Write(salt)
	h.Write(udata)
	k := h.Sum(nil)
	for i := 0; ; i++ {
		k1 := bytes.Repeat(append(append(append([]byte{}, password...), k...), udata...), 64)
		block, _ := aes.NewCipher(k[:16])
		e := make([]byte, len(k1))
		cipher.NewCBCEncrypter(block, k[16:32]).CryptBlocks(e, k1)
		sum := 0
		for _, b := range e[:16] {
			sum += int(b)
		}
		var hh hash.Hash
		switch sum % 3 {
		case 0:
			hh = sha256.New()
		case 1:
			hh = sha512.New384()
		default:
			hh = sha512.New()
		}
		hh.Write(e)
		k = hh.Sum(nil)
		if i >= 63 && int(e[len(e)-1]) <= i+1-32 {
			break
		}
	}
	return k[:32]
}

// decrypt reverses AES-256-CBC with the IV first and PKCS#5 padding.
func (c *crypt) decrypt(data []byte) ([]byte, error) {
	if len(data) < 32 || len(data)%16 != 0 {
		if len(data) == 0 {
			return data, nil
		}
		return nil, errors.New("pades: encrypted data of a bad length")
	}
	block, _ := aes.NewCipher(c.key)
	out := make([]byte, len(data)-16)
	cipher.NewCBCDecrypter(block, data[:16]).CryptBlocks(out, data[16:])
	p := int(out[len(out)-1])
	if p < 1 || p > 16 || p > len(out) {
		return nil, errors.New("pades: bad padding in encrypted data")
	}
	return out[:len(out)-p], nil
}

// encrypt is AES-256-CBC with a random IV first and PKCS#5 padding.
func (c *crypt) encrypt(data []byte) []byte {
	block, _ := aes.NewCipher(c.key)
	p := 16 - len(data)%16
	plain := append(append([]byte{}, data...), bytes.Repeat([]byte{byte(p)}, p)...)
	out := make([]byte, 16+len(plain))
	rand.Read(out[:16])
	cipher.NewCBCEncrypter(block, out[:16]).CryptBlocks(out[16:], plain)
	return out
}

// text decodes a text string of the file, decrypting it when needed.
func (f *File) text(s String) string {
	if f.crypt != nil && !f.crypt.identityStrings {
		if b, err := f.crypt.decrypt(s.B); err == nil {
			return decodeText(b)
		}
	}
	return decodeText(s.B)
}

// plain is a string this package adds: encrypted when written into an
// encrypted file.
type plain []byte

// sealNew replaces the plain strings of o by strings ready to write
// (encrypted when the file is), recursively.
func (f *File) sealNew(o Object) Object {
	switch x := o.(type) {
	case plain:
		if f.crypt != nil && !f.crypt.identityStrings {
			return String{B: f.crypt.encrypt(x), Hex: true}
		}
		s := String{B: []byte(x)}
		for _, c := range x {
			if c >= 0x80 {
				s.Hex = true
			}
		}
		return s
	case Array:
		out := make(Array, len(x))
		for i, v := range x {
			out[i] = f.sealNew(v)
		}
		return out
	case Dict:
		out := make(Dict, len(x))
		for k, v := range x {
			out[k] = f.sealNew(v)
		}
		return out
	case newStream:
		data := x.data
		if f.crypt != nil && !f.crypt.identityStreams {
			data = f.crypt.encrypt(data)
		}
		return newStream{dict: f.sealNew(x.dict).(Dict), data: data}
	}
	return o
}
