#!/usr/bin/env bash
# The main job on its embedded default: Codex and the Connect AI entry on this machine, with a
# file-backed stack inside the project (.pulumi-state/). OAuth unless a PAT is in the environment:
#   CONNECT_AI_EMAIL=ada@example.com CONNECT_AI_PAT=... npm run up
# Other settings: STACK (default: local), CODEX_HOME (default: ~/.codex), and any pulumi config
# set on the stack beforehand (see Pulumi.yaml).
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf 'up: %s\n' "$*" >&2; }

[ -d node_modules/@pulumi/pulumi ] || { say "installing npm packages"; npm ci --ignore-scripts --no-audit --no-fund >&2; }
bin=$(scripts/pulumi-toolchain.sh)
export PATH="$bin:$PATH" PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
mkdir -p .pulumi-state && chmod 700 .pulumi-state
export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$PWD/.pulumi-state}"
# Stack secrets are encrypted with a passphrase; without one of yours, a random one is kept beside the state.
if [ -z "${PULUMI_CONFIG_PASSPHRASE+x}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
  pass=.pulumi-state/passphrase
  [ -s "$pass" ] || (umask 077 && head -c 32 /dev/urandom | base64 > "$pass")
  export PULUMI_CONFIG_PASSPHRASE_FILE="$PWD/$pass"
fi

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
