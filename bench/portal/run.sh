#!/usr/bin/env bash
# Portal list pages under load, against the running product (Release build, Roles=Portal), on SQLite and PostgreSQL:
#   - a customer's domain page with 10,000 mailboxes (the mailbox list: first page, a deep page, a search)
#   - a reseller's customer list with 5,000 customers (first page, a deep page, a search)
# Seeds one row of each through the API, copies it in bulk in the database (bench/portal/seed.py), signs in through
# the login form and measures each page with wrk (bench/portal/p95.lua prints p50/p95/p99).
#
#   bench/portal/run.sh [sqlite|postgresql|both]    (as: flock /tmp/hp-bench.lock bench/run.sh portal, which writes docs/benchmarks.md)
#
# Prints one "PORTAL <provider> <page> c=<connections> p50=.. p95=.. p99=.. requests=.. errors=.." line per measurement,
# and appends them to $BENCH_PORTAL_OUT when set.
set -euo pipefail

PROVIDERS=${1:-both}
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROOT=$(dirname "$BENCH_DIR")
DURATION=${BENCH_PORTAL_DURATION:-5}
CONNECTIONS=${BENCH_PORTAL_CONNECTIONS:-1 4}
MAILBOXES=${BENCH_PORTAL_MAILBOXES:-10000}
CUSTOMERS=${BENCH_PORTAL_CUSTOMERS:-5000}
POSTGRES=${HOSTINGPANEL_TEST_POSTGRES:-Host=127.0.0.1;Port=5432;Username=postgres;Password=hp-test}
KEY=hp_bench_admin_key_0123456789abcdefghijklmnopq
PASSWORD=bench-Password-1
OUT=${BENCH_PORTAL_OUT:-/dev/null}
# BENCH_PORTAL_DRY=1: check the seeding and the pages with the Debug build and small counts, without load (no wrk).
DRY=${BENCH_PORTAL_DRY:-0}
command -v wrk >/dev/null || { echo "bench: wrk is missing (apt-get install -y wrk)" >&2; exit 1; }

