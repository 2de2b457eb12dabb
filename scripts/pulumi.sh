#!/usr/bin/env bash
# npm run pulumi -- ARGS: the Pulumi CLI as npm run up and down use it (the toolchain on PATH, the
# file backend in .pulumi-state/, its passphrase, offline settings), on the stack they use
# (STACK, default local). For any command the README shows: config set, preview, up, stack rm...
#   npm run pulumi -- config set --path 'targets[0].host' 10.0.0.5
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/stack-env.sh

stack=${STACK:-local}
pulumi stack select --create "$stack" --non-interactive >&2
say "stack $stack in $PULUMI_BACKEND_URL"
exec pulumi "$@"
