package pades

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/md5"
	"crypto/rand"
	"crypto/rc4"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
)

// Encrypted PDFs. Files encrypted "for permissions" (an empty user
// password: anyone may open them, the owner password restricts printing,
// copying…) are common from EHR exports. This package reads and extends
// those of the standard security handler with an empty user password:
// revisions 2 and 3 (RC4, 40 to 128-bit keys), 4 (crypt filters V2 = RC4
// and AESV2 = AES-128) and 6 (AESV3 = AES-256, PDF 2.0). The file key is
// derived from the empty user password. Every string of an indirect object
// outside object streams is decrypted when the object is read (so that all
// the objects this package holds are plain text: compared, copied and
// rewritten alike), except the /Contents of a signature dictionary, which
// ISO 32000 leaves in clear; streams are decrypted when decoded. Strings and
// streams of the objects an incremental update writes are encrypted with
// the key of the object they are written in. Other handlers and revisions,
// and files that need a user password, are refused with one error.

// cryptMethod is how a crypt filter encrypts.
type cryptMethod int

const (
	methodIdentity cryptMethod = iota // no encryption
	methodRC4                         // RC4 with a per-object key (V2)
	methodAESV2                       // AES-128-CBC with a per-object key
	methodAESV3                       // AES-256-CBC with the file key
)

// crypt is the file key of an encrypted file and the methods of its
// string and stream crypt filters.
type crypt struct {
	key             []byte
	strings         cryptMethod
	streams         cryptMethod
	encryptMetadata bool
	// dict is the object number of the /Encrypt dictionary (0: direct),
	// whose strings are never encrypted.
	dict int
}

// padding is the password padding string of ISO 32000-1 algorithm 2.
var padding = []byte{
	0x28, 0xBF, 0x4E, 0x5E, 0x4E, 0x75, 0x8A, 0x41, 0x64, 0x00, 0x4E, 0x56, 0xFF, 0xFA, 0x01, 0x08,
	0x2E, 0x2E, 0x00, 0xB6, 0xD0, 0x68, 0x3E, 0x80, 0x2F, 0x0C, 0xA9, 0xFE, 0x64, 0x53, 0x69, 0x7A,
}

// ErrNeedsPassword is wrapped when a PDF needs a user password to open:
// only files encrypted for permissions (an empty user password) are read.
var ErrNeedsPassword = errors.New("the PDF needs a password to open")

var errUserPassword = fmt.Errorf("pades: %w: only files encrypted for permissions (empty user password) are supported", ErrNeedsPassword)

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
	c := &crypt{encryptMetadata: true}
	if r, ok := enc.(Ref); ok {
		c.dict = r.Num
	}
	if em, ok := d["EncryptMetadata"].(bool); ok {
		c.encryptMetadata = em
	}
	v, _ := d["V"].(int64)
	r, _ := d["R"].(int64)
	var err error
	switch {
	case r == 6 && v == 5:
		c.key, err = key6(d)
	case (r == 2 || r == 3) && (v == 1 || v == 2), r == 4 && v == 4:
		c.key, err = key4(d, rev.Trailer, r, v, c.encryptMetadata)
	default:
		return fmt.Errorf("pades: encryption /V %d /R %d is not supported (RC4 and AES of revisions 2, 3, 4 and 6)", v, r)
	}
	if err != nil {
		return err
	}
	if v < 4 {
		c.strings, c.streams = methodRC4, methodRC4
		f.crypt = c
		return nil
	}
	cf, _ := d["CF"].(Dict)
	filter := func(name Name) (cryptMethod, error) {
		if name == "" || name == "Identity" {
			return methodIdentity, nil
		}
		fd, _ := cf[name].(Dict)
		switch m := fd.Name("CFM"); {
		case m == "AESV3" && v == 5:
			return methodAESV3, nil
		case m == "AESV2" && v == 4:
			return methodAESV2, nil
		case m == "V2" && v == 4:
			return methodRC4, nil
		case m == "None":
			return methodIdentity, nil
		default:
			return 0, fmt.Errorf("pades: crypt filter %q (method %q) is not supported with /V %d", name, m, v)
		}
	}
	if c.streams, err = filter(d.Name("StmF")); err != nil {
		return err
	}
	if c.strings, err = filter(d.Name("StrF")); err != nil {
		return err
	}
	f.crypt = c
	return nil
}

