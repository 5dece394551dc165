package docformat_test

import (
	"fmt"

	"github.com/hpki-jp/hpki/docformat"
)

func ExampleDetect() {
	fmt.Println(docformat.Detect([]byte(`<?xml version="1.0" encoding="UTF-8"?><Prescription/>`)))
	fmt.Println(docformat.Detect([]byte("%PDF-1.7\n")))
	fmt.Println(docformat.Detect([]byte("plain text")))
	// Output:
	// xml
	// pdf
	// other
}
