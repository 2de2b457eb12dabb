#!/usr/bin/env bash
# npm test: installs the npm packages when they are missing, then runs every jest suite in band
# (the end-to-end suites share the machine's accounts, ports and caches). Extra arguments go to jest.
# jest's global setup (tests/helpers/global-setup.js) installs the system packages (as root;
# scripts/system-packages.sh) and builds dist/, unless only tests/unit suites are selected.
# As root, jest runs where this machine's own Codex is hidden (scripts/without-machine-codex.sh):
# the test hosts model fresh machines.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x node_modules/.bin/jest ] || npm ci --ignore-scripts --no-audit --no-fund >&2
exec scripts/without-machine-codex.sh node_modules/.bin/jest --runInBand "$@"
