#!/usr/bin/env bash
# Makes the Pulumi toolchain this project needs available in one bin/ directory, and prints that
# directory's path as the last line on stdout (progress goes to stderr).
#
#   bin/ holds: pulumi (the CLI), pulumi-language-nodejs (the upstream Node.js language host),
#   pulumi-resource-command (the plugin behind npm @pulumi/command) and pulumi-resource-pulumi-nodejs
#   (the dynamic-provider plugin that @pulumi/pulumi ships). All of them are upstream Pulumi parts.
#
# Where each part comes from, first that works:
#   pulumi                   1. a `pulumi` already on PATH at the pinned version, with its language
#                               host beside it at that version;
#                            2. the official installer (get.pulumi.com), when that site can be reached;
#                            3. a Go build of github.com/pulumi/pulumi/pkg/v3 through the Go module
#                               proxy (toolchain/go.mod).
#   pulumi-language-nodejs   the one beside that `pulumi` (PATH or installer); for the Go-built CLI, a
#                            Go build of the upstream source in $VENDOR/pulumi-language-nodejs-v<pulumi
#                            version>. Pulumi runs the language host beside the CLI it runs.
#   pulumi-resource-command  1. a `pulumi-resource-command` on PATH that reports the pinned version;
#                            2. `pulumi plugin install`, when get.pulumi.com can be reached;
#                            3. a Go build of the upstream source in $VENDOR/pulumi-command-v<version>.
#   pulumi-language-yaml     only with --with-yaml (or CODEX_CONNECT_TOOLCHAIN_YAML=1): the YAML
#                            language host, a Go build of $VENDOR/pulumi-yaml-<commit> (the pulumi-yaml
#                            commit built on this Pulumi version; no release of it is served offline).
#   pulumi-language-go       only with --with-go (or CODEX_CONNECT_TOOLCHAIN_GO=1): the Go language host
#                            (runs Go programs, generates Go SDKs for `pulumi package add`), a Go build of
#                            $VENDOR/pulumi-language-go-v<pulumi version>. Running a Go program also needs
#                            `go` on PATH: the host compiles the program with it.
# $VENDOR is $CODEX_CONNECT_VENDOR_SRC, default <project>/../shared/vendor-src; it is read-only (the Go
# builds use -mod=readonly and write only into the cache); its modules come from the Go module proxy.
#
# Pins, in package.json (`devDependencies`; the package takes them as peer dependencies with ranges): the exact @pulumi/pulumi version is the CLI's and the language
# host's (toolchain/go.mod must require pkg/v3 at it; this script refuses to run when they disagree);
# the exact @pulumi/command version is the command plugin's.
#
# Results are cached under $PULUMI_TOOLCHAIN_HOME (default ~/.cache/codex-connect-pulumi), keyed by
# the versions and the sources of each part, so a second run builds and downloads nothing.
#
# Plugins at run time: runs set PULUMI_IGNORE_AMBIENT_PLUGINS=true, so the engine never takes a plugin
# from PATH (each one it takes from there costs a warning on every run, "using pulumi-resource-command
# from $PATH"). It finds the bundled ones (language hosts, pulumi-resource-pulumi-nodejs) beside the
# CLI it runs, and the command plugin in Pulumi's plugin cache, where --install-plugins puts it.
#
# Options: --source auto|path|installer|go   force one of the three ways for the CLI (default auto)
#          --with-yaml                        also provide pulumi-language-yaml (a Go build the first time)
#          --with-go                          also provide pulumi-language-go (a Go build the first time)
#          --install-plugins                  also install the command plugin into the plugin cache of
#                                             ${PULUMI_HOME:-~/.pulumi} (`pulumi plugin install --file`;
#                                             nothing is copied when it is there already, byte for byte)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source_mode=auto
install_plugins=
with_yaml=${CODEX_CONNECT_TOOLCHAIN_YAML:-}
[ "$with_yaml" = 0 ] && with_yaml=
with_go=${CODEX_CONNECT_TOOLCHAIN_GO:-}
[ "$with_go" = 0 ] && with_go=
while [ $# -gt 0 ]; do
  case "$1" in
    --source) source_mode=${2:?--source needs a value}; shift 2 ;;
    --source=*) source_mode=${1#--source=}; shift ;;
    --with-yaml) with_yaml=1; shift ;;
    --with-go) with_go=1; shift ;;
    --install-plugins) install_plugins=1; shift ;;
    -h|--help) sed -n '2,/^set -e/{/^#/p}' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "pulumi-toolchain: unknown argument: $1" >&2; exit 2 ;;
  esac
