#!/usr/bin/env bash
# The main job on its embedded default: Codex and the Connect AI entry on this machine, with a
# file-backed stack inside the project (.pulumi-state/). OAuth unless a PAT is in the environment:
#   CONNECT_AI_EMAIL=ada@example.com CONNECT_AI_PAT_FILE=~/.connect-ai-pat npm run up   (or =- for stdin)
# The PAT is read from a file or stdin, never from the environment, where every process this starts
# (npm, pulumi, the language host) would carry it in /proc/PID/environ.
# The mode stays in the stack: a later plain `npm run up` keeps Basic. Back to OAuth (the email and
# the PAT removed from the stack):  CONNECT_AI_AUTH=oauth npm run up
# Other settings: STACK (default: local), CODEX_HOME (default: ~/.codex), and any pulumi config
# set on the stack beforehand (see Pulumi.yaml).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/stack-env.sh

stack=${STACK:-local}
pulumi stack select --create "$stack" --non-interactive >&2
if [ -n "${CODEX_HOME:-}" ]; then
  pulumi config set --path 'targets[0].name' local >&2
  pulumi config set --path 'targets[0].kind' local >&2
  pulumi config set --path 'targets[0].codexHome' "$CODEX_HOME" >&2
fi
if [ -n "${CONNECT_AI_PAT+x}" ]; then
  say "CONNECT_AI_PAT: a PAT in the environment is seen by every process started from it; use CONNECT_AI_PAT_FILE=FILE (or - for stdin)"
  exit 2
fi
case "${CONNECT_AI_AUTH:-}" in
  "" | basic) ;;
  oauth)
    [ -z "${CONNECT_AI_PAT_FILE:-}" ] || { say "CONNECT_AI_AUTH=oauth and CONNECT_AI_PAT_FILE: choose one"; exit 2; }
    pulumi config set auth oauth >&2
    pulumi config rm email >&2 2>/dev/null || true
    pulumi config rm pat >&2 2>/dev/null || true ;;
  *) say "CONNECT_AI_AUTH: oauth or basic, not ${CONNECT_AI_AUTH}"; exit 2 ;;
esac
if [ -n "${CONNECT_AI_PAT_FILE:-}" ]; then
  [ -n "${CONNECT_AI_EMAIL:-}" ] || { say "CONNECT_AI_PAT_FILE is set but CONNECT_AI_EMAIL is not"; exit 2; }
  [ "$CONNECT_AI_PAT_FILE" = - ] || [ -r "$CONNECT_AI_PAT_FILE" ] || { say "CONNECT_AI_PAT_FILE: cannot read $CONNECT_AI_PAT_FILE"; exit 2; }
  pulumi config set auth basic >&2
  pulumi config set email "$CONNECT_AI_EMAIL" >&2
  # Straight from the file to pulumi's stdin: never an argument or a variable. Only the file's one
  # final line end (LF or CRLF) goes, byte for byte; any other CR or line is kept, and the program
  # refuses it by position rather than store a PAT other than the one in the file.
  src=$CONNECT_AI_PAT_FILE; [ "$src" != - ] || src=/dev/stdin
  node -e 'let b = require("fs").readFileSync(0); if (b.at(-1) === 10) b = b.subarray(0, b.at(-2) === 13 ? -2 : -1); process.stdout.write(b)' < "$src" | pulumi config set --secret pat >&2
fi

node scripts/clear-stale-lock.js "$stack"   # a killed earlier run's lock
auth=$(pulumi config get auth 2>/dev/null || echo oauth)
case "$auth" in
  basic) say "pulumi up on stack $stack (auth basic, kept in the stack; CONNECT_AI_AUTH=oauth npm run up goes back to OAuth)" ;;
  *) say "pulumi up on stack $stack (auth $auth)" ;;
esac
pulumi up --yes --non-interactive --skip-preview --suppress-outputs   # the summary below says it for a person
echo
say "done on stack $stack; on each target:"
pulumi stack output --json | node scripts/summary.js up "$stack"
say "the same as JSON: $([ "$stack" = local ] || printf 'STACK=%s ' "$stack")npm run pulumi -- stack output targets"
