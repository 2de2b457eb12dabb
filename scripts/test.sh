#!/usr/bin/env bash
# npm test: installs the npm packages when they are missing, then runs every jest suite in band
# (the end-to-end suites share the machine's accounts, ports and caches). Extra arguments go to jest.
#
# The suites model fresh machines: a test host must not see a Codex that this machine has installed
# for its own use (`npm run up` as root puts one in npm's global prefix). As root, the suite runs in
# a private mount namespace in which each such install is covered by an empty tmpfs (what the suite writes there goes with it): the
# machine itself is not changed, and its Codex is back for everything outside the suite.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x node_modules/.bin/jest ] || npm ci --ignore-scripts --no-audit --no-fund >&2

# The npm packages of every `codex` on the usual paths and on PATH (global installs, ~/.local).
machine_codex() {
  local d bin pkg
  for d in /usr/local/bin /usr/bin /bin "$HOME/.local/bin" ${PATH//:/ }; do
    bin="$d/codex"
    [ -e "$bin" ] || continue
    pkg=$(dirname "$(readlink -f "$bin")")
    while [ "$pkg" != / ] && ! grep -qs '"name": *"@openai/codex"' "$pkg/package.json"; do pkg=$(dirname "$pkg"); done
    if [ "$pkg" = / ]; then echo "test: $bin is not an npm install of @openai/codex; it cannot be hidden and suites that expect a fresh machine may see it" >&2; continue; fi
    echo "$pkg"
  done | sort -u
}

if [ "$(id -u)" = 0 ] && [ -z "${CODEX_CONNECT_TEST_NS:-}" ]; then
  mapfile -t hide < <(machine_codex)
  if [ "${#hide[@]}" -gt 0 ]; then
    echo "test: this machine has Codex installed (${hide[*]}); the suite runs in a private mount namespace that hides it (the machine is not changed)" >&2
    exec unshare --mount --propagation private -- env CODEX_CONNECT_TEST_NS=1 bash -c '
      for d in "${@:2:$1}"; do mount -t tmpfs -o mode=755 codex-hidden "$d"; done
      shift $(( $1 + 1 )); exec node_modules/.bin/jest --runInBand "$@"' _ "${#hide[@]}" "${hide[@]}" "$@"
  fi
fi
exec node_modules/.bin/jest --runInBand "$@"
