#!/usr/bin/env bash
# The system packages the tests need (npm test and .ci/run call this first, so that no suite is
# half-skipped for want of one). As root with apt-get: installs the missing ones. Not root: stops
# with the one command to run under CI=true (where a skipped suite fails); otherwise says what the
# skipped root-only suites would need and goes on. SYSTEM_PACKAGES_ROOT prefixes the fixed paths
# checked (tests only; default: the real ones).
set -euo pipefail
root=${SYSTEM_PACKAGES_ROOT:-}
me=system-packages.sh

missing=() why=()
need() { # PACKAGE WHY CHECK...: PACKAGE is missing when CHECK fails
  local pkg=$1 reason=$2; shift 2
  "$@" >/dev/null 2>&1 || { missing+=("$pkg"); why+=("$pkg ($reason)"); }
}
need openssh-server "sshd for the SSH suites" test -x "$root/usr/sbin/sshd"
need openssh-client "ssh-keygen for the SSH suites" command -v ssh-keygen
need libnss-extrausers "an account outside /etc/passwd" dpkg -s libnss-extrausers
# A non-root PATH often lacks /usr/sbin, where debootstrap lives (tests/helpers/rootfs.ts looks there too).
debootstrap_found() { command -v debootstrap || test -x "$root/usr/sbin/debootstrap"; }
need debootstrap "dev containers" debootstrap_found
need openssl "the test git host's certificate" command -v openssl
need shellcheck "actionlint's check of the example workflow's shell steps" command -v shellcheck
[ ${#missing[@]} -gt 0 ] || exit 0

if ! command -v apt-get >/dev/null; then
  how="this machine has no apt-get: install them with its package manager"
elif [ "$(id -u)" -ne 0 ]; then
  how="run: sudo apt-get install -y ${missing[*]}"
else
  echo "$me: installing ${why[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  exit 0
fi

# Every suite that uses these needs root too (tests/helpers/needs.ts): as another account without
# CI=true it is skipped, named, and listed at the end of the run. The suites of
# tests/tools are the exception: they run as any account, and fail without their tool, saying so.
if [ "$(id -u)" -ne 0 ] && [ "${CI:-}" != true ]; then
  fails=()
  [[ " ${missing[*]} " == *" shellcheck "* ]] && fails+=("tests/tools/examples.test.ts fails without shellcheck")
  [[ " ${missing[*]} " == *" openssh-client "* ]] && fails+=("tests/tools/known-hosts.test.ts fails without ssh-keygen")
  but=
  if [ ${#fails[@]} -gt 0 ]; then but=$(printf '; %s' "${fails[@]}"); but=" (${but#; })"; fi
  echo "$me: missing ${missing[*]}; the suites that use them need root and are skipped for this account$but (to run them: $how, then npm test as root)" >&2
  exit 0
fi
echo "$me: missing ${why[*]}; $how" >&2
exit 1
