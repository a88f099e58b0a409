#!/usr/bin/env bash
# The measurements in docs/PERFORMANCE.md: the workload benchmark on SQLite and PostgreSQL at
# each desk size, with a release build.
#
#   bash Benchmarks/run-matrix.sh [SIZES...]        default sizes: 10000 100000 1000000
#
# Each size seeds a fresh SQLite file under $BENCH_DIR (default /tmp/rapport-bench) and a fresh
# database in a throwaway PostgreSQL cluster on a free loopback port (stopped afterwards), then
# prints the seed time and the workload table. Results go to $BENCH_DIR/results-<size>-<engine>.md.
# A million tickets take about 12 GB on disk per engine.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(10000 100000 1000000)
bench_dir=${BENCH_DIR:-/tmp/rapport-bench}
requests=${BENCH_REQUESTS:-2000}
mkdir -p "$bench_dir"

swift build -c release --product rapport
rapport=$(swift build -c release --show-bin-path)/rapport

pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
pg_dir=""
stop_pg() { [ -n "$pg_dir" ] && { as_pg "$pgbin/pg_ctl" -D "$pg_dir/data" -m fast -w stop >/dev/null 2>&1 || true; rm -rf "$pg_dir"; pg_dir=""; }; }
trap stop_pg EXIT

for size in "${sizes[@]}"; do
  echo "== SQLite, $size tickets"
  rm -rf "$bench_dir/sqlite-$size"
  "$rapport" bench seed --tickets "$size" --data-dir "$bench_dir/sqlite-$size" | tee "$bench_dir/results-$size-sqlite.md"
  du -sh "$bench_dir/sqlite-$size" | tee -a "$bench_dir/results-$size-sqlite.md"
  "$rapport" bench workload --requests "$requests" --data-dir "$bench_dir/sqlite-$size" | tee -a "$bench_dir/results-$size-sqlite.md"

  echo "== PostgreSQL, $size tickets"
  pg_dir=$(mktemp -d "$bench_dir/pg.XXXXXX")
  chmod 700 "$pg_dir"
  [ "$(id -u)" = 0 ] && chown postgres: "$pg_dir"
  as_pg "$pgbin/initdb" -D "$pg_dir/data" -U rapport --auth=trust -E UTF8 --locale=C.UTF-8 >"$pg_dir/initdb.log" 2>&1
  port=$(free_port)
  # Durable on disk like SQLite's WAL mode (fsync on); commits not waited for, like its
  # synchronous=NORMAL.
  as_pg "$pgbin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $pg_dir -c synchronous_commit=off -c shared_buffers=256MB -c max_wal_size=4GB" start >/dev/null
  as_pg "$pgbin/createdb" -h 127.0.0.1 -p "$port" -U rapport rapport
  export DATABASE_URL="postgres://rapport@127.0.0.1:$port/rapport?tlsmode=disable"
  "$rapport" bench seed --tickets "$size" --data-dir "$bench_dir/pg-files-$size" | tee "$bench_dir/results-$size-postgres.md"
  du -sh "$pg_dir/data" | tee -a "$bench_dir/results-$size-postgres.md"
  "$rapport" bench workload --requests "$requests" --data-dir "$bench_dir/pg-files-$size" | tee -a "$bench_dir/results-$size-postgres.md"
  unset DATABASE_URL
  stop_pg
done
