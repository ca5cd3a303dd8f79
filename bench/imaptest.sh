#!/usr/bin/env bash
# Dovecot's imaptest against the product and against a private Dovecot, in the same run.
#
#   sudo flock /tmp/hp-bench.lock bench/imaptest.sh SOURCE_DIR [scripted|stress|latency|all]   (default: all)
#
# SOURCE_DIR is a git tree of github.com/dovecot/imaptest, branch release-2.3. It is copied and built
# under bench/out/ (never inside the source tree, never committed), with two local patches:
#   - Debian 12's dovecot-dev (2.3.19 with its security update) gave imap_parser_create() a fourth
#     argument, struct imap_parser_params: imaptest's three call sites pass an empty one;
#   - with checkpoint= imaptest reads past the end of its message array (src/client-state.c uses
#     array_idx_modifiable for a sequence the array may not have yet) and crashes even against
#     Dovecot: array_idx_get_space grows the array instead;
#   - with checkpoint= and many users, the end of one user's checkpoint (src/checkpoint.c, the loop after
#     "checkpointing is done") sends the next command of every idle client, also of clients waiting for
#     another user's checkpoint still under way; that checkpoint then finds a client with a command in
#     flight and panics ("checkpoint_neg: assertion failed: (array_count(&client->commands) == 0)").
#     The loop now skips clients whose own user is still checkpointing.
#   - the same loop also wakes a client whose LOGOUT has just been answered (a run's last seconds, when
#     imaptest sends LOGOUT whatever the client had planned, and that LOGOUT ends a checkpoint): the client
#     is logged out with its old plan left, and planning for it panics ("client_update_plan: assertion
#     failed: (client->plan_size == 0)", client-state.c line 222) whichever server it talks to. The loop
#     now leaves logged-out clients alone and names each in a warning ("hp-patch-4: ...").
# latency:  bench/imap-latency.py against each server: one command at a time by Python's imaplib (APPEND
#           with a synchronizing literal, LOGIN with literals, NOOP, FETCH, STORE, SEARCH), p50/p95 into
#           docs/benchmarks.md; a reply that waits for the client's delayed ACK shows as 40 ms or more.
# scripted: every test file of src/tests on its own (imaptest's summary never counts skipped groups),
#           against both servers; writes the compliance table into docs/benchmarks.md.
# stress:   IMAPTEST_USERS users, IMAPTEST_CLIENTS clients, IMAPTEST_SECS seconds, checkpoint=10, against
#           both servers one after the other; errors and commands per second into docs/benchmarks.md.
# Servers (IMAPTEST_SERVERS): product (the engine on SQLite), product-pg (the same engine on PostgreSQL:
# IMAPTEST_POSTGRES is a connection string to a server where a throwaway database is created and
# dropped), dovecot (Debian's default mail_fsync = optimized), dovecot-fsync (the same with mail_fsync =
# always). Each product is started just before its turn and stopped after it, so the two
# never share the machine.
set -euo pipefail

usage() { echo "usage: bench/imaptest.sh SOURCE_DIR [scripted|stress|latency|all]" >&2; exit 2; }
[ $# -ge 1 ] || usage
SOURCE=$(cd "$1" && pwd) || usage
MODE=${2:-all}
case "$MODE" in scripted|stress|latency|all) ;; *) usage ;; esac
[ -f "$SOURCE/src/imaptest.c" ] && [ -d "$SOURCE/src/tests" ] || { echo "imaptest: $SOURCE is not an imaptest source tree" >&2; exit 2; }

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
REPORT=${IMAPTEST_REPORT:-$ROOT/docs/benchmarks.md}
IMAPTEST_USERS=${IMAPTEST_USERS:-50}
IMAPTEST_CLIENTS=${IMAPTEST_CLIENTS:-50}
IMAPTEST_SECS=${IMAPTEST_SECS:-300}
IMAPTEST_CHECKPOINT=${IMAPTEST_CHECKPOINT:-10}
IMAPTEST_FILTER=${IMAPTEST_FILTER:-}              # only test files whose name matches this regex
IMAPTEST_SERVERS=${IMAPTEST_SERVERS:-"product dovecot"}
IMAPTEST_POSTGRES=${IMAPTEST_POSTGRES:-${HOSTINGPANEL_TEST_POSTGRES:-}}
DOVECOT_PORTS=(${IMAPTEST_DOVECOT_PORTS:-14143 14110 14024})   # IMAP POP3 LMTP
PRODUCT_IMAP_PORT=${IMAPTEST_PRODUCT_PORT:-15143}
PASSWORD=imaptest-Password-1
SCRIPT_USER=script@imaptest.test

