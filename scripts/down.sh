#!/usr/bin/env bash
# npm run down: undoes `npm run up` (pulumi destroy of its stack): the entry leaves config.toml, the
# rest of the file stays, and Codex stays unless uninstallCodexOnDestroy was set at the last up
# (npm run pulumi -- config set uninstallCodexOnDestroy true; npm run up). It ends with what it
# removed on each target. Works from a fresh clone too, with the same backend (PULUMI_BACKEND_URL)
# and passphrase as the up.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/stack-env.sh

stack=${STACK:-local}
if ! pulumi stack ls --json | node -e 'process.exit(JSON.parse(require("fs").readFileSync(0, "utf8")).some((s) => s.name === process.argv[1]) ? 0 : 1)' "$stack"; then
  say "no stack $stack in $PULUMI_BACKEND_URL: nothing to undo"
  exit 0
fi
pulumi stack select "$stack" --non-interactive >&2
node scripts/clear-stale-lock.js "$stack"   # a killed earlier run's lock
# What each target holds, as the last up recorded it: after the destroy the stack has no outputs.
outputs=$(pulumi stack output --json 2>/dev/null || echo '{}')
say "pulumi destroy on stack $stack"
pulumi destroy --yes --non-interactive --skip-preview --suppress-outputs
echo
say "done on stack $stack; on each target:"
printf '%s' "$outputs" | node scripts/summary.js down "$stack"
