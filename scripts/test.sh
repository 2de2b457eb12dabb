#!/usr/bin/env bash
# npm test: installs the npm packages when they are missing, then runs every jest suite, two at a
# time (CODEX_CONNECT_TEST_WORKERS; 1 runs them in band). Suites side by side share nothing but
# what is made under a lock (tests/helpers/lock.ts): each has its own accounts, ports, sandboxes
# and stacks. On 2 cores one suite at a time left a third of the CPU idle (docs/testing.md).
# Extra arguments go to jest.
# jest's global setup (tests/helpers/global-setup.js) installs the system packages (as root;
# scripts/system-packages.sh) and builds dist/, unless only tests/unit suites are selected.
# As root, jest runs where this machine's own Codex is hidden (scripts/without-machine-codex.sh):
# the test hosts model fresh machines.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x node_modules/.bin/jest ] || npm ci --ignore-scripts --no-audit --no-fund >&2
workers=${CODEX_CONNECT_TEST_WORKERS:-2}
[[ "$workers" =~ ^[1-9][0-9]*$ ]] || { echo "CODEX_CONNECT_TEST_WORKERS: a positive number, not '$workers'" >&2; exit 2; }
exec scripts/without-machine-codex.sh node_modules/.bin/jest --maxWorkers="$workers" "$@"
