package serve

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/hpki-jp/hpki/auth"
)

type connKey struct{}

// connState caches the identity of a connection's TLS client certificate
// for identityTTL: a long-lived connection is checked again (revocation).
type connState struct {
	mu  sync.Mutex
	id  *auth.Identity
	err error
	sum [32]byte
	at  time.Time
}

// identityTTL is how long a connection's checked client certificate is
// trusted before it is checked again.
const identityTTL = time.Minute

func connContext(ctx context.Context, _ net.Conn) context.Context {
	return context.WithValue(ctx, connKey{}, &connState{})
}

// TLSConfig returns the server TLS configuration for cert. With
// clientCertificates, clients are asked for a certificate (not required:
// browsers and programs without a card log in with a session token), which
// the handshake proves the client's key holds and auth then checks by the
// login rules (the path and revocation checks of the standard library are
// not used: HPKI rules are auth's).
//
// TLS 1.2 stays enabled because HPKI cards sign only with RSASSA-PKCS1-v1_5
// (CKM_RSA_PKCS), and TLS 1.3 allows only RSASSA-PSS for CertificateVerify
// (RFC 8446 §4.4.3): a card client negotiates TLS 1.2 with
// rsa_pkcs1_sha256 (auth.CardTLSConfig). Clients that can do PSS use TLS 1.3.
func TLSConfig(cert tls.Certificate, clientCertificates bool) *tls.Config {
	c := &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{cert},
		// TLS 1.2 with forward secrecy and AEAD only.
		CipherSuites: []uint16{
			tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
			tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
			tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
		},
	}
	if clientCertificates {
		c.ClientAuth = tls.RequestClientCert
	}
	return c
}

// identity returns the cached identity of the connection's certificate,
// checking it with check when there is none yet or it is older than
// identityTTL.
func (cc *connState) identity(leaf []byte, check func() (*auth.Identity, error)) (*auth.Identity, error) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	sum := sha256.Sum256(leaf)
	if cc.at.IsZero() || sum != cc.sum || time.Since(cc.at) > identityTTL {
		cc.id, cc.err = check()
		cc.sum, cc.at = sum, time.Now()
	}
	return cc.id, cc.err
}

// ErrPlainHTTP refuses plain HTTP on an address other hosts can reach.
var ErrPlainHTTP = errors.New("login and signing over plain HTTP")

// PlainHTTP is the rule for serving without TLS on host (the host of the
// listen address): on a loopback address (127.0.0.0/8, ::1, localhost) it
// is allowed with a warning (tokens and documents never leave the
// machine); on any other address, where session tokens, login responses
// and documents would cross the network in clear, it is refused unless
// insecure (the operator states that TLS is terminated in front, e.g. by
// a reverse proxy on the same host), and then warned about.
func PlainHTTP(host string, insecure bool) (warning string, err error) {
	ip := net.ParseIP(host)
	if host == "localhost" || (ip != nil && ip.IsLoopback()) {
		return "serving plain HTTP on a loopback address: fine for one machine; use --tls-cert/--tls-key for anything else", nil
	}
	if !insecure {
		return "", fmt.Errorf("%w on %q refused: session tokens and documents would travel in clear; give --tls-cert/--tls-key, or --insecure-http when TLS is terminated in front of this server", ErrPlainHTTP, host)
	}
	return "serving plain HTTP on a non-loopback address (--insecure-http): session tokens and documents travel in clear up to the TLS terminator", nil
}