[ "$(id -u)" = 0 ] || { echo "imaptest: run as root (Dovecot's master drops privileges itself)" >&2; exit 1; }

# The whole run is bounded.
if [ -z "${IMAPTEST_UNDER_TIMEOUT:-}" ]; then
  export IMAPTEST_UNDER_TIMEOUT=1
  exec timeout --signal=TERM --kill-after=60 "${IMAPTEST_TIMEOUT:-3600}" "$0" "$@"
fi
export MSBUILDDISABLENODEREUSE=1 DOTNET_CLI_USE_MSBUILD_SERVER=0 UseSharedCompilation=false DOTNET_CLI_TELEMETRY_OPTOUT=1

# shellcheck source=lib/dovecot.sh
. "$BENCH_DIR/lib/dovecot.sh"
# shellcheck source=lib/product.sh
. "$BENCH_DIR/lib/product.sh"

OUT=$BENCH_DIR/out/imaptest
mkdir -p "$OUT"
WORK=$(mktemp -d /tmp/hp-imaptest.XXXXXX)
chmod 755 "$WORK"
mkdir -p "$WORK/logs"
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  product_stop
  drop_pg_database
  dovecot_stop "$WORK/dovecot"
  rm -rf "$OUT/logs" && cp -r "$WORK/logs" "$OUT/logs" 2>/dev/null || true
  cp "$WORK/dovecot/log/dovecot.log" "$OUT/logs/" 2>/dev/null || true
  if [ -z "${IMAPTEST_KEEP:-}" ]; then rm -rf "$WORK"; else echo "imaptest: kept $WORK"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 143' INT TERM
log() { echo "imaptest: $(date -u +%H:%M:%S) $*"; }

