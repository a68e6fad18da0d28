#!/usr/bin/env bash
# Idempotent setup: system packages when missing, then npm packages when the lockfile changed.
# Quiet when everything is already in place.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
chromium_binary="${SMOOTH_CHROMIUM_PATH:-chromium}"
command -v "$chromium_binary" >/dev/null 2>&1 || missing+=(chromium)
command -v ffmpeg >/dev/null 2>&1 || missing+=(ffmpeg)
# Client-certificate tests make their CA and certificates at test time.
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
# The PostgreSQL store's tests start throwaway clusters from Debian's binaries (packages/testkit/src/postgres-server.ts).
compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null || missing+=(postgresql)
# The distributed-mode tests start throwaway Redis servers of their own (testkit's redis-server.ts);
# installing the package must not leave a system service running.
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]} from Debian packages" >&2
  sudo_prefix=""
  [ "$(id -u)" = 0 ] || sudo_prefix="sudo"
  if [[ " ${missing[*]} " == *" postgresql "* ]] && [ ! -e /etc/postgresql-common/createcluster.conf ]; then
    # Binaries only: no system cluster is made, so no system service runs.
    $sudo_prefix mkdir -p /etc/postgresql-common
    echo 'create_main_cluster = false' | $sudo_prefix tee /etc/postgresql-common/createcluster.conf >/dev/null
  fi
  $sudo_prefix apt-get update -qq >/dev/null
  # policy-rc.d answers 101 ("not allowed") so that no package starts a service while installing.
  policy=/usr/sbin/policy-rc.d
  restore_policy=false
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo_prefix tee "$policy" >/dev/null
    $sudo_prefix chmod +x "$policy"
    restore_policy=true
  fi
  DEBIAN_FRONTEND=noninteractive UCF_FORCE_CONFFOLD=1 $sudo_prefix apt-get install -y -qq -o Dpkg::Options::=--force-confold "${missing[@]}" >/dev/null
  if $restore_policy; then $sudo_prefix rm -f "$policy"; fi
fi

stamp=node_modules/.open-smooth-setup
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ] || [ package.json -nt "$stamp" ]; then
  echo "setup: installing npm packages" >&2
  npm ci --no-fund --no-audit --loglevel=error >&2
  touch "$stamp"
fi