WORK=$(mktemp -d /tmp/hp-portal-bench.XXXXXX)
PID=""
PGDB=""
cleanup() {
  [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true
  [ -n "$PGDB" ] && psql "$(pg_uri postgres)" -qAt -c "DROP DATABASE IF EXISTS $PGDB WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# "Host=..;Port=..;Username=..;Password=.." → postgresql://user:password@host:port/DB
pg_uri() {
  local host port user pass
  host=$(sed -n 's/.*Host=\([^;]*\).*/\1/p' <<<"$POSTGRES"); port=$(sed -n 's/.*Port=\([^;]*\).*/\1/p' <<<"$POSTGRES")
  user=$(sed -n 's/.*Username=\([^;]*\).*/\1/p' <<<"$POSTGRES"); pass=$(sed -n 's/.*Password=\([^;]*\).*/\1/p' <<<"$POSTGRES")
  echo "postgresql://$user:$pass@$host:${port:-5432}/$1"
}

log() { echo "bench: $(date -u +%H:%M:%S) $*" >&2; }

CONFIGURATION=Release
[ "$DRY" = 1 ] && CONFIGURATION=Debug
log "building the product ($CONFIGURATION)"
dotnet build -c $CONFIGURATION "$ROOT/src/HostingPanel.Web" -v q -nologo >"$WORK/build.log" 2>&1 || { cat "$WORK/build.log"; exit 1; }
DLL=$ROOT/src/HostingPanel.Web/bin/$CONFIGURATION/net10.0/HostingPanel.Web.dll

api() { # METHOD PATH [JSON]
  curl -fsS -X "$1" "$BASE$2" -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' ${3:+--data "$3"}
}

# Signs in through the login form; prints a Cookie header value for wrk.
sign_in() {
  local jar=$WORK/jar-$1 token
  token=$(curl -fsS -c "$jar" "$BASE/account/login" | sed -n 's/.*name="__RequestVerificationToken" type="hidden" value="\([^"]*\)".*/\1/p' | head -1)
  curl -fsS -o /dev/null -b "$jar" -c "$jar" --data-urlencode "Email=$1" --data-urlencode "Password=$PASSWORD" \
    --data-urlencode "__RequestVerificationToken=$token" "$BASE/account/login"
  sed 's/^#HttpOnly_//' "$jar" | awk -F'\t' 'NF == 7 && $1 !~ /^#/ { printf "%s%s=%s", sep, $6, $7; sep="; " }'
}

measure() { # PROVIDER LABEL COOKIE PATH EXPECT
  local body
  body=$(curl -fsS -H "Cookie: $3" "$BASE$4")
  grep -q -- "$5" <<<"$body" || { echo "bench: $BASE$4 does not show '$5'" >&2; exit 1; }
  if [ "$DRY" = 1 ]; then echo "PORTAL $1 $2 ok (dry run)"; return; fi
  for c in $CONNECTIONS; do
    local line
    line=$(wrk -t1 -c"$c" -d"${DURATION}s" -H "Cookie: $3" -s "$BENCH_DIR/portal/p95.lua" "$BASE$4" | sed -n 's/^RESULT //p')
    echo "PORTAL $1 $2 c=$c $line" | tee -a "$OUT" "$FIGURES"
  done
}

run_provider() {
  local provider=$1 port data args=()
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  data=$WORK/data-$provider
  BASE=http://127.0.0.1:$port
  if [ "$provider" = postgresql ]; then
    PGDB=hp_bench_$$
    psql "$(pg_uri postgres)" -qAt -c "CREATE DATABASE $PGDB" >/dev/null
    args=(--Database:Provider=PostgreSql "--ConnectionStrings:Panel=$POSTGRES;Database=$PGDB")
  fi
  log "$provider: starting the product on $BASE"
  dotnet "$DLL" --Urls="$BASE" --Storage:DataDirectory="$data" --Roles=Portal --Logging:LogLevel:Default=Warning \
    --Bootstrap:AdminEmail=admin@bench.test --Bootstrap:AdminPassword=$PASSWORD --Bootstrap:ApiKey=$KEY "${args[@]}" >"$WORK/product-$provider.log" 2>&1 &
  PID=$!
  for _ in $(seq 1 600); do curl -fs "$BASE/health" >/dev/null 2>&1 && break; sleep 0.1; done

  log "$provider: seeding $MAILBOXES mailboxes in one domain and $CUSTOMERS customers of one reseller"
  local reseller customer
  reseller=$(api POST /api/v1/resellers "{\"name\":\"Bench reseller\",\"email\":\"reseller@bench.test\",\"password\":\"$PASSWORD\",\"allowOverselling\":true,\"limits\":{\"maxCustomers\":100000,\"maxDomains\":100000,\"maxMailboxes\":1000000,\"diskQuotaMb\":100000000}}" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  customer=$(api POST /api/v1/customers "{\"name\":\"Big customer\",\"email\":\"customer@bench.test\",\"password\":\"$PASSWORD\",\"resellerId\":\"$reseller\",\"limits\":{\"maxDomains\":10,\"maxMailboxes\":100000,\"diskQuotaMb\":10000000}}" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  api POST /api/v1/domains "{\"name\":\"big.bench.test\",\"customerId\":\"$customer\"}" >/dev/null
  api POST /api/v1/domains/big.bench.test/mailboxes "{\"localPart\":\"template\",\"password\":\"$PASSWORD\",\"quotaMb\":10}" >/dev/null
  api POST /api/v1/customers "{\"name\":\"Template customer\",\"email\":\"template@bench.test\",\"password\":\"$PASSWORD\",\"resellerId\":\"$reseller\",\"limits\":{\"maxDomains\":1,\"maxMailboxes\":2,\"diskQuotaMb\":100}}" >/dev/null
  if [ "$provider" = sqlite ]; then
    python3 "$BENCH_DIR/portal/seed.py" sqlite "$data/panel.db" Mailboxes LocalPart template $((MAILBOXES - 1))
    python3 "$BENCH_DIR/portal/seed.py" sqlite "$data/panel.db" Customers Name "Template customer" $((CUSTOMERS - 2))
  else
    python3 "$BENCH_DIR/portal/seed.py" postgresql "$(pg_uri "$PGDB")" Mailboxes LocalPart template $((MAILBOXES - 1))
    python3 "$BENCH_DIR/portal/seed.py" postgresql "$(pg_uri "$PGDB")" Customers Name "Template customer" $((CUSTOMERS - 2))
  fi

  local as_customer as_reseller
  as_customer=$(sign_in customer@bench.test)
  as_reseller=$(sign_in reseller@bench.test)
  log "$provider: measuring (${DURATION}s per run, connections: $CONNECTIONS)"
  measure "$provider" mailboxes-page1 "$as_customer" /domains/big.bench.test "$MAILBOXES in total"
  measure "$provider" mailboxes-page200 "$as_customer" "/domains/big.bench.test?page=200" "page 200 of"
  measure "$provider" mailboxes-search "$as_customer" "/domains/big.bench.test?q=u0999" "10 in total"
  measure "$provider" customers-page1 "$as_reseller" /customers "$CUSTOMERS in total"
  measure "$provider" customers-page100 "$as_reseller" "/customers?page=100" "page 100 of"
  measure "$provider" customers-search "$as_reseller" "/customers?q=customer%200399" "10 in total"

  kill "$PID"; wait "$PID" 2>/dev/null || true; PID=""
  if [ -n "$PGDB" ]; then psql "$(pg_uri postgres)" -qAt -c "DROP DATABASE IF EXISTS $PGDB WITH (FORCE)" >/dev/null; PGDB=""; fi
}

FIGURES=$WORK/figures.txt
: >"$FIGURES"
case "$PROVIDERS" in
  sqlite|postgresql) run_provider "$PROVIDERS" ;;
  both) run_provider sqlite; run_provider postgresql ;;
  *) echo "usage: bench/portal/run.sh [sqlite|postgresql|both]" >&2; exit 2 ;;
esac
# BENCH_PORTAL_REPORT: the markdown report to write the table into (bench/run.sh passes docs/benchmarks.md).
if [ "$DRY" != 1 ] && [ -n "${BENCH_PORTAL_REPORT:-}" ]; then
  python3 "$BENCH_DIR/portal/report.py" "$FIGURES" "$BENCH_PORTAL_REPORT" "${BENCH_PORTAL_COMMAND:-bench/portal/run.sh $PROVIDERS}"
  log "wrote $BENCH_PORTAL_REPORT"
fi
