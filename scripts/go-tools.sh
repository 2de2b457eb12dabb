#!/usr/bin/env bash
# The validators that tests/tools/examples.test.ts runs on examples/github-actions and
# examples/kubernetes-operator, at pinned versions, all from the Go module proxy, installed once into
# $PULUMI_TOOLCHAIN_HOME/go-tools (default ~/.cache/codex-connect-pulumi/go-tools). Prints one
# NAME=PATH line per part on stdout (progress goes to stderr); a cached run only checks that they
# are there.
#
#   actionlint          go install github.com/rhysd/actionlint/cmd/actionlint@v1.7.12
#   kubeconform         go install github.com/yannh/kubeconform/cmd/kubeconform@v0.8.0
#   kubernetes-openapi  api/openapi-spec/swagger.json from the module k8s.io/kubernetes@v1.37.2
#                       (go mod download, checked against the module's pinned go.sum hash): the
#                       OpenAPI document of the Kubernetes API, from which scripts/k8s-schemas.js
#                       makes the core kinds' JSON schemas (kubeconform would download those)
#
# Each part lives in a folder named after its version, written under another name and renamed
# into place when complete: a changed pin installs anew, and an interrupted install leaves nothing
# that looks installed.
set -euo pipefail

actionlint_version=v1.7.12
kubeconform_version=v0.8.0
kubernetes_version=v1.37.2
# The h1: hash of the k8s.io/kubernetes module zip at that version (go.sum's line for it).
kubernetes_sum=h1:A2VDEiObzkYqFTKhSsn0ZEb0RlLEXpHWj93gi2HqEwE=

say() { printf 'go-tools: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

command -v go >/dev/null || die "go is not on PATH (the Go toolchain installs actionlint and kubeconform)"
cache=${PULUMI_TOOLCHAIN_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/codex-connect-pulumi}/go-tools
mkdir -p "$cache"
# One install at a time per cache: a second caller waits, then finds the parts there.
if command -v flock >/dev/null; then
  exec 9>"$cache/.lock"
  flock -n 9 || { say "waiting for another run that is installing into $cache"; flock 9; }
fi
# This machine's Go, never one the go command would download for a module that asks for a newer one.
export GOTOOLCHAIN=local CGO_ENABLED=0

# $1 name, $2 folder: runs the rest of the arguments (a function that writes into $new, a folder
# beside $2), then renames $new to $2.
fill() {
  local name=$1 dir=$2; shift 2
  new="$dir.new.$$"
  rm -rf "$new"
  mkdir -p "$new"
  local start=$SECONDS
  if ! "$@"; then rm -rf "$new"; die "installing $name failed (the command above says why)"; fi
  rm -rf "$dir"
  mv -T "$new" "$dir"
  say "$name installed in $((SECONDS - start)) s: $dir"
}

go_install() { GOBIN="$new" go install -trimpath -ldflags "-s -w" "$1"; }
install_go_tool() { # NAME PACKAGE VERSION
  local dir="$cache/$1-$3"
  if [ ! -x "$dir/$1" ]; then
    say "installing $1 $3 (go install $2@$3)"
    fill "$1" "$dir" go_install "$2@$3"
  fi
  echo "$1=$dir/$1"
}

# Only the one file is kept; the module (large once unpacked) goes into a module cache of its own
# that is removed afterwards, so the machine's module cache is not filled with it.
openapi_download() (
  local json dir sum status=0
  export GOMODCACHE="$new/modcache"
  json=$(go mod download -json "k8s.io/kubernetes@$kubernetes_version") || status=$?
  dir=$(printf '%s' "$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
  sum=$(printf '%s' "$json" | sed -n 's/^[[:space:]]*"Sum": "\(.*\)",\{0,1\}$/\1/p')
  if [ "$status" -ne 0 ]; then :
  elif [ "$sum" != "$kubernetes_sum" ]; then say "k8s.io/kubernetes@$kubernetes_version has the hash $sum, not the pinned $kubernetes_sum"; status=1
  else cp "$dir/api/openapi-spec/swagger.json" "$new/swagger.json" || status=$?
  fi
  # The module cache's files are read-only; go clean removes them.
  go clean -modcache
  exit "$status"
)
install_openapi() {
  local dir="$cache/kubernetes-openapi-$kubernetes_version"
  if [ ! -f "$dir/swagger.json" ]; then
    say "downloading the Kubernetes $kubernetes_version OpenAPI document (go mod download k8s.io/kubernetes@$kubernetes_version)"
    fill kubernetes-openapi "$dir" openapi_download
  fi
  echo "kubernetes-openapi=$dir/swagger.json"
}

install_go_tool actionlint github.com/rhysd/actionlint/cmd/actionlint "$actionlint_version"
install_go_tool kubeconform github.com/yannh/kubeconform/cmd/kubeconform "$kubeconform_version"
install_openapi
