#!/usr/bin/env bash
# Runs a command with TEST_DATABASE_URL pointing at a throwaway Postgres cluster on a free
# loopback port (Debian's postgresql package; installed when missing). The cluster is removed at exit.
set -euo pipefail

pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$pgbin" ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi

dir=$(mktemp -d /tmp/vhd-pg.XXXXXX)
port=$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
as_pg=()
if [ "$(id -u)" = 0 ]; then
  chown postgres "$dir"
  as_pg=(runuser -u postgres --)
fi
stop() {
  "${as_pg[@]}" "$pgbin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap stop EXIT

"${as_pg[@]}" "$pgbin/initdb" -D "$dir/data" -A trust -U postgres >/dev/null
"${as_pg[@]}" "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null
echo "Postgres $("$pgbin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (throwaway)"

export TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
# For trials that restart the cluster (pg_ctl restart -m fast|immediate) while phones upload.
export TEST_PGDATA="$dir/data" TEST_PGBIN="$pgbin" TEST_PGLOG="$dir/log"
"$@"