# --- build imaptest ------------------------------------------------------------------------------
build_imaptest() {
  local build=$OUT/build
  if ! dpkg -s dovecot-dev >/dev/null 2>&1 || ! command -v autoreconf >/dev/null || ! command -v libtoolize >/dev/null; then
    log "installing dovecot-dev autoconf automake libtool make gcc from Debian"
    DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y --no-install-recommends \
      dovecot-dev autoconf automake libtool make gcc pkg-config >"$WORK/logs/apt.log" 2>&1
  fi
  # A build of the same commit (clean tree) is reused.
  local stamp
  stamp=$(git -C "$SOURCE" rev-parse HEAD 2>/dev/null || true)
  [ -z "$stamp" ] || stamp="$stamp+hp-patches-4"   # a new local patch rebuilds
  if [ -n "$stamp" ] && git -C "$SOURCE" diff --quiet HEAD 2>/dev/null && [ -x "$build/src/imaptest" ] \
     && [ "$(cat "$build/.hp-source" 2>/dev/null)" = "$stamp" ]; then
    log "reusing imaptest built from $SOURCE (${stamp:0:7})"
    IMAPTEST_BIN=$build/src/imaptest
    return 0
  fi
  log "building imaptest from $SOURCE (${stamp:0:7})"
  rm -rf "$build" && mkdir -p "$build"
  (cd "$SOURCE" && tar --exclude=.git -cf - .) | (cd "$build" && tar -xf -)
  # Patch 1: the fourth argument of imap_parser_create() (only when the headers have it).
  if grep -q 'struct imap_parser_params' /usr/include/dovecot/imap-parser.h; then
    sed -i 's/imap_parser_create(\([^;]*\), NULL, (size_t)-1)/imap_parser_create(\1, NULL, (size_t)-1, \&(const struct imap_parser_params){ 0 })/' \
      "$build/src/commands.c" "$build/src/imap-client.c" "$build/src/test-parser.c"
  fi
  # Patch 2: the checkpoint out-of-bounds read (grow the array rather than index past its end).
  sed -i '/metadata = array_idx_modifiable(&client->view->messages,$/s/array_idx_modifiable/array_idx_get_space/' \
    "$build/src/client-state.c"
  # Patch 3: a finished checkpoint wakes only clients whose own user is not checkpointing.
  sed -i 's|^\(\t\tif (client->checkpointing == storage)\)$|\t\tif (client->storage != storage \&\& client->storage != NULL \&\& client->storage->checkpoint != NULL)\n\t\t\tcontinue;\n\1|' \
    "$build/src/checkpoint.c"
  grep -q 'client->storage->checkpoint != NULL)$' "$build/src/checkpoint.c" || { echo "imaptest: patch 3 did not apply" >&2; exit 1; }
  # Patch 4: nor a client that is logged out (it has no command in flight only while it disconnects): it is
  # named in a warning instead, so the run's log shows which clients the loop would have woken.
  python3 - "$build/src/checkpoint.c" <<'PY'
import sys
path = sys.argv[1]
text = open(path).read()
old = "\t\tif (array_count(&client->commands) == 0 &&\n\t\t    client->client.state != STATE_BANNER) {\n"
new = old + ("\t\t\tif (client->client.login_state == LSTATE_NONAUTH) {\n"
             "\t\t\t\ti_warning(\"hp-patch-4: checkpoint end does not wake logged-out client %u \"\n"
             "\t\t\t\t\t  \"(last command %s, disconnected=%d, plan_size=%u)\",\n"
             "\t\t\t\t\t  client->client.idx, states[client->client.state].name,\n"
             "\t\t\t\t\t  client->client.disconnected, client->plan_size);\n"
             "\t\t\t\tcontinue;\n"
             "\t\t\t}\n")
if text.count(old) != 1 or '#include "imap-client.h"\n' not in text:
    sys.exit("imaptest: patch 4 did not apply")
text = text.replace('#include "imap-client.h"\n', '#include "imap-client.h"\n#include "client-state.h"\n', 1)
open(path, "w").write(text.replace(old, new))
PY
  (cd "$build" && ./autogen.sh && ./configure --with-dovecot=/usr/lib/dovecot && make -j"$(nproc)") \
    >"$WORK/logs/imaptest-build.log" 2>&1 || { tail -30 "$WORK/logs/imaptest-build.log"; exit 1; }
  [ -z "$stamp" ] || echo "$stamp" >"$build/.hp-source"
  IMAPTEST_BIN=$build/src/imaptest
}
IT() { LD_LIBRARY_PATH=/usr/lib/dovecot timeout "$1" "$IMAPTEST_BIN" "${@:2}"; }

# --- users and servers ---------------------------------------------------------------------------
wait_port() {
  for _ in $(seq 1 300); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "imaptest: nothing listens on 127.0.0.1:$1" >&2
  return 1
}

start_servers() {
  dovecot_install
  USERS_TSV=$WORK/users.tsv
  # The same {ARGON2ID} string for every user (both servers cache a verified login).
  local hash
  hash=$(doveadm pw -s ARGON2ID -p "$PASSWORD")
  printf '%s\t%s\t%s\n' "$SCRIPT_USER" "$hash" 1073741824 >"$USERS_TSV"
  for i in $(seq 1 "$IMAPTEST_USERS"); do
    printf 's%s@imaptest.test\t%s\t%s\n' "$i" "$hash" 1073741824 >>"$USERS_TSV"
  done
  log "starting Dovecot $(dovecot --version | cut -d' ' -f1) on 127.0.0.1:${DOVECOT_PORTS[0]}"
  dovecot_configure "$WORK/dovecot" "$USERS_TSV" "${DOVECOT_PORTS[@]}"
  dovecot_start "$WORK/dovecot"
  for p in "${DOVECOT_PORTS[@]}"; do wait_port "$p"; done
  log "building the product"
  product_build "$WORK/logs" || exit 1
  case " $IMAPTEST_SERVERS " in *" product-pg "*) [ -n "$IMAPTEST_POSTGRES" ] || { echo "imaptest: product-pg needs IMAPTEST_POSTGRES" >&2; exit 2; } ;; esac
}

