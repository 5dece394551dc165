package main

// pkcs11KeyOptions selects a signing credential on a PKCS#11 token (an HPKI
// IC card or an HSM).
type pkcs11KeyOptions struct {
	Module      string // --pkcs11-module or env HPKI_PKCS11_MODULE
	TokenLabel  string // --token-label
	TokenSerial string // --token-serial
	KeyLabel    string // --key-label (fallback when the key cannot be found by its certificate)
	PINFile     string // --pin-file; else env HPKI_PIN; else a no-echo prompt
	Role        string // --require-role value(s), to choose among several signing certificates
}
