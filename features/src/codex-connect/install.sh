#!/bin/sh
# Dev Container Feature "codex-connect": runs as root while the image is built, options as upper-case
# environment variables, the remote user in _REMOTE_USER. Installs Codex into npm's global prefix and
# the bundled codex-mcp command (/usr/local/bin/codex-mcp), then writes the MCP server entry into the
# remote user's ~/.codex/config.toml with codex-mcp, as that user (codex-mcp --user drops to the
# account for all file work and keeps the rest of the file). No credential is ever written here: an
# image layer is no place for a PAT (Basic auth: codex-mcp in postStartCommand, docs/devcontainer.md).
set -eu

VERSION=${VERSION:-0.169.0}
SERVERNAME=${SERVERNAME:-connectai}
URL=${URL:-https://mcp.cloud.cdata.com/mcp}
STARTUPTIMEOUTSEC=${STARTUPTIMEOUTSEC:-30}
TOOLTIMEOUTSEC=${TOOLTIMEOUTSEC:-}
AUTH=${AUTH:-oauth}
BEARERTOKENENVVAR=${BEARERTOKENENVVAR:-}
ENVHTTPHEADERS=${ENVHTTPHEADERS:-}
REMOTE_USER=${_REMOTE_USER:-root}

here=$(cd "$(dirname "$0")" && pwd)
fail() { echo "codex-connect feature: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || fail "install.sh runs as root (the dev container tooling does so)"
[ -f "$here/codex-mcp-runner.js" ] || fail "codex-mcp-runner.js is missing from the feature (scripts/build-feature.sh puts it there)"

case "$AUTH" in
  oauth|none) ;;
  bearer-env) [ -n "$BEARERTOKENENVVAR" ] || fail "auth bearer-env needs the bearerTokenEnvVar option" ;;
  env-headers) [ -n "$ENVHTTPHEADERS" ] || fail "auth env-headers needs the envHttpHeaders option (HEADER=VAR,...)" ;;
  *) fail "auth: must be oauth, bearer-env, env-headers or none, got '$AUTH' (Basic auth: postStartCommand, see docs/devcontainer.md)" ;;
esac

# Node 18 or later with npm: the image's own, or Debian/Ubuntu's packages when the image has none.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    echo "codex-connect feature: installing nodejs and npm from the distribution"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm ca-certificates >/dev/null
    rm -rf /var/lib/apt/lists/*
  else
    fail "needs Node.js 18 or later with npm: add ghcr.io/devcontainers/features/node before this feature"
  fi
fi
major=$(node -p 'process.versions.node.split(".")[0]')
[ "$major" -ge 18 ] || fail "Node.js $(node --version) is older than 18: add ghcr.io/devcontainers/features/node"

# The command, for this build and for postCreateCommand/postStartCommand later.
install -d -m 0755 /usr/local/share/codex-connect
install -m 0755 "$here/codex-mcp-runner.js" /usr/local/share/codex-connect/codex-mcp-runner.js
ln -sf /usr/local/share/codex-connect/codex-mcp-runner.js /usr/local/bin/codex-mcp

# npm's downloads go to a cache that leaves with this step, unless the tooling gives one.
tmpcache=
if [ -z "${npm_config_cache:-}${NPM_CONFIG_CACHE:-}" ]; then
  tmpcache=$(mktemp -d)
  export npm_config_cache="$tmpcache"
fi
cleanup() { [ -z "$tmpcache" ] || rm -rf "$tmpcache"; }
trap cleanup EXIT

if [ "$AUTH" = none ]; then
  # Codex alone, through codex-mcp too: marked as this tool's install (uninstall-codex removes it).
  set -- install-codex --codex-version "$VERSION"
  [ "$REMOTE_USER" = root ] || set -- "$@" --user "$REMOTE_USER"
  cd /
  /usr/local/bin/codex-mcp "$@"
  echo "codex-connect feature: no MCP entry written (auth none)"
  exit 0
fi

set -- ensure --name "$SERVERNAME" --url "$URL" --startup-timeout "$STARTUPTIMEOUTSEC" --codex-version "$VERSION"
[ -z "$TOOLTIMEOUTSEC" ] || set -- "$@" --tool-timeout "$TOOLTIMEOUTSEC"
if [ "$AUTH" = bearer-env ]; then set -- "$@" --bearer-token-env "$BEARERTOKENENVVAR"; fi
if [ "$AUTH" = env-headers ]; then
  old_ifs=$IFS; IFS=,
  for pair in $ENVHTTPHEADERS; do
    IFS=$old_ifs
    pair=$(printf '%s' "$pair" | tr -d ' ')
    [ -z "$pair" ] || set -- "$@" --env-header "$pair"
  done
  IFS=$old_ifs
fi
# As root for the remote user: Codex goes into npm's global prefix (root), the file is written as the user.
[ "$REMOTE_USER" = root ] || set -- "$@" --user "$REMOTE_USER"

cd /
/usr/local/bin/codex-mcp "$@"
