module github.com/hpki-jp/hpki/examples

go 1.26.0

require github.com/hpki-jp/hpki v0.0.0

require (
	github.com/beevik/etree v1.8.1 // indirect
	golang.org/x/crypto v0.58.0 // indirect
	software.sslmate.com/src/go-pkcs12 v0.7.4 // indirect
)

replace github.com/hpki-jp/hpki => ../
