#!/usr/bin/env bash
# Puts the bundled codex-mcp command into the Dev Container Feature (features/src/codex-connect/),
# which carries it: run after `npm run build`, before publishing the feature or testing it.
#   scripts/build-feature.sh            (--build: run npm run build first)
# Publish: devcontainer features publish features/src --registry ghcr.io --namespace OWNER/REPO
set -euo pipefail
cd "$(dirname "$0")/.."
[ "${1:-}" != --build ] || npm run --silent build >/dev/null
runner=dist/runner/codex-mcp-runner.js
[ -f "$runner" ] || { echo "build-feature: $runner is missing: npm run build first (or pass --build)" >&2; exit 1; }
dest=features/src/codex-connect/codex-mcp-runner.js
tmp="$dest.$$.tmp"
install -m 0755 "$runner" "$tmp"
mv -f "$tmp" "$dest"
echo "$dest"
