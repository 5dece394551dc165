package archive

import "testing"

// Detached references resolve to the signature's folder and below it
// (scanned-record manifests list "scan/page001.xml"), never above it or
// elsewhere.
func TestBesideNames(t *testing.T) {
	for name, ok := range map[string]bool{
		"letter.txt":         true,
		"scan/page001.xml":   true,
		"":                   false,
		".":                  false,
		"..":                 false,
		"../secret":          false,
		"scan/../../secret":  false,
		"/etc/passwd":        false,
		"scan//x":            false,
		`scan\x`:             false,
		"http://127.0.0.1/x": false,
		"scan/page%2e%2e/x":  false,
		"scan/./x":           false,
	} {
		if got := isBesideName(name); got != ok {
			t.Errorf("isBesideName(%q) = %v, want %v", name, got, ok)
		}
	}
}
