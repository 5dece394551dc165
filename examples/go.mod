module github.com/hpki-jp/hpki/examples

go 1.26.0

require github.com/hpki-jp/hpki v0.0.0

require (
	github.com/beevik/etree v1.8.1 // indirect
	github.com/digitorus/pkcs7 v0.0.0-20250730155240-ffadbf3f398c // indirect
	github.com/digitorus/timestamp v0.0.0-20231217203849-220c5c2851b7 // indirect
	golang.org/x/crypto v0.58.0 // indirect
	software.sslmate.com/src/go-pkcs12 v0.7.4 // indirect
)

replace github.com/hpki-jp/hpki => ../
