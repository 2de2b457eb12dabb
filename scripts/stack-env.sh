# Sourced by up.sh, down.sh and pulumi.sh: npm packages, the Pulumi toolchain on PATH, offline
# settings, the file backend in .pulumi-state/ and the passphrase that encrypts the stack's secrets.
# The engine takes no plugin from PATH (PULUMI_IGNORE_AMBIENT_PLUGINS; one from there costs a warning
# on every run): the command plugin goes into Pulumi's plugin cache (${PULUMI_HOME:-~/.pulumi}/plugins).
say() { printf '%s: %s\n' "$(basename "$0" .sh)" "$*" >&2; }

[ -d node_modules/@pulumi/pulumi ] || { say "installing npm packages"; npm ci --ignore-scripts --no-audit --no-fund >&2; }
# The program imports the components as a user would, from the package: build it when it is older than its sources.
if [ ! -f dist/components/index.js ] || [ -n "$(find components scripts/build.ts package.json -newer dist/components/index.js -print -quit)" ]; then
  say "building the package (npm run build)"
  npm run --silent build >/dev/null
fi
bin=$(scripts/pulumi-toolchain.sh --install-plugins)
export PATH="$bin:$PATH" PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true PULUMI_IGNORE_AMBIENT_PLUGINS=true
if [ -z "${PULUMI_BACKEND_URL:-}" ]; then
  mkdir -p .pulumi-state && chmod 700 .pulumi-state
  export PULUMI_BACKEND_URL="file://$PWD/.pulumi-state"
fi
# Stack secrets are encrypted with a passphrase; without one of yours, a random one is kept beside the state.
if [ -z "${PULUMI_CONFIG_PASSPHRASE+x}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
  pass=.pulumi-state/passphrase
  mkdir -p .pulumi-state && chmod 700 .pulumi-state
  [ -s "$pass" ] || (umask 077 && head -c 32 /dev/urandom | base64 > "$pass")
  export PULUMI_CONFIG_PASSPHRASE_FILE="$PWD/$pass"
fi
