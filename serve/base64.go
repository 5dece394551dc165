package serve

import (
	"encoding/base64"
	"encoding/binary"
)

// Tables of decodeBase64: the value of a standard base64 character at each
// of the four positions of a quantum, shifted into place in a 24-bit
// group; any other byte has bit 24 set.
var b64pos [4][256]uint32

func init() {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for p := range b64pos {
		for i := range b64pos[p] {
			b64pos[p][i] = 1 << 24
		}
		for v, c := range []byte(alphabet) {
			b64pos[p][c] = uint32(v) << (18 - 6*p)
		}
	}
}

// decodeBase64 decodes src as base64.StdEncoding.Decode does, with the
// same result and the same success or failure (FuzzDecodeBase64): eight
// characters at a time by table while they are plain (no padding, line
// break or other byte) and more than the last quantum remains, the rest by
// encoding/base64. dst must hold base64.StdEncoding.DecodedLen(len(src))
// bytes. The standard decoder costs more than a verification's hashing
// of the same document.
func decodeBase64(dst, src []byte) (int, error) {
	n, si := 0, 0
	for len(src)-si >= 12 && len(dst)-n >= 8 {
		s := src[si : si+8 : si+8]
		a := b64pos[0][s[0]] | b64pos[1][s[1]] | b64pos[2][s[2]] | b64pos[3][s[3]]
		b := b64pos[0][s[4]] | b64pos[1][s[5]] | b64pos[2][s[6]] | b64pos[3][s[7]]
		if (a|b)>>24 != 0 {
			break
		}
		binary.BigEndian.PutUint64(dst[n:], uint64(a)<<40|uint64(b)<<16)
		n += 6
		si += 8
	}
	m, err := base64.StdEncoding.Decode(dst[n:], src[si:])
	return n + m, err
}