// key6 derives the file key of revision 6 from the empty user password.
func key6(d Dict) ([]byte, error) {
	u, ok1 := d["U"].(String)
	ue, ok2 := d["UE"].(String)
	if !ok1 || !ok2 || len(u.B) < 48 || len(ue.B) != 32 {
		return nil, errors.New("pades: bad /U or /UE in /Encrypt")
	}
	if !bytes.Equal(hash2B(nil, u.B[32:40], nil), u.B[:32]) {
		return nil, errUserPassword
	}
	block, err := aes.NewCipher(hash2B(nil, u.B[40:48], nil))
	if err != nil {
		return nil, err
	}
	key := make([]byte, 32)
	cipher.NewCBCDecrypter(block, make([]byte, 16)).CryptBlocks(key, ue.B)
	return key, nil
}

// key4 derives the file key of revisions 2 to 4 from the empty user
// password (ISO 32000-1 algorithm 2) and checks it against /U
// (algorithms 4 and 5).
func key4(d, trailer Dict, r, v int64, encryptMetadata bool) ([]byte, error) {
	o, ok1 := d["O"].(String)
	u, ok2 := d["U"].(String)
	p, ok3 := d["P"].(int64)
	if !ok1 || !ok2 || !ok3 || len(o.B) < 32 || len(u.B) < 32 {
		return nil, errors.New("pades: bad /O, /U or /P in /Encrypt")
	}
	n := 5
	switch v {
	case 2:
		if l, ok := d["Length"].(int64); ok {
			if l < 40 || l > 128 || l%8 != 0 {
				return nil, fmt.Errorf("pades: bad /Length %d in /Encrypt", l)
			}
			n = int(l / 8)
		}
	case 4:
		n = 16
	}
	if r == 2 && n != 5 {
		return nil, errors.New("pades: revision 2 encryption with a key longer than 40 bits")
	}
	var id0 []byte
	if s, ok := firstID(trailer).(String); ok {
		id0 = s.B
	}
	h := md5.New()
	h.Write(padding)
	h.Write(o.B[:32])
	binary.Write(h, binary.LittleEndian, uint32(p))
	h.Write(id0)
	if r >= 4 && !encryptMetadata {
		h.Write([]byte{0xFF, 0xFF, 0xFF, 0xFF})
	}
	k := h.Sum(nil)
	if r >= 3 {
		for i := 0; i < 50; i++ {
			s := md5.Sum(k[:n])
			k = s[:]
		}
	}
	key := k[:n]
	var want, got []byte
	if r == 2 {
		got, want = rc4Crypt(key, padding), u.B[:32]
	} else {
		s := md5.Sum(append(append([]byte{}, padding...), id0...))
		got = rc4Crypt(key, s[:])
		x := make([]byte, n)
		for i := 1; i <= 19; i++ {
			for j := range x {
				x[j] = key[j] ^ byte(i)
			}
			got = rc4Crypt(x, got)
		}
		want = u.B[:16]
	}
	if !bytes.Equal(got, want) {
		return nil, errUserPassword
	}
	return key, nil
}

