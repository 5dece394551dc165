#!/usr/bin/env bash
# Regenerates the PDFs of this folder, exported by LibreOffice Writer from
# referral.fodt (a one-page referral letter in Japanese, set in IPAMincho:
# apt-get install libreoffice-writer-nogui fonts-ipafont-mincho). The
# committed files were made by LibreOffice 7.4.7.2 (Debian 12,
# libreoffice-writer-nogui 4:7.4.7-1+deb12u14):
#
#   writer.pdf              the plain PDF export (PDF 1.6, classic
#                           cross-reference table, embedded TrueType subset)
#   writer-pdfa2b.pdf       the PDF/A-2b export (XMP metadata, output intent)
#   writer-permissions.pdf  the export "encrypted for permissions": no
#                           password to open, an owner password restricting
#                           copying and changes (LibreOffice 7.4 writes the
#                           standard security handler revision 3, RC4
#                           128-bit). The owner password is a fixture, not a
#                           secret: "owner-fixture".
#
# The other producers of the tests (Ghostscript, img2pdf, pdf-lib, qpdf)
# are light and run at test time (interop/producers_test.go).
set -euo pipefail
cd "$(dirname "$0")"
command -v soffice >/dev/null || { echo "make.sh: soffice not found (apt-get install libreoffice-writer-nogui)" >&2; exit 1; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
export HOME="$tmp/home" # a throw-away LibreOffice profile
mkdir -p "$HOME"
export_pdf() { # OUT.pdf FILTER-OPTIONS
  cp referral.fodt "$tmp/${1%.pdf}.fodt"
  soffice --headless --convert-to "pdf:writer_pdf_Export:$2" --outdir "$tmp" "$tmp/${1%.pdf}.fodt" >/dev/null
  mv "$tmp/$1" "$1"
}
export_pdf writer.pdf '{}'
export_pdf writer-pdfa2b.pdf '{"SelectPdfVersion":{"type":"long","value":"2"}}'
export_pdf writer-permissions.pdf '{"RestrictPermissions":{"type":"boolean","value":"true"},"PermissionPassword":{"type":"string","value":"owner-fixture"},"Printing":{"type":"long","value":"1"},"Changes":{"type":"long","value":"0"},"EnableCopyingOfContent":{"type":"boolean","value":"false"}}'
echo "made by $(soffice --version | head -1)"
