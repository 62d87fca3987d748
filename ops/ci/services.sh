#!/usr/bin/env bash
# Make sure the services the integration tests talk to are up (they run on loopback on this machine).
set -uo pipefail

pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }

# promtool (Debian package `prometheus`) checks the alert rules in the tests.
if ! command -v promtool >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "services: installing promtool (Debian package prometheus)" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus) \
    >/dev/null 2>&1 || echo "services: could not install promtool; its test will skip (fail when CI=true)" >&2
fi

if ! pg_up; then
  echo "services: PostgreSQL is not answering on 127.0.0.1:5432, starting it" >&2
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
  fi
  for _ in $(seq 1 30); do pg_up && break; sleep 1; done
fi
if pg_up; then
  psql -h 127.0.0.1 -U postgres -tAc "select 1 from pg_database where datname='test'" 2>/dev/null | grep -q 1 \
    || psql -h 127.0.0.1 -U postgres -c "create database test" >/dev/null 2>&1 || true
  echo "services: PostgreSQL ready on 127.0.0.1:5432" >&2
else
  echo "services: PostgreSQL unavailable; its tests will skip (or fail when CI=true)" >&2
fi
