#!/usr/bin/env bash
# One-shot seeding for docker-compose.yml: the example's legacy schema and generated rows into the legacy database,
# its target tables into the target. Idempotent: a database already seeded is left alone, so `up` again is safe.
set -euo pipefail
example="${SHIFTLOG_EXAMPLE:-coaching}"
scale="${SHIFTLOG_SCALE:-1}"
dir="/examples/$example"
wait_for() { # podman-compose orders services but does not wait for health: poll it here
  for _ in $(seq 1 120); do pg_isready -q -h "$1" -U "$PGUSER" -d "$2" && return 0; sleep 1; done
  echo "seed: $1 did not become ready" >&2; return 1
}
wait_for legacy legacy
wait_for target app
if [ "$(psql -h legacy -d legacy -tAc "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")" = "0" ]; then
  echo "seed: legacy database ← $dir/legacy.sql and generate.sql (scale $scale)"
  psql -q -v ON_ERROR_STOP=1 -h legacy -d legacy -f "$dir/legacy.sql"
  sed "s/\${scale}/$scale/g" "$dir/generate.sql" | psql -q -v ON_ERROR_STOP=1 -h legacy -d legacy
else
  echo "seed: legacy database already seeded"
fi
if [ ! -f "$dir/target.sql" ]; then
  echo "seed: $example writes files (its spec's target), no target tables to create"
elif [ "$(psql -h target -d app -tAc "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")" = "0" ]; then
  echo "seed: target database ← $dir/target.sql"
  psql -q -v ON_ERROR_STOP=1 -h target -d app -f "$dir/target.sql"
else
  echo "seed: target database already has tables"
fi
echo "seed: done"
