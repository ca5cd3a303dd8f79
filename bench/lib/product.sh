# Product side of the benchmark: build, start, stop. Sourced by bench/run.sh.
#
# This is the one adapter between the harness and the product. Today it runs bench/ProductHost
# (the mail engine on a plain host, users provisioned through IMailEngineAdmin). When the panel's
# REST API can provision mailboxes, product_start can run `dotnet run --project src/HostingPanel.Web`
# with the same Mail__*/Storage__* settings and create the users over /api/v1 instead; nothing else
# in the harness changes, because every load goes through the mail protocols.

PRODUCT_DLL="$BENCH_DIR/ProductHost/bin/Release/net10.0/hp-bench-product.dll"
PRODUCT_PID=
PRODUCT_STATUS="n/a (not built yet)"

product_build() {
  if timeout 600 dotnet build "$BENCH_DIR/ProductHost" -c Release -nologo -v quiet >"$1/product-build.log" 2>&1; then
    return 0
  fi
  echo "bench: the product launcher does not build (see $1/product-build.log); product column will be n/a"
  PRODUCT_STATUS="n/a (build failed)"
  return 1
}

# product_start DATA_DIR USERS_TSV IMAP POP3 SMTP LOG_DIR: 0 when the engine is up and provisioned.
product_start() {
  local data=$1 users=$2 imap=$3 pop3=$4 smtp=$5 logs=$6
  mkdir -p "$data"
  dotnet "$PRODUCT_DLL" --data "$data" --users "$users" --imap "$imap" --pop3 "$pop3" --smtp "$smtp" \
    >"$logs/product.out" 2>"$logs/product.err" &
  PRODUCT_PID=$!
  for _ in $(seq 1 1200); do
    if grep -q '^READY' "$logs/product.out" 2>/dev/null; then
      PRODUCT_STATUS=ok
      return 0
    fi
    if ! kill -0 "$PRODUCT_PID" 2>/dev/null; then
      wait "$PRODUCT_PID" 2>/dev/null
      local rc=$?
      PRODUCT_PID=
      if [ "$rc" = 3 ]; then
        PRODUCT_STATUS="n/a (not built yet)"
        echo "bench: product not available yet: $(grep -h PRODUCT-UNAVAILABLE "$logs/product.err" | head -1)"
      else
        PRODUCT_STATUS="n/a (failed to start)"
        echo "bench: product exited with $rc during start-up; see $logs/product.err"
      fi
      return 1
    fi
    sleep 0.1
  done
  echo "bench: product did not report READY within 120 s"
  PRODUCT_STATUS="n/a (start-up timed out)"
  product_stop
  return 1
}

product_stop() {
  [ -n "${PRODUCT_PID:-}" ] || return 0
  if kill -0 "$PRODUCT_PID" 2>/dev/null; then
    kill -TERM "$PRODUCT_PID" 2>/dev/null
    for _ in $(seq 1 100); do kill -0 "$PRODUCT_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$PRODUCT_PID" 2>/dev/null || true
  fi
  wait "$PRODUCT_PID" 2>/dev/null || true
  PRODUCT_PID=
}
