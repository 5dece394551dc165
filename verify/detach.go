package verify

import (
	"reflect"
	"strings"
)

// The XML parse of VerifyXAdES borrows the document's bytes
// (xmlsig.ParseSurveyed): the names, identifiers and URIs it reads share
// the caller's memory. Before a report is returned, detachReport copies
// every string in it, so that nothing the caller gets changes when the
// caller then reuses or overwrites its buffer.

// reportPkg is the package path of the report's types.
var reportPkg = reflect.TypeFor[Report]().PkgPath()

// detachReport replaces every string of rep by a copy.
func detachReport(rep *Report) {
	if rep != nil {
		detachStrings(reflect.ValueOf(rep).Elem())
	}
}

// detachStrings copies the strings of v in place. It walks the report's
// own types (their fields are all exported: TestReportTypesDetach) and
// the slices, arrays, maps and pointers holding them. It skips byte
// slices and other packages' structs (time.Time, x509.Certificate): their
// bytes are never the document's (decoded values are new allocations, and
// converting a string to bytes copies it).
func detachStrings(v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		if v.Len() > 0 {
			v.SetString(strings.Clone(v.String()))
		}
	case reflect.Pointer:
		if !v.IsNil() {
			detachStrings(v.Elem())
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return
		}
		for i := 0; i < v.Len(); i++ {
			detachStrings(v.Index(i))
		}
	case reflect.Struct:
		if v.Type().PkgPath() != reportPkg {
			return
		}
		for i := 0; i < v.NumField(); i++ {
			detachStrings(v.Field(i))
		}
	}
}
