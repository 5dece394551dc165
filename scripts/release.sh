#!/usr/bin/env bash
# Builds the release binaries into dist/ with version, commit and date set:
#   linux/amd64    cgo, card support
#   linux/arm64    cgo with card support when aarch64-linux-gnu-gcc is
#                  installed, else without cgo (no card support)
#   darwin/arm64   no cgo (no card support; a macOS build with cards must be
#                  made on a Mac)
#   windows/amd64  cgo, card support, cross-compiled with Debian's mingw-w64
# and dist/SHA256SUMS. VERSION, COMMIT and DATE may be given; by default they
# come from git (DATE is the commit's date, so a rebuild is identical).
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION="${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}"
COMMIT="${COMMIT:-$(git rev-parse HEAD 2>/dev/null || echo unknown)}"
DATE="${DATE:-$(git log -1 --format=%cI 2>/dev/null || echo unknown)}"
ldflags="-s -w -X main.version=$VERSION -X main.commit=$COMMIT -X main.date=$DATE"
mkdir -p dist
rm -f dist/hpki-* dist/SHA256SUMS

build() { # GOOS GOARCH CGO CC
  local out="dist/hpki-$VERSION-$1-$2"
  [ "$1" = windows ] && out="$out.exe"
  echo "release: $out (CGO_ENABLED=$3${4:+, CC=$4})"
  CGO_ENABLED="$3" GOOS="$1" GOARCH="$2" CC="${4:-}" go build -trimpath -ldflags "$ldflags" -o "$out" ./cmd/hpki
}

build linux amd64 1
if command -v aarch64-linux-gnu-gcc >/dev/null 2>&1; then
  build linux arm64 1 aarch64-linux-gnu-gcc
else
  build linux arm64 0
fi
build darwin arm64 0
command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1 || { echo "release: x86_64-w64-mingw32-gcc missing (make deps installs mingw-w64)" >&2; exit 1; }
build windows amd64 1 x86_64-w64-mingw32-gcc
(cd dist && sha256sum hpki-* > SHA256SUMS)
"dist/hpki-$VERSION-linux-amd64" version
