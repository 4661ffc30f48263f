# Our server for the side-by-side benchmarks: ./mailserver with MAILSERVER_WORKDIR pointing at a work
# directory holding a copy of conf/ made by benchconf.py, and its own local Cassandra. Sourced.

# ours_start WORKDIR [benchconf.py options...]: fresh state (Cassandra data, queue) every time, so
# that runs compare.
ours_start() {
  local dir="$1" port name; shift
  OURS_DIR="$dir"
  rm -rf "$dir"; mkdir -p "$dir"
  "$PY" "$BENCH_ROOT/bench/lib/benchconf.py" "$BENCH_ROOT/conf" "$dir/conf" "$@"
  for port in "$OURS_SMTP_PORT" "$OURS_IMAP_PORT" "$OURS_WEBADMIN_PORT" "$OURS_CQL_PORT" "$OURS_STORAGE_PORT"; do
    require_free_port "$port" "needed by our server"
  done
  say "starting our server in $dir (SMTP 127.0.0.1:$OURS_SMTP_PORT, IMAP $OURS_IMAP_PORT, WebAdmin $OURS_WEBADMIN_PORT, CQL $OURS_CQL_PORT)"
  MAILSERVER_WORKDIR="$dir" CQL_PORT="$OURS_CQL_PORT" STORAGE_PORT="$OURS_STORAGE_PORT" \
    "$BENCH_ROOT/mailserver" start || die "our server did not start (logs: $dir/var/log)"
  local wa="http://127.0.0.1:$OURS_WEBADMIN_PORT"
  curl -fsS -XPUT "$wa/domains/$DOMAIN" >/dev/null || die "could not create $DOMAIN"
  for name in $(seq -f 'u%03g' 1 "$USERS") probe reader; do
    curl -fsS -XPUT "$wa/users/$name@$DOMAIN" -H 'Content-Type: application/json' \
      -d "{\"password\":\"$PASSWORD\"}" >/dev/null || die "could not create $name@$DOMAIN"
  done
}

ours_stop() {
  [ -n "${OURS_DIR:-}" ] || return 0
  MAILSERVER_WORKDIR="$OURS_DIR" CQL_PORT="$OURS_CQL_PORT" STORAGE_PORT="$OURS_STORAGE_PORT" \
    "$BENCH_ROOT/mailserver" stop || true
  OURS_DIR=
}

# Pids whose CPU and memory count as ours: the server JVM and its Cassandra.
ours_pids() {
  echo "$(cat "$OURS_DIR/var/mailserver.pid"),$(cat "$OURS_DIR/var/cassandra/cassandra.pid")"
}
