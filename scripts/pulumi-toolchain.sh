#!/usr/bin/env bash
# Makes the Pulumi toolchain this project needs available in one bin/ directory, and prints that
# directory's path as the last line on stdout (progress goes to stderr).
#
#   bin/ holds: pulumi (the CLI), pulumi-language-nodejs (the Node.js language host) and
#   pulumi-resource-pulumi-nodejs (the dynamic-provider plugin that @pulumi/pulumi ships).
#
# Where the toolchain comes from, first that works:
#   1. a `pulumi` already on PATH at the pinned version, with its language host beside it;
#   2. the official installer (get.pulumi.com), when that site can be reached;
#   3. a build from source with Go, through the Go module proxy (toolchain/go.mod): the CLI from
#      github.com/pulumi/pulumi/pkg/v3, and our own small language host (toolchain/langhost).
#
# The one pin is the exact @pulumi/pulumi version in package.json; toolchain/go.mod must require
# pkg/v3 at the same version, and this script refuses to run when they disagree.
#
# Results are cached under $PULUMI_TOOLCHAIN_HOME (default ~/.cache/codex-connect-pulumi), keyed by
# the version and the sources, so a second run takes well under a second.
#
# Options: --source auto|path|installer|go   force one of the three ways (default auto)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source_mode=auto
while [ $# -gt 0 ]; do
  case "$1" in
    --source) source_mode=${2:?--source needs a value}; shift 2 ;;
    --source=*) source_mode=${1#--source=}; shift ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "pulumi-toolchain: unknown argument: $1" >&2; exit 2 ;;
  esac
done

say() { printf 'pulumi-toolchain: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

command -v node >/dev/null || die "node is not on PATH (Node.js 20 or later is required)"
version=$(node -p "require('$here/package.json').dependencies['@pulumi/pulumi']")
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] ||
  die "package.json must pin @pulumi/pulumi to an exact version, found '$version'"
grep -q "github.com/pulumi/pulumi/pkg/v3 v$version\$" "$here/toolchain/go.mod" ||
  die "toolchain/go.mod does not require github.com/pulumi/pulumi/pkg/v3 v$version (the version in package.json); update both together"

cache=${PULUMI_TOOLCHAIN_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/codex-connect-pulumi}
bin="$cache/pulumi-v$version/bin"
mkdir -p "$bin"
# One provisioning at a time per cache: a second caller (a test run, the benchmark) waits, then finds it cached.
if command -v flock >/dev/null; then
  exec 9>"$cache/pulumi-v$version/.lock"
  flock -n 9 || { say "waiting for another run that is provisioning $bin"; flock 9; }
fi

# Offline-friendly defaults for every pulumi this script runs.
export PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true

# The dynamic-provider plugin is a shell script inside @pulumi/pulumi that resolves the SDK from the
# working directory, so one copy serves every project.
install_dynamic_provider() {
  local src="$here/node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs"
  [ -f "$src" ] || die "node_modules/@pulumi/pulumi is missing: run 'npm ci' first"
  cmp -s "$src" "$bin/pulumi-resource-pulumi-nodejs" 2>/dev/null || install -m 0755 "$src" "$bin/"
}

cli_version() { "$1" version 2>/dev/null | tr -d 'v\r' || true; }

done_with() {
  install_dynamic_provider
  say "ready ($1): $bin"
  echo "$bin"
  exit 0
}

# A previous run already left a complete toolchain for this version and these sources.
go_key=$(cat "$here/toolchain/go.mod" "$here/toolchain/go.sum" "$here"/toolchain/langhost/*.go | sha256sum | cut -c1-16)
stamp="$bin/.source"
if [ -f "$stamp" ] && [ -x "$bin/pulumi" ] && [ -x "$bin/pulumi-language-nodejs" ]; then
  read -r kind key < "$stamp" || true
  if [ "$source_mode" = auto ] || [ "$source_mode" = "$kind" ]; then
    if [ "$kind" != go ] || [ "$key" = "$go_key" ]; then
      [ "$(cli_version "$bin/pulumi")" = "$version" ] && done_with "cached, from $kind"
    fi
  fi
fi

# 1. A pulumi on PATH at the pinned version, with its language host beside it.
try_path() {
  local found dir
  found=$(PATH=$(printf '%s' "$PATH" | tr ':' '\n' | grep -vxF "$bin" | paste -sd: -) command -v pulumi 2>/dev/null) || return 1
  [ "$(cli_version "$found")" = "$version" ] || { say "ignoring $found: not version $version"; return 1; }
  dir=$(dirname "$(readlink -f "$found")")
  [ -x "$dir/pulumi-language-nodejs" ] || { say "ignoring $found: no pulumi-language-nodejs beside it"; return 1; }
  ln -sf "$(readlink -f "$found")" "$bin/pulumi"
  ln -sf "$dir/pulumi-language-nodejs" "$bin/pulumi-language-nodejs"
  echo "path -" > "$stamp"
}

# 2. The official installer, when its site answers.
try_installer() {
  command -v curl >/dev/null || return 1
  curl -fsS --max-time 5 -o /dev/null https://get.pulumi.com 2>/dev/null || { say "get.pulumi.com cannot be reached"; return 1; }
  say "installing pulumi v$version with the official installer"
  local root="$cache/pulumi-v$version/official"
  curl -fsSL https://get.pulumi.com | sh -s -- --version "$version" --install-root "$root" --no-edit-path >&2 || return 1
  ln -sf "$root/bin/pulumi" "$bin/pulumi"
  ln -sf "$root/bin/pulumi-language-nodejs" "$bin/pulumi-language-nodejs"
  echo "installer -" > "$stamp"
}

# 3. Build from source through the Go module proxy.
try_go() {
  command -v go >/dev/null || { say "go is not on PATH"; return 1; }
  local ldflags="-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$version"
  say "building pulumi v$version from source with $(go version | cut -d' ' -f3) (first run: a few minutes)"
  ( cd "$here/toolchain" &&
    GOFLAGS=-mod=readonly go build -trimpath -ldflags "$ldflags" -o "$bin/pulumi.new" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi &&
    say "building the Node.js language host" &&
    GOFLAGS=-mod=readonly go build -trimpath -ldflags "-s -w -X main.version=v$version" -o "$bin/pulumi-language-nodejs.new" ./langhost
  ) >&2 || return 1
  mv -f "$bin/pulumi.new" "$bin/pulumi"
  mv -f "$bin/pulumi-language-nodejs.new" "$bin/pulumi-language-nodejs"
  echo "go $go_key" > "$stamp"
}

case "$source_mode" in
  auto) try_path || try_installer || try_go || die "no way to get pulumi v$version worked (see above)" ;;
  path) try_path || die "no usable pulumi v$version on PATH" ;;
  installer) try_installer || die "the official installer failed" ;;
  go) try_go || die "the Go build failed" ;;
  *) die "--source must be auto, path, installer or go" ;;
esac
[ "$(cli_version "$bin/pulumi")" = "$version" ] || die "$bin/pulumi does not report version $version"
done_with "$(cut -d' ' -f1 "$stamp")"