# The product on the database its server name says; the previous product (if another) is stopped first.
PRODUCT_RUNNING=
PG_DATABASE=
pg_psql() { PGCONNECT_TIMEOUT=10 psql "$(pg_uri postgres)" -v ON_ERROR_STOP=1 -qAtc "$1"; }
# A libpq URI from the Npgsql-style connection string (Host=;Port=;Username=;Password=).
pg_uri() {
  local kv host=127.0.0.1 port=5432 user=postgres pass=
  IFS=';' read -ra kv <<<"$IMAPTEST_POSTGRES"
  for item in "${kv[@]}"; do
    case "${item,,}" in host=*) host=${item#*=} ;; port=*) port=${item#*=} ;; username=*|user\ id=*|user=*) user=${item#*=} ;; password=*) pass=${item#*=} ;; esac
  done
  echo "postgresql://$user:$pass@$host:$port/$1"
}
drop_pg_database() {
  [ -n "$PG_DATABASE" ] || return 0
  pg_psql "DROP DATABASE IF EXISTS $PG_DATABASE WITH (FORCE)" || true
  PG_DATABASE=
}
ensure_product() {
  [ "$PRODUCT_RUNNING" != "$1" ] || return 0
  product_stop
  drop_pg_database
  rm -rf "$WORK/product-data"
  if [ "$1" = product-pg ]; then
    PG_DATABASE=hp_imaptest_$$
    pg_psql "CREATE DATABASE $PG_DATABASE"
    log "starting the product on PostgreSQL (database $PG_DATABASE) on 127.0.0.1:$PRODUCT_IMAP_PORT"
    Database__Provider=PostgreSql ConnectionStrings__Mail="$IMAPTEST_POSTGRES;Database=$PG_DATABASE" \
      product_start "$WORK/product-data" "$USERS_TSV" "$PRODUCT_IMAP_PORT" 0 0 "$WORK/logs" "" "" || exit 1
  else
    log "starting the product on SQLite on 127.0.0.1:$PRODUCT_IMAP_PORT"
    product_start "$WORK/product-data" "$USERS_TSV" "$PRODUCT_IMAP_PORT" 0 0 "$WORK/logs" "" "" || exit 1
  fi
  PRODUCT_RUNNING=$1
}
port_of() {
  case "$1" in
    product|product-pg) echo "$PRODUCT_IMAP_PORT" ;;
    *) echo "${DOVECOT_PORTS[0]}" ;;
  esac
}
# dovecot-fsync is the same Dovecot with mail_fsync = always (fsync after every write: message file, index,
# directory), the durability the product always has; plain dovecot keeps Debian's default, mail_fsync =
# optimized (the message file only). Each imap process reads the configuration when it starts, so a reload
# between runs is enough.
dovecot_fsync() {
  local conf=$WORK/dovecot/etc/dovecot.conf
  sed -i '/^mail_fsync = /d' "$conf"
  [ "$1" != always ] || echo "mail_fsync = always" >>"$conf"
  doveadm -c "$conf" reload
  sleep 1
}
use_server() {
  case "$1" in
    product*) ensure_product "$1" ;;
    dovecot-fsync) dovecot_fsync always ;;
    dovecot) dovecot_fsync optimized ;;
  esac
}

