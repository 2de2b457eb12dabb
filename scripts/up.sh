#!/usr/bin/env bash
# The main job on its embedded default: Codex and the Connect AI entry on this machine, with a
# file-backed stack inside the project (.pulumi-state/). OAuth unless a PAT is in the environment:
#   CONNECT_AI_EMAIL=ada@example.com CONNECT_AI_PAT=... npm run up
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
if [ -n "${CONNECT_AI_PAT:-}" ]; then
  [ -n "${CONNECT_AI_EMAIL:-}" ] || { say "CONNECT_AI_PAT is set but CONNECT_AI_EMAIL is not"; exit 2; }
  pulumi config set auth basic >&2
  pulumi config set email "$CONNECT_AI_EMAIL" >&2
  printf '%s' "$CONNECT_AI_PAT" | pulumi config set --secret pat >&2
fi

say "pulumi up on stack $stack"
pulumi up --yes --non-interactive --skip-preview
echo
say "what it did (pulumi stack output targets):"
pulumi stack output targets
