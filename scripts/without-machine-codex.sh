#!/usr/bin/env bash
# Runs a command (as root) in a private mount namespace in which every npm install of Codex that
# this machine has for its own use (on PATH, in ~/.local) is covered by an empty tmpfs: the test
# hosts and benchmark hosts model fresh machines, and `npm run up` as root may have put a Codex in
# npm's global prefix. The machine itself is not changed; what the command writes there goes with
# the namespace. Not root, or no Codex to hide: the command runs as it is.
#   scripts/without-machine-codex.sh CMD [ARGS...]
set -euo pipefail

# The npm packages of every `codex` on the usual paths and on PATH (global installs, ~/.local).
machine_codex() {
  local d bin pkg
  for d in /usr/local/bin /usr/bin /bin "$HOME/.local/bin" ${PATH//:/ }; do
    bin="$d/codex"
    [ -e "$bin" ] || continue
    pkg=$(dirname "$(readlink -f "$bin")")
    while [ "$pkg" != / ] && ! grep -qs '"name": *"@openai/codex"' "$pkg/package.json"; do pkg=$(dirname "$pkg"); done
    if [ "$pkg" = / ]; then echo "$(basename "$0"): $bin is not an npm install of @openai/codex; it cannot be hidden and hosts that expect a fresh machine may see it" >&2; continue; fi
    echo "$pkg"
  done | sort -u
}

if [ "$(id -u)" = 0 ] && [ -z "${CODEX_CONNECT_CODEX_HIDDEN:-}" ]; then
  mapfile -t hide < <(machine_codex)
  if [ "${#hide[@]}" -gt 0 ]; then
    echo "$(basename "$0"): this machine has Codex installed (${hide[*]}); running in a private mount namespace that hides it (the machine is not changed)" >&2
    exec unshare --mount --propagation private -- env CODEX_CONNECT_CODEX_HIDDEN=1 bash -c '
      for d in "${@:2:$1}"; do mount -t tmpfs -o mode=755 codex-hidden "$d"; done
      shift $(( $1 + 1 )); exec "$@"' _ "${#hide[@]}" "${hide[@]}" "$@"
  fi
fi
exec "$@"