func rc4Crypt(key, data []byte) []byte {
	c, err := rc4.NewCipher(key)
	if err != nil {
		panic(err) // keys are 5 to 16 bytes here
	}
	out := make([]byte, len(data))
	c.XORKeyStream(out, data)
	return out
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

// objectKey is the key of object num, gen for method m (ISO 32000-1
// algorithm 1; the file key itself for AESV3).
func (c *crypt) objectKey(m cryptMethod, num, gen int) []byte {
	if m == methodAESV3 {
		return c.key
	}
	b := append([]byte{}, c.key...)
	b = append(b, byte(num), byte(num>>8), byte(num>>16), byte(gen), byte(gen>>8))
	if m == methodAESV2 {
		b = append(b, "sAlT"...)
	}
	s := md5.Sum(b)
	return s[:min(len(c.key)+5, 16)]
}

// decrypt reverses method m for object num, gen: RC4, or AES-CBC with
// the IV first and PKCS#5 padding.
func (c *crypt) decrypt(m cryptMethod, num, gen int, data []byte) ([]byte, error) {
	switch m {
	case methodIdentity:
		return data, nil
	case methodRC4:
		return rc4Crypt(c.objectKey(m, num, gen), data), nil
	}
	if len(data) < 32 || len(data)%16 != 0 {
		if len(data) == 0 {
			return data, nil
		}
		return nil, errors.New("pades: encrypted data of a bad length")
	}
	block, _ := aes.NewCipher(c.objectKey(m, num, gen))
	out := make([]byte, len(data)-16)
	cipher.NewCBCDecrypter(block, data[:16]).CryptBlocks(out, data[16:])
	p := int(out[len(out)-1])
	if p < 1 || p > 16 || p > len(out) {
		return nil, errors.New("pades: bad padding in encrypted data")
	}
	return out[:len(out)-p], nil
}

// encrypt applies method m for object num, gen: RC4, or AES-CBC with a
// random IV first and PKCS#5 padding.
func (c *crypt) encrypt(m cryptMethod, num, gen int, data []byte) []byte {
	switch m {
	case methodIdentity:
		return data
	case methodRC4:
		return rc4Crypt(c.objectKey(m, num, gen), data)
	}
	block, _ := aes.NewCipher(c.objectKey(m, num, gen))
	p := 16 - len(data)%16
	plain := append(append([]byte{}, data...), bytes.Repeat([]byte{byte(p)}, p)...)
	out := make([]byte, 16+len(plain))
	rand.Read(out[:16])
	cipher.NewCBCEncrypter(block, out[:16]).CryptBlocks(out[16:], plain)
	return out
}

// isSigDict reports whether d is a signature dictionary, whose /Contents
// is never encrypted.
func isSigDict(d Dict) bool {
	_, ok := d["ByteRange"]
	return ok
}

// openStrings decrypts in place the strings of o, the freshly parsed
// indirect object num, gen (not one inside an object stream: those are
// encrypted with their stream). A string that does not decrypt is kept as
// it is.
func (f *File) openStrings(o Object, num, gen int) {
	c := f.crypt
	if c == nil || c.strings == methodIdentity || num == c.dict {
		return
	}
	var walk func(o Object, depth int) Object
	walk = func(o Object, depth int) Object {
		if depth > maxWalk*4 {
			return o
		}
		switch x := o.(type) {
		case String:
			if b, err := c.decrypt(c.strings, num, gen, x.B); err == nil {
				x.B = b
			}
			return x
		case Array:
			for i, v := range x {
				x[i] = walk(v, depth+1)
			}
		case Dict:
			sig := isSigDict(x)
			for k, v := range x {
				if sig && k == "Contents" {
					continue
				}
				x[k] = walk(v, depth+1)
			}
		case *Stream:
			walk(x.Dict, depth+1)
		}
		return o
	}
	walk(o, 0)
}

// text decodes a text string of the file.
func (f *File) text(s String) string { return decodeText(s.B) }

// plain is a string this package adds: encrypted when written into an
// encrypted file.
type plain []byte

// sealNew replaces the strings of o, to be written as object num, gen, by
// strings ready to write (encrypted when the file is), recursively, and
// encrypts the data of a new stream.
func (f *File) sealNew(o Object, num, gen int) Object {
	c := f.crypt
	var seal func(o Object, depth int) Object
	seal = func(o Object, depth int) Object {
		switch x := o.(type) {
		case plain:
			if c != nil && c.strings != methodIdentity {
				return String{B: c.encrypt(c.strings, num, gen, x), Hex: true}
			}
			s := String{B: []byte(x)}
			for _, b := range x {
				if b >= 0x80 {
					s.Hex = true
				}
			}
			return s
		case String:
			if c != nil && c.strings != methodIdentity {
				return String{B: c.encrypt(c.strings, num, gen, x.B), Hex: true}
			}
			return x
		case Array:
			out := make(Array, len(x))
			for i, v := range x {
				out[i] = seal(v, depth+1)
			}
			return out
		case Dict:
			sig := isSigDict(x)
			out := make(Dict, len(x))
			for k, v := range x {
				if sig && k == "Contents" {
					out[k] = v
					continue
				}
				out[k] = seal(v, depth+1)
			}
			return out
		case newStream:
			data := x.data
			if c != nil && c.streams != methodIdentity {
				data = c.encrypt(c.streams, num, gen, data)
			}
			return newStream{dict: seal(x.dict, depth+1).(Dict), data: data}
		}
		return o
	}
	return seal(o, 0)
}