done
case "$source_mode" in auto|path|installer|go) ;; *) echo "pulumi-toolchain: error: --source must be auto, path, installer or go" >&2; exit 2 ;; esac

say() { printf 'pulumi-toolchain: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

command -v node >/dev/null || die "node is not on PATH (Node.js 20 or later is required)"
# The two pins in package.json, read with one start of node (a cached run does little else).
IFS=: read -r version command_version < <(node -p "const p = require('$here/package.json'), d = { ...p.dependencies, ...p.devDependencies }; [d['@pulumi/pulumi'], d['@pulumi/command']].join(':')")
exact() { [[ "$2" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "package.json must pin $1 to an exact version, found '${2:-nothing}'"; }
exact @pulumi/pulumi "$version"
exact @pulumi/command "$command_version"
grep -q "github.com/pulumi/pulumi/pkg/v3 v$version\$" "$here/toolchain/go.mod" ||
  die "toolchain/go.mod does not require github.com/pulumi/pulumi/pkg/v3 v$version (the version in package.json); update both together"

vendor=${CODEX_CONNECT_VENDOR_SRC:-$here/../shared/vendor-src}
host_src="$vendor/pulumi-language-nodejs-v$version"
command_src="$vendor/pulumi-command-v$command_version/provider"
# The YAML host: the pulumi-yaml commit that moved to this Pulumi version (between v1.37.0 and v1.38.0).
yaml_commit=de455163
yaml_version=1.37.0-$yaml_commit
yaml_src="$vendor/pulumi-yaml-$yaml_commit"
# The Go host is part of the Pulumi release, at the CLI's version.
go_host_src="$vendor/pulumi-language-go-v$version"

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

# --- The stamp: one line per part, "<part> <version> <kind> <key>", where kind is where it came from
# (path, installer, plugin or go) and key a hash of the sources of a Go build ("-" otherwise). A part
# is reused only while its line matches what this run would provision.
stamp="$bin/.source"
stamp_get() { { [ -f "$stamp" ] && grep -m1 "^$1 " "$stamp" | cut -d' ' -f2-; } || true; }
# Rewritten whole and renamed, so a reader never sees half of it; lines of an older format go.
stamp_set() {
  local part=$1 line=${2:-}
  { if [ -f "$stamp" ]; then grep -E '^pulumi(-language-nodejs|-language-yaml|-language-go|-resource-command)? ' "$stamp" | grep -v "^$part " || true; fi
    if [ -n "$line" ]; then echo "$part $line"; fi; } > "$stamp.new"
  mv -f "$stamp.new" "$stamp"
}
kind_of() { local v k rest; read -r v k rest <<< "$(stamp_get "$1")"; echo "${k:-none}"; }

# A short hash of every file under a source tree (names included), or "absent".
tree_key() {
  [ -d "$1" ] || { echo absent; return; }
  (cd "$1" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-16
}
cli_key=$(cat "$here/toolchain/go.mod" "$here/toolchain/go.sum" "$here"/toolchain/*.go | sha256sum | cut -c1-16)
host_key=$(tree_key "$host_src")
command_key=$(tree_key "$command_src")
# Hashed only when asked for: the others never pay for reading that tree.
yaml_key=-
[ -z "$with_yaml" ] || yaml_key=$(tree_key "$yaml_src")
go_host_key=-
[ -z "$with_go" ] || go_host_key=$(tree_key "$go_host_src")

# Whether the stamp says part is at version, and, when Go-built, from sources with this key.
part_ok() {
  local part=$1 want_version=$2 want_key=$3 v kind key
  read -r v kind key <<< "$(stamp_get "$part")"
  [ "$v" = "$want_version" ] && [ -x "$bin/$part" ] || return 1
  [ "$kind" != go ] || [ "$key" = "$want_key" ]
}
cli_ok() {
  part_ok pulumi "$version" "$cli_key" || return 1
  [ "$source_mode" = auto ] || [ "$source_mode" = "$(kind_of pulumi)" ] || return 1
  [ "$(cli_version "$bin/pulumi")" = "$version" ]
}
# The host belongs to the CLI: taken from beside it, or Go-built for a Go-built CLI (Pulumi runs the
# host it finds beside the CLI it runs, see --install-plugins).
host_ok() {
  part_ok pulumi-language-nodejs "$version" "$host_key" || return 1
  [ "$(kind_of pulumi-language-nodejs)" = "$(kind_of pulumi)" ]
}
command_ok() { part_ok pulumi-resource-command "$command_version" "$command_key"; }
yaml_ok() { [ -z "$with_yaml" ] || part_ok pulumi-language-yaml "$yaml_version" "$yaml_key"; }
go_host_ok() { [ -z "$with_go" ] || part_ok pulumi-language-go "$version" "$go_host_key"; }

summary() {
  echo "pulumi from $(kind_of pulumi), language host from $(kind_of pulumi-language-nodejs), command plugin from $(kind_of pulumi-resource-command)${with_yaml:+, YAML host from $(kind_of pulumi-language-yaml)}${with_go:+, Go host from $(kind_of pulumi-language-go)}"
}
# --install-plugins: the command plugin into the plugin cache of the PULUMI_HOME the engine will use.
install_command_plugin() {
  local home=${PULUMI_HOME:-$HOME/.pulumi}
  # Byte for byte there already: a cached run copies nothing (the plugin is large).
  cmp -s "$bin/pulumi-resource-command" "$home/plugins/resource-command-v$command_version/pulumi-resource-command" && return
  say "installing the command plugin $command_version into $home/plugins"
  # --reinstall: without it, pulumi keeps whatever is installed at that version.
  "$bin/pulumi" plugin install resource command "$command_version" --file "$bin/pulumi-resource-command" --reinstall >&2 ||
    die "pulumi plugin install of $bin/pulumi-resource-command into $home failed"
}

done_with() {
  install_dynamic_provider
  [ -z "$install_plugins" ] || install_command_plugin
  say "ready ($1): $bin"
  echo "$bin"
  exit 0
}

# A previous run already left a complete toolchain for these versions and sources.
cli_ok && host_ok && command_ok && yaml_ok && go_host_ok && done_with "cached; $(summary)"

# --- Helpers for the sources.

# The first `name` on PATH outside bin/ itself.
on_path() { PATH=$(printf '%s' "$PATH" | tr ':' '\n' | grep -vxF "$bin" | paste -sd: -) command -v "$1" 2>/dev/null; }

# Whether get.pulumi.com answers (asked once: without a network the probe waits for its timeout).
online_state=
online() {
  if [ -z "$online_state" ]; then
    online_state=no
    command -v curl >/dev/null && curl -fsS --max-time 5 -o /dev/null https://get.pulumi.com 2>/dev/null && online_state=yes
    [ "$online_state" = yes ] || say "get.pulumi.com cannot be reached"
  fi
  [ "$online_state" = yes ]
}

# Renames bin/<part>.new into place. The part's stamp line goes first, so an interrupted run never
# leaves a line that describes another binary; a host that came beside the old CLI goes with it.
install_part() {
  stamp_set "$1"
  if [ "$1" = pulumi ] && [ "$(kind_of pulumi-language-nodejs)" != go ]; then stamp_set pulumi-language-nodejs; fi
  mv -Tf "$bin/$1.new" "$bin/$1"
}
# bin/<part> as a link to a binary that is already somewhere (PATH, the installer, Pulumi's plugin cache).
link_part() { ln -sfn "$2" "$bin/$1.new" && install_part "$1"; }

# go build of an upstream tree in $VENDOR into bin/<part>. The tree is read-only: no go.mod update
# (-mod=readonly), no VCS stamping (it may sit in someone else's checkout).
go_build() {
  local dir=$1 part=$2 ldflags=$3 pkg=$4
  command -v go >/dev/null || { say "go is not on PATH"; return 1; }
  ( cd "$dir" && CGO_ENABLED=0 go build -mod=readonly -buildvcs=false -trimpath -ldflags "-s -w $ldflags" -o "$bin/$part.new" "$pkg" ) >&2 &&
    install_part "$part"
}

# --- The CLI. Each way also says which language host came with it (none for the Go build).
beside_host=

# The pulumi-language-nodejs v$version beside the real file of CLI $1, if there is one.
host_beside() {
  local host; host="$(dirname "$(readlink -f "$1")")/pulumi-language-nodejs"
  [ -x "$host" ] && [ "$("$host" -version 2>/dev/null)" = "v$version" ] && echo "$host"
}

# 1. A pulumi on PATH at the pinned version.
try_path() {
  local found real
  found=$(on_path pulumi) || { say "no pulumi on PATH"; return 1; }
  [ "$(cli_version "$found")" = "$version" ] || { say "ignoring $found: not version $version"; return 1; }
  beside_host=$(host_beside "$found") || { say "ignoring $found: no pulumi-language-nodejs v$version beside it"; return 1; }
  link_part pulumi "$(readlink -f "$found")"
  stamp_set pulumi "$version path -"
}

# 2. The official installer, when its site answers.
try_installer() {
  online || return 1
  say "installing pulumi v$version with the official installer"
  local root="$cache/pulumi-v$version/official"
  curl -fsSL https://get.pulumi.com | sh -s -- --version "$version" --install-root "$root" --no-edit-path >&2 || return 1
  beside_host=$(host_beside "$root/bin/pulumi") || { say "the installer left no pulumi-language-nodejs v$version beside pulumi"; return 1; }
  link_part pulumi "$root/bin/pulumi"
  stamp_set pulumi "$version installer -"
}

# 3. Build from source through the Go module proxy.
try_go() {
  command -v go >/dev/null || { say "go is not on PATH"; return 1; }
  local ldflags="-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$version"
  say "building pulumi v$version from source with $(go version | cut -d' ' -f3) (first run: a few minutes)"
  ( cd "$here/toolchain" &&
    GOFLAGS=-mod=readonly go build -trimpath -ldflags "$ldflags" -o "$bin/pulumi.new" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
  ) >&2 || return 1
  install_part pulumi
  stamp_set pulumi "$version go $cli_key"
}

provision_cli() {
  case "$source_mode" in
    auto) try_path || try_installer || try_go || die "no way to get pulumi v$version worked (see above)" ;;
    path) try_path || die "no usable pulumi v$version on PATH" ;;
    installer) try_installer || die "the official installer failed" ;;
    go) try_go || die "the Go build failed" ;;
  esac
  [ "$(cli_version "$bin/pulumi")" = "$version" ] || die "$bin/pulumi does not report version $version"
}

# --- The language host: the one beside the CLI (PATH or installer), else the upstream source built
# with Go for the Go-built CLI.
provision_host() {
  if [ -n "$beside_host" ]; then
    link_part pulumi-language-nodejs "$beside_host"
    stamp_set pulumi-language-nodejs "$version $(kind_of pulumi) -"
    return
  fi
  host_ok && return
  [ -f "$host_src/go.mod" ] || die "no pulumi-language-nodejs v$version for the Go-built CLI: no source in $host_src (set CODEX_CONNECT_VENDOR_SRC)"
  say "building pulumi-language-nodejs v$version from $host_src"
  go_build "$host_src" pulumi-language-nodejs "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$version" . ||
    die "the Go build of pulumi-language-nodejs in $host_src failed"
  [ "$("$bin/pulumi-language-nodejs" -version)" = "v$version" ] || die "the pulumi-language-nodejs built from $host_src does not report v$version"
  stamp_set pulumi-language-nodejs "$version go $host_key"
}

# --- The command plugin. Plugins have no -version flag; the schema the CLI reads from one names its version.
plugin_version() {
  # From the cache: in this repository's root the CLI would find both Pulumi.yaml and PulumiPlugin.yaml and refuse.
  (cd "$cache" && PULUMI_HOME="$cache/pulumi-v$version/home" "$bin/pulumi" package get-schema "$1") 2>/dev/null |
    node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => { try { console.log(JSON.parse(s).version || ""); } catch { console.log(""); } })'
}

# 1. A pulumi-resource-command on PATH that reports the pinned version.
try_command_path() {
  local found v
  found=$(on_path pulumi-resource-command) || { say "no pulumi-resource-command on PATH"; return 1; }
  v=$(plugin_version "$found")
  [ "$v" = "$command_version" ] || { say "ignoring $found: reports version '${v:-?}', not $command_version"; return 1; }
  link_part pulumi-resource-command "$(readlink -f "$found")"
  stamp_set pulumi-resource-command "$command_version path -"
}

# 2. Pulumi's own download, into a PULUMI_HOME of the cache's (the user's ~/.pulumi stays untouched).
try_command_plugin_install() {
  online || return 1
  local home="$cache/pulumi-v$version/home"
  say "installing pulumi-resource-command $command_version with pulumi plugin install"
  PULUMI_HOME="$home" "$bin/pulumi" plugin install resource command "$command_version" >&2 || return 1
  link_part pulumi-resource-command "$home/plugins/resource-command-v$command_version/pulumi-resource-command"
  stamp_set pulumi-resource-command "$command_version plugin -"
}

# 3. The upstream source, built with Go.
try_command_go() {
  [ -f "$command_src/go.mod" ] || { say "no source in $command_src (set CODEX_CONNECT_VENDOR_SRC)"; return 1; }
  say "building pulumi-resource-command $command_version from $command_src"
  go_build "$command_src" pulumi-resource-command \
    "-X github.com/pulumi/pulumi-command/provider/pkg/version.Version=$command_version" ./cmd/pulumi-resource-command || return 1
  stamp_set pulumi-resource-command "$command_version go $command_key"
}

provision_command() {
  try_command_path || try_command_plugin_install || try_command_go ||
    die "no way to get pulumi-resource-command $command_version worked: tried PATH, pulumi plugin install, a Go build from $command_src (see above)"
  local v; v=$(plugin_version "$bin/pulumi-resource-command")
  [ "$v" = "$command_version" ] || { stamp_set pulumi-resource-command; die "$bin/pulumi-resource-command reports version '${v:-?}', not $command_version"; }
}

# --- The YAML language host (--with-yaml): the vendored pulumi-yaml source, built with Go.
provision_yaml() {
  [ -f "$yaml_src/go.mod" ] || die "no pulumi-language-yaml: no source in $yaml_src (set CODEX_CONNECT_VENDOR_SRC)"
  say "building pulumi-language-yaml v$yaml_version from $yaml_src (first run: about 2 min)"
  go_build "$yaml_src" pulumi-language-yaml "-X github.com/pulumi/pulumi-yaml/pkg/version.Version=v$yaml_version" ./cmd/pulumi-language-yaml ||
    die "the Go build of pulumi-language-yaml in $yaml_src failed"
  # It has no -version flag; -h proves that it starts.
  "$bin/pulumi-language-yaml" -h >/dev/null 2>&1 || { stamp_set pulumi-language-yaml; die "$bin/pulumi-language-yaml does not start"; }
  stamp_set pulumi-language-yaml "$yaml_version go $yaml_key"
}

# --- The Go language host (--with-go): the vendored source of this Pulumi release, built with Go.
provision_go_host() {
  [ -f "$go_host_src/go.mod" ] || die "no pulumi-language-go v$version: no source in $go_host_src (set CODEX_CONNECT_VENDOR_SRC)"
  say "building pulumi-language-go v$version from $go_host_src (first run: about 2 min)"
  go_build "$go_host_src" pulumi-language-go "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$version" . ||
    die "the Go build of pulumi-language-go in $go_host_src failed"
  [ "$("$bin/pulumi-language-go" -version 2>/dev/null)" = "v$version" ] || { stamp_set pulumi-language-go; die "the pulumi-language-go built from $go_host_src does not report v$version"; }
  stamp_set pulumi-language-go "$version go $go_host_key"
}

cli_ok || provision_cli
if [ -n "$beside_host" ] || ! host_ok; then provision_host; fi
command_ok || provision_command
yaml_ok || provision_yaml
go_host_ok || provision_go_host
done_with "$(summary)"
