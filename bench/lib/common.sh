# Shared by the side-by-side benchmarks (bench/peer, bench/smtp, bench/imap, bench/mailets): where the
# work directories are, which loopback ports each server uses, and how to install Debian tools.
# Sourced, not run.

BENCH_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# Generated data (server state, mailboxes, logs, profiles); git-ignored.
BENCH_WORK="${BENCH_WORK:-$BENCH_ROOT/bench/work}"
PY=/usr/bin/python3
DOMAIN=bench.example
USERS=100              # u001 .. u100 @ $DOMAIN, password "bench"; probe@ (latency samples), reader@ (IMAP)
PASSWORD=bench

# The peer (Postfix + Dovecot): loopback ports of its own.
PEER_SMTP_PORT="${PEER_SMTP_PORT:-2525}"
PEER_IMAP_PORT="${PEER_IMAP_PORT:-1143}"
PEER_LMTP_PORT="${PEER_LMTP_PORT:-2424}"
PEER_DIR="$BENCH_WORK/peer"

# Our server, from a copy of conf/ with every port moved off the standard ones (which a running
# ./mailserver, or another engineer's, may hold) and bound to 127.0.0.1.
OURS_SMTP_PORT="${OURS_SMTP_PORT:-3025}"     # the MX listener (25 in conf/)
OURS_IMAP_PORT="${OURS_IMAP_PORT:-3143}"
OURS_WEBADMIN_PORT="${OURS_WEBADMIN_PORT:-3800}"
OURS_CQL_PORT="${OURS_CQL_PORT:-3942}"
OURS_STORAGE_PORT="${OURS_STORAGE_PORT:-3700}"

say() { echo "bench: $*" >&2; }
die() { say "$*"; exit 1; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi; }

# Installs the Debian packages given that are not installed yet.
apt_install() {
  local missing=() p
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ "${#missing[@]}" = 0 ] && return 0
  say "installing ${missing[*]}"
  # Postfix asks how to configure itself; we configure it ourselves (bench/peer/setup).
  echo "postfix postfix/main_mailer_type select No configuration" | as_root debconf-set-selections
  as_root apt-get update -q >/dev/null || true
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null \
    || die "could not install ${missing[*]}"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

require_free_port() { if port_open "$1"; then die "127.0.0.1:$1 is already in use ($2)"; fi; }

# Machine facts for the results: cores, memory, load, versions.
machine_lines() {
  echo "nproc: $(nproc) cores"
  echo "memory: $(awk '/MemTotal/ {printf "%.1f", $2/1048576}' /proc/meminfo) GiB"
  echo "load_1min: $(cut -d' ' -f1 /proc/loadavg)"
}
