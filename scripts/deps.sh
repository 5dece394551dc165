#!/usr/bin/env bash
# Installs what the tests and the demo need: OpenSSL, SoftHSM2 with OpenSC's
# pkcs11-tool, xmlsec1 and libxmlsec1's Python binding (make bench), GNU time,
# curl and Python 3 (hpki serve clients; the archive-time-stamp-v2 test
# vectors), mingw-w64 and Wine (the Windows build),
# Node, the Node packages of the interop peers (xadesjs, @signpdf and pdf-lib,
# in interop/node), the PDF peers (poppler-utils, qpdf, libnss3-tools) and PDF
# producers (Ghostscript, img2pdf), and versitygw (an S3 server) with go
# install. LibreOffice is not installed: its exports are committed
# (testdata/pdf/producers/make.sh).
# Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v softhsm2-util >/dev/null 2>&1 || need+=(softhsm2)
command -v pkcs11-tool >/dev/null 2>&1 || need+=(opensc)
command -v xmlsec1 >/dev/null 2>&1 || need+=(xmlsec1)
/usr/bin/python3 -c 'import xmlsec' >/dev/null 2>&1 || need+=(python3-xmlsec) # Debian's Python, not another one on PATH
python3 -c 'import cryptography' >/dev/null 2>&1 || need+=(python3-cryptography) # the attack scripts of testdata/attacks
[ -x /usr/bin/time ] || need+=(time)
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v python3 >/dev/null 2>&1 || need+=(python3)
# PAdES peers: poppler's pdfsig/pdftoppm, qpdf, NSS tools for pdfsig's
# database; poppler-data and a Japanese font so the visible signature's
# Kanji (HeiseiMin-W3, not embedded) renders.
command -v pdfsig >/dev/null 2>&1 || need+=(poppler-utils)
command -v qpdf >/dev/null 2>&1 || need+=(qpdf)
command -v certutil >/dev/null 2>&1 || need+=(libnss3-tools)
[ -d /usr/share/poppler/cMap/Adobe-Japan1 ] || need+=(poppler-data)
fc-list 2>/dev/null | grep -qi ipa || need+=(fonts-ipafont-mincho)
# Producers of the PDFs the interop tests sign: Ghostscript (PDF/A-2b) and
# img2pdf (a scan).
command -v gs >/dev/null 2>&1 || need+=(ghostscript)
command -v img2pdf >/dev/null 2>&1 || need+=(img2pdf)
if [ ${#need[@]} -gt 0 ]; then
  echo "deps: installing ${need[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# versitygw: a real S3 server (an S3 gateway over a folder) for the
# object-storage tests of the archive package, built from the Go module
# proxy (pure Go, builds with the project's Go in a few minutes; MinIO is
# far larger to build and its source distribution has changed hands).
VERSITYGW_VERSION=v1.8.0
gobin="$(go env GOBIN)"; [ -n "$gobin" ] || gobin="$(go env GOPATH)/bin"
if ! command -v versitygw >/dev/null 2>&1 && [ ! -x "$gobin/versitygw" ]; then
  echo "deps: go install versitygw $VERSITYGW_VERSION"
  go install "github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION"
fi

# A node_modules that is a symbolic link (a git worktree sharing another
# checkout's packages) is left alone: npm ci would empty the shared folder.
if [ -f interop/node/package.json ] && [ ! -L interop/node/node_modules ]; then
  if [ ! -d interop/node/node_modules ] || [ interop/node/package-lock.json -nt interop/node/node_modules ]; then
    echo "deps: npm ci in interop/node"
    (cd interop/node && npm ci --no-audit --no-fund --loglevel=error)
    touch interop/node/node_modules
  fi
fi
echo "deps: ok ($(openssl version | cut -d' ' -f1-2), $(pdfsig -v 2>&1 | head -1), $(qpdf --version | head -1), softhsm2 $(softhsm2-util --version), $(xmlsec1 --version | head -1), node $(node --version), xadesjs $(node -p 'require("./interop/node/node_modules/xadesjs/package.json").version'), @signpdf/signpdf $(node -p 'require("./interop/node/node_modules/@signpdf/signpdf/package.json").version'), pdf-lib $(node -p 'require("./interop/node/node_modules/pdf-lib/package.json").version'), Ghostscript $(gs --version), $(img2pdf --version), versitygw $VERSITYGW_VERSION)"