# --- scripted suite ------------------------------------------------------------------------------
# One imaptest run per test file: its summary ("1 test groups: F failed, ...") never counts a skipped
# group, so a file with no failure and no command run at all is the skip.
run_scripted() {
  local server=$1 port tsv=$OUT/scripted-$1.tsv file name output
  use_server "$server"
  port=$(port_of "$server")
  : >"$tsv"
  for file in "$SOURCE"/src/tests/*; do
    name=$(basename "$file")
    [ -f "$file" ] || continue
    case "$name" in *.mbox) continue ;; esac
    if [ -n "$IMAPTEST_FILTER" ] && ! [[ $name =~ $IMAPTEST_FILTER ]]; then continue; fi
    output=$(IT 120 host=127.0.0.1 port="$port" user="$SCRIPT_USER" pass="$PASSWORD" test="$file" 2>&1 || true)
    printf '%s\n' "$output" >"$WORK/logs/scripted-$server-$name.log"
    awk -v name="$name" '
      /test groups:/ { groups = 1; failed = $4 + 0 }
      /^base protocol:/ { split($3, b, "/"); bf = b[1]; bt = b[2] }
      /^extensions:/ { split($2, e, "/"); ef = e[1]; et = e[2] }
      END {
        if (!groups) state = "crashed"; else if (failed) state = "failed"; else if (bt + et == 0) state = "skipped"; else state = "passed"
        printf "%s\t%s\t%d\t%d\t%d\t%d\n", name, state, bf, bt, ef, et
      }' <<<"$output" >>"$tsv"
  done
  awk -F'\t' -v s="$server" '{ n[$2]++ } END { printf "imaptest: %s: %d passed, %d failed, %d skipped, %d crashed\n", s, n["passed"], n["failed"], n["skipped"], n["crashed"] }' "$tsv"
}

# --- stress mode ---------------------------------------------------------------------------------
# Messages to APPEND: the .mbox files of imaptest's own tests (real, varied and some deliberately odd),
# each Message-ID at most once: imaptest tells messages apart by Message-ID in stress mode, and the thread tests
# reuse ids such as <a@b> for different messages, which it would report as "ENVELOPE changed" (against
# Dovecot as well).
stress_mbox() {
  python3 - "$SOURCE"/src/tests/*.mbox >"$WORK/stress.mbox" <<'PY'
import re, sys
seen = set()
for path in sys.argv[1:]:
    text = open(path, 'rb').read().decode('latin-1')
    for message in re.split(r'(?m)^(?=From )', text):
        if not message.startswith('From '):
            continue
        head = message.split('\n\n', 1)[0]
        found = re.search(r'(?im)^message-id:\s*(\S+)', head)
        if found is not None:
            if found.group(1) in seen:
                continue
            seen.add(found.group(1))
        sys.stdout.write(message if message.endswith('\n') else message + '\n')
PY
}
run_stress() {
  local server=$1 port cpu0 own0
  use_server "$server"
  port=$(port_of "$server")
  stress_mbox
  warm_logins "$port"
  cpu0=$(server_cpu_ticks "$server")
  own0=$(server_cpu_ticks product)
  log "stress against $server: $IMAPTEST_USERS users, $IMAPTEST_CLIENTS clients, $IMAPTEST_SECS s, checkpoint=$IMAPTEST_CHECKPOINT"
  IT $((IMAPTEST_SECS + 120)) host=127.0.0.1 port="$port" user='s%d@imaptest.test' pass="$PASSWORD" \
    users="$IMAPTEST_USERS" clients="$IMAPTEST_CLIENTS" secs="$IMAPTEST_SECS" checkpoint="$IMAPTEST_CHECKPOINT" \
    mbox="$WORK/stress.mbox" seed=20261207 >"$WORK/logs/stress-$server.log" 2>&1 || true
  cp "$WORK/logs/stress-$server.log" "$OUT/stress-$server.log"
  # CPU seconds the server (and for product-pg its PostgreSQL) spent, and the load average right after.
  echo "$(( $(server_cpu_ticks "$server") - cpu0 )) $(cut -d' ' -f1 /proc/loadavg) $(( $(server_cpu_ticks product) - own0 ))" >"$OUT/stress-$server.cpu"
}

# One LOGIN per stress user before the clock starts: both servers cache a verified {ARGON2ID} login,
# and the first verification of 50 users (64 MiB each) otherwise fills a short run with LOGIN stalls.
warm_logins() {
  python3 - "$1" "$IMAPTEST_USERS" "$PASSWORD" <<'PY'
import imaplib, sys
from concurrent.futures import ThreadPoolExecutor
port, users, password = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
def login(i):
    client = imaplib.IMAP4('127.0.0.1', port, timeout=300)
    client.login(f's{i}@imaptest.test', password)
    client.logout()
with ThreadPoolExecutor(4) as pool:
    list(pool.map(login, range(1, users + 1)))
PY
}

# utime+stime (clock ticks) of the server's processes: the product's own process plus, on PostgreSQL,
# every backend of the cluster (other databases' backends too: a private cluster is assumed); Dovecot's
# whole process tree.
server_cpu_ticks() {
  local pids
  case "$1" in
    product) pids=$PRODUCT_PID ;;
    product-pg) pids="$PRODUCT_PID $(pgrep -d' ' -x postgres || true)" ;;
    *) pids=$(pgrep -d' ' -f "$WORK/dovecot" || true) ;;
  esac
  local total=0 p
  for p in $pids; do
    [ -r "/proc/$p/stat" ] || continue
    total=$(( total + $(awk '{ print $14 + $15 + $16 + $17 }' "/proc/$p/stat" 2>/dev/null || echo 0) ))
  done
  echo "$total"
}

# The totals line imaptest prints last ("Totals:" header, then one row of counts per command).
stress_summary() {
  local server=$1 log=$OUT/stress-$1.log
  awk -v server="$server" -v secs="$IMAPTEST_SECS" '
    /^Error:|Error: / { errors++ }
    /^Totals:/ { totals = 1; next }
    totals && NF > 0 && $1 ~ /^[0-9]+$/ { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+$/) sum += $i; totals = 0 }
    END { printf "%s\t%d\t%d\t%.0f", server, errors, sum, sum / secs }' "$log"
  local ticks load hz
  hz=$(getconf CLK_TCK)
  read -r ticks load own <"$OUT/stress-$1.cpu" 2>/dev/null || { ticks=0; load=?; own=0; }
  case "$1" in dovecot*) own=$ticks ;; esac
  awk -v t="$ticks" -v o="$own" -v hz="$hz" -v l="$load" 'BEGIN { }
    /^Totals:/ { totals = 1; next }
    totals && NF > 0 && $1 ~ /^[0-9]+$/ { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+$/) sum += $i; totals = 0 }
    END { printf "\t%.2f (%.2f)\t%s\n", (sum > 0 ? t / hz * 1000 / sum : 0), (sum > 0 ? o / hz * 1000 / sum : 0), l }' "$log"
}

# --- one command at a time (issue 17 item 4) -------------------------------------------------------
run_latency() {
  local server=$1 port
  use_server "$server"
  port=$(port_of "$server")
  warm_logins "$port"
  log "one command at a time against $server (${IMAPTEST_LATENCY_ROUNDS:-50} rounds)"
  timeout 600 python3 "$BENCH_DIR/imap-latency.py" 127.0.0.1 "$port" s1@imaptest.test "$PASSWORD" "${IMAPTEST_LATENCY_ROUNDS:-50}" \
    >"$OUT/latency-$server.tsv" 2>"$WORK/logs/latency-$server.err" || log "latency against $server failed (see logs/latency-$server.err)"
}

write_latency_report() {
  local md=$WORK/latency.md server
  {
    echo "Command: \`sudo flock /tmp/hp-bench.lock bench/imaptest.sh SOURCE_DIR latency\` (bench/imap-latency.py: Python's imaplib, Nagle on, no pipelining, ${IMAPTEST_LATENCY_ROUNDS:-50} rounds; LOGIN on a fresh connection each round). $(machine_line)"
    echo "A reply that waits for the client's delayed ACK costs 40 ms or more, every time."
    echo
    printf '| operation, p50 / p95 ms |'; for server in $IMAPTEST_SERVERS; do printf ' %s |' "$server"; done; echo
    printf '|---|'; for server in $IMAPTEST_SERVERS; do printf -- '---|'; done; echo
    cut -f1 "$OUT/latency-${IMAPTEST_SERVERS%% *}.tsv" 2>/dev/null | while IFS= read -r op; do
      printf '| %s |' "$op"
      for server in $IMAPTEST_SERVERS; do
        awk -F'\t' -v op="$op" '$1 == op { printf " %.1f / %.1f |", $3, $4; found = 1 } END { if (!found) printf " failed |" }' "$OUT/latency-$server.tsv" 2>/dev/null
      done
      echo
    done
  } >"$md"
  splice imaptest-latency "$md"
}

# --- report --------------------------------------------------------------------------------------
# splice SECTION FILE: replace what is between <!-- bench:SECTION:begin/end --> in the report.
splice() {
  local section=$1 file=$2 begin="<!-- bench:$1:begin -->" end="<!-- bench:$1:end -->"
  if ! grep -qF "$begin" "$REPORT"; then printf '\n%s\n%s\n' "$begin" "$end" >>"$REPORT"; fi
  awk -v b="$begin" -v e="$end" -v f="$file" '
    $0 == b { print; while ((getline line < f) > 0) print line; skip = 1; next }
    $0 == e { skip = 0 }
    !skip' "$REPORT" >"$REPORT.tmp" && mv "$REPORT.tmp" "$REPORT"
}

machine_line() {
  echo "Machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo), load average $(cut -d' ' -f1-3 /proc/loadavg) at the end (a shared machine); $(date -u +%Y-%m-%d) UTC; imaptest $(git -C "$SOURCE" rev-parse --short HEAD 2>/dev/null || echo '?') (release-2.3), Dovecot $(dovecot --version | cut -d' ' -f1)."
}

write_scripted_report() {
  local md=$WORK/scripted.md server
  {
    echo "Command: \`sudo flock /tmp/hp-bench.lock bench/imaptest.sh SOURCE_DIR scripted\`. $(machine_line)"
    echo "Each test file of imaptest's \`src/tests\` runs on its own; a group is *skipped* when the server lacks a capability it requires (the \`urlauth\` groups also need a second user, which neither server gets)."
    echo
    echo "| server | groups passed | failed | skipped | base checks failed | extension checks failed |"
    echo "|---|---|---|---|---|---|"
    for server in $IMAPTEST_SERVERS; do
      awk -F'\t' -v s="$server" '
        { n[$2]++; bf += $3; bt += $4; ef += $5; et += $6 }
        END { printf "| %s | %d | %d | %d | %d/%d | %d/%d |\n", s, n["passed"], n["failed"] + n["crashed"], n["skipped"], bf, bt, ef, et }' \
        "$OUT/scripted-$server.tsv"
    done
    echo
    for server in $IMAPTEST_SERVERS; do
      local odd
      odd=$(awk -F'\t' '$2 != "passed" { printf "%s%s (%s)", sep, $1, $2; sep = ", " }' "$OUT/scripted-$server.tsv")
      echo "Not passed on $server: ${odd:-none}."
      echo
    done
  } >"$md"
  splice imaptest-scripted "$md"
}

write_stress_report() {
  local md=$WORK/stress.md server
  {
    echo "Command: \`sudo flock /tmp/hp-bench.lock bench/imaptest.sh SOURCE_DIR stress\`: $IMAPTEST_USERS users, $IMAPTEST_CLIENTS clients, $IMAPTEST_SECS s each, \`checkpoint=$IMAPTEST_CHECKPOINT\`, messages from imaptest's own test mailboxes. $(machine_line)"
    echo
    echo "| server | errors | commands | commands/s | server CPU ms per command (of it the product process) | load average after |"
    echo "|---|---|---|---|---|---|"
    for server in $IMAPTEST_SERVERS; do
      stress_summary "$server" | awk -F'\t' '{ printf "| %s | %d | %d | %d | %s | %s |\n", $1, $2, $3, $4, $5, $6 }'
    done
  } >"$md"
  splice imaptest-stress "$md"
}

build_imaptest
start_servers
if [ "$MODE" = scripted ] || [ "$MODE" = all ]; then
  for server in $IMAPTEST_SERVERS; do
    log "scripted suite against $server"
    run_scripted "$server"
  done
  [ -n "$IMAPTEST_FILTER" ] || write_scripted_report
fi
if [ "$MODE" = latency ] || [ "$MODE" = all ]; then
  for server in $IMAPTEST_SERVERS; do run_latency "$server"; done
  write_latency_report
  for server in $IMAPTEST_SERVERS; do sed "s/^/$server\t/" "$OUT/latency-$server.tsv" 2>/dev/null || true; done
fi
if [ "$MODE" = stress ] || [ "$MODE" = all ]; then
  for server in $IMAPTEST_SERVERS; do run_stress "$server"; done
  write_stress_report
  for server in $IMAPTEST_SERVERS; do stress_summary "$server"; done
fi
