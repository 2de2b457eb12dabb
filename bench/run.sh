#!/usr/bin/env bash
# npm run bench -- [--sizes 1,5,20,50] [--runs 3] [--tools pulumi,ansible] [--no-cold]
# npm run bench:scale -- [--sizes 20,200,1000] [--shards 1,10,50] [--parallel 50] ...  (bench/run.sh scale)
# npm run bench:profile -- [--runs 5]                                                   (bench/run.sh profile)
# npm run bench:target-profile -- [--sizes 10,100]                                       (bench/run.sh target-profile)
# Installs what the benchmark needs when it is missing (Debian's openssh-server, ansible and
# python3-matplotlib; the npm packages; the Pulumi toolchain), then runs bench/fleet-bench.ts (or
# bench/scale-bench.ts, bench/noop-profile.ts, bench/target-profile.ts) as root.
set -euo pipefail
cd "$(dirname "$0")/.."
script=bench/fleet-bench.ts
case "${1:-}" in
  scale) script=bench/scale-bench.ts; shift ;;
  profile) script=bench/noop-profile.ts; shift ;;
  target-profile) script=bench/target-profile.ts; shift ;;
esac
need=()
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v ansible-playbook >/dev/null || need+=(ansible)
/usr/bin/python3 -c 'import matplotlib' 2>/dev/null || need+=(python3-matplotlib)
if [ ${#need[@]} -gt 0 ]; then
  echo "bench: installing ${need[*]}" >&2
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >&2
fi
[ -d node_modules/@pulumi/pulumi ] || npm ci --ignore-scripts --no-audit --no-fund >&2
npm run --silent build >/dev/null   # the fleet program imports the package from dist/
scripts/pulumi-toolchain.sh >/dev/null
# Like the tests, the hosts model fresh machines: this machine's own Codex is hidden from them.
exec scripts/without-machine-codex.sh node_modules/.bin/ts-node -T "$script" "$@"
