#!/usr/bin/env bash
# npm run fleet -- preview|up|refresh|destroy --shards N [options]: the fleet program on every shard
# stack BASE-shard-0 .. BASE-shard-(N-1) (BASE: --base, default fleet), a few at a time, with the
# environment of npm run pulumi (the toolchain on PATH, the file backend in .pulumi-state/ unless
# PULUMI_BACKEND_URL is set, the passphrase). See docs/fleet-command.md; --help for the options.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/stack-env.sh

# stack-env.sh builds the package when components/ changed; the command is built with it.
if [ ! -f dist/fleet/fleet.js ] || [ -n "$(find fleet -newer dist/fleet/fleet.js -print -quit)" ]; then
  say "building the fleet command (npm run build)"
  npm run --silent build >/dev/null
fi
exec node dist/fleet/fleet.js "$@"
