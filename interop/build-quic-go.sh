#!/usr/bin/env bash
# Build the quic-go interop peer offline from Debian bookworm's packages:
# golang-go (Go 1.19) and golang-github-lucas-clemente-quic-go-dev (quic-go
# 0.29.0 source under /usr/share/gocode). GOPATH mode, no module proxy, no
# network. Output: interop/build/quic-go-endpoint.
set -euo pipefail
cd "$(dirname "$0")"

need=()
command -v go >/dev/null 2>&1 || need+=(golang-go)
[ -d /usr/share/gocode/src/github.com/lucas-clemente/quic-go ] || need+=(golang-github-lucas-clemente-quic-go-dev)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "build-quic-go: need root to apt-get install ${need[*]}" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

mkdir -p build
export GO111MODULE=off GOPROXY=off GOFLAGS=-mod=mod GOPATH=/usr/share/gocode
export GOCACHE="${GOCACHE:-$PWD/build/go-cache}"
unset GOFLAGS
go build -o build/quic-go-endpoint ./quic-go/main.go
echo "built $(pwd)/build/quic-go-endpoint ($(go version | awk '{print $3}'), quic-go 0.29.0)"
