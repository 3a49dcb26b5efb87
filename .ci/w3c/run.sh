#!/usr/bin/env bash
# The three official W3C conformance suites (VC Data Model 2.0, Data Integrity EdDSA, Bitstring Status
# List) run offline against a real, listening Ieum: `npx tsx src/main.ts` on a temporary PGlite,
# behind a local TLS front (self-signed certificate) because the suites speak https: only.
#
#   bash .ci/w3c/run.sh            # from anywhere; needs the project's node_modules (npm ci)
#
# Suites come from ../shared/w3c-suites (W3C_SUITES_DIR overrides). They are unpacked and installed
# under .tmp/w3c/suites/ (kept: a second run skips the install), their GitHub dependencies
# replaced by the packed copies beside them. Each suite runs with a time bound (W3C_SUITE_TIMEOUT,
# seconds). Prints per suite `w3c <suite>: N passing, M failing, K pending`, then each failing test
# with its error and the service's answers behind it; the same as JSON in .tmp/w3c/summary.json;
# logs in .tmp/w3c/run/. Failing suite tests do not fail this script: it exits non-zero only when
# the harness itself breaks (install, start, a suite that crashes or runs out of time).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
SUITES_DIR=${W3C_SUITES_DIR:-$ROOT/../shared/w3c-suites}
WORK=$ROOT/.tmp/w3c
RUN=$WORK/run
SUITE_TIMEOUT=${W3C_SUITE_TIMEOUT:-240}
INSTALL_TIMEOUT=${W3C_INSTALL_TIMEOUT:-300}

# label | tarball (and top folder) | local-config.mjs name
SUITES=(
  "vc-data-model-2.0|vc-data-model-2.0-test-suite|data-model"
  "vc-di-eddsa|vc-di-eddsa-test-suite|eddsa"
  "vc-bitstring-status-list|vc-bitstring-status-list-test-suite|status-list"
)
IMPLEMENTATIONS_TGZ=vc-test-suite-implementations-2.0.0.tgz
ASSERTION_TGZ=data-integrity-test-suite-assertion-0.0.1.tgz

log() { echo "w3c: $*"; }
die() {
  echo "w3c: harness error: $*" >&2
  exit 1
}

if [ ! -d "$SUITES_DIR" ]; then
  log "no suites at $SUITES_DIR: skipped"
  exit 0
fi
for f in "$IMPLEMENTATIONS_TGZ" "$ASSERTION_TGZ"; do [ -f "$SUITES_DIR/$f" ] || die "missing $SUITES_DIR/$f"; done
command -v openssl >/dev/null || die "openssl is needed for the TLS front's certificate"
[ -d "$ROOT/node_modules" ] || die "the project's node_modules is missing: run npm ci first"

started=$(date +%s)
mkdir -p "$WORK/pkgs" "$WORK/suites"
# Stable paths for the file: dependencies (the lock files record them).
cp -f "$SUITES_DIR/$IMPLEMENTATIONS_TGZ" "$SUITES_DIR/$ASSERTION_TGZ" "$WORK/pkgs/"

# --- 1. unpack and install each suite (skipped when the same inputs are installed already) ---------
STARTED_GROUPS=()
stop_group() { # stops a process group this script started (setsid made the pid its group id)
  local pid=$1
  [ -n "$pid" ] || return 0
  kill -TERM -- "-$pid" 2>/dev/null || return 0
  for _ in $(seq 1 50); do
    kill -0 -- "-$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL -- "-$pid" 2>/dev/null || true
}
cleanup() {
  local pid
  for pid in "${STARTED_GROUPS[@]}"; do stop_group "$pid"; done
  STARTED_GROUPS=()
}
trap cleanup EXIT
trap 'exit 130' INT TERM

pids=()
for entry in "${SUITES[@]}"; do
  IFS='|' read -r _ name _ <<<"$entry"
  [ -f "$SUITES_DIR/$name.tgz" ] || die "missing $SUITES_DIR/$name.tgz"
  setsid bash "$HERE/install-suite.sh" "$SUITES_DIR" "$WORK" "$name" "$IMPLEMENTATIONS_TGZ" "$ASSERTION_TGZ" >"$WORK/suites/$name.install.log" 2>&1 &
  pids+=("$!")
  STARTED_GROUPS+=("$!")
done
i=0
for entry in "${SUITES[@]}"; do
  IFS='|' read -r _ name _ <<<"$entry"
  wait "${pids[$i]}" || { tail -n 20 "$WORK/suites/$name.install.log" >&2 || true; die "installing $name failed (log: $WORK/suites/$name.install.log)"; }
  i=$((i + 1))
done
STARTED_GROUPS=()
log "suites installed in $WORK/suites ($(($(date +%s) - started))s)"

# --- 2. the service and its TLS front --------------------------------------------------------------
rm -rf "$RUN"
mkdir -p "$RUN/data" "$RUN/keys"
free_port() {
  node -e 'const s = require("node:net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}
APP_PORT=$(free_port)
TLS_PORT=$(free_port)
while [ "$TLS_PORT" = "$APP_PORT" ]; do TLS_PORT=$(free_port); done
BASE=https://127.0.0.1:$TLS_PORT

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
  -addext 'subjectAltName=DNS:localhost,IP:127.0.0.1' \
  -keyout "$RUN/tls-key.pem" -out "$RUN/tls-cert.pem" >"$RUN/openssl.log" 2>&1 || die "openssl could not make a certificate (see $RUN/openssl.log)"

ADMIN_TOKEN=$(openssl rand -hex 24)
(
  cd "$ROOT"
  PORT=$APP_PORT HOST=127.0.0.1 PUBLIC_URL=$BASE DATA_DIR=$RUN/data KEYS_DIR=$RUN/keys \
    ADMIN_TOKEN=$ADMIN_TOKEN LOG_LEVEL=warn RATE_LIMIT_PER_MINUTE=0 AUTH_FAILURES_PER_MINUTE=0 \
    exec setsid npx tsx src/main.ts
) >"$RUN/service.log" 2>&1 &
SERVICE_PID=$!
STARTED_GROUPS+=("$SERVICE_PID")
setsid node "$HERE/tls-front.mjs" "$TLS_PORT" "$APP_PORT" "$RUN/tls-cert.pem" "$RUN/tls-key.pem" "$RUN/exchanges.jsonl" >"$RUN/tls-front.log" 2>&1 &
STARTED_GROUPS+=("$!")

up=''
for _ in $(seq 1 120); do
  kill -0 "$SERVICE_PID" 2>/dev/null || { tail -n 20 "$RUN/service.log" >&2; die "the service exited while starting (log: $RUN/service.log)"; }
  if curl -skf -o /dev/null "$BASE/health"; then up=1 && break; fi
  sleep 0.5
done
[ -n "$up" ] || { tail -n 20 "$RUN/service.log" >&2; die "the service did not answer $BASE/health within 60s"; }

# One institution for the suites; its API key goes straight to the service, never through the
# front's log.
curl -sS -o "$RUN/issuer.json" -w '%{http_code}' -X POST "http://127.0.0.1:$APP_PORT/v1/issuers" \
  -H "Authorization: Bearer $ADMIN_TOKEN" -H 'content-type: application/json' \
  -d '{"slug":"w3c-suites","name":"W3C test suites","url":"https://w3c-suites.example","email":"w3c-suites@example.com"}' >"$RUN/issuer.status" ||
  die "POST /v1/issuers failed"
[ "$(cat "$RUN/issuer.status")" = 201 ] || die "POST /v1/issuers answered $(cat "$RUN/issuer.status"): $(head -c 500 "$RUN/issuer.json")"
W3C_ISSUER_DID=$(node -e 'console.log(require(process.argv[1]).did)' "$RUN/issuer.json")
W3C_API_KEY=$(node -e 'console.log(require(process.argv[1]).apiKey.token)' "$RUN/issuer.json")
rm -f "$RUN/issuer.json"
export W3C_BASE=$BASE W3C_ISSUER_DID W3C_API_KEY
log "service at $BASE (http://127.0.0.1:$APP_PORT), issuer $W3C_ISSUER_DID"

# --- 3. the suites ----------------------------------------------------------------------------------
rm -f "$WORK/summary.json"
summaries=()
harness_failed=''
for entry in "${SUITES[@]}"; do
  IFS='|' read -r label name kind <<<"$entry"
  dir=$WORK/suites/$name
  node "$HERE/local-config.mjs" "$kind" "$dir"
  report=$RUN/$label.report.json
  t0=$(date +%s)
  rc=0
  (
    cd "$dir"
    W3C_REPORT=$report NODE_TLS_REJECT_UNAUTHORIZED=0 APP_ROOT_PATH=$dir NODE_NO_WARNINGS=1 \
      exec setsid timeout -k 10 "$SUITE_TIMEOUT" npx --no -- mocha tests/ --timeout 15000 --preserve-symlinks \
      --no-package --no-config --exit --reporter "$HERE/reporter.cjs"
  ) >"$RUN/$label.mocha.log" 2>&1 &
  suite_pid=$!
  STARTED_GROUPS+=("$suite_pid")
  wait "$suite_pid" || rc=$?
  unset 'STARTED_GROUPS[-1]'
  rm -f "$dir/localConfig.cjs" # it holds this run's API key
  if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
    log "$label: ran out of its ${SUITE_TIMEOUT}s (log: $RUN/$label.mocha.log)"
    harness_failed=1
    continue
  fi
  if [ ! -s "$report" ]; then
    tail -n 30 "$RUN/$label.mocha.log" >&2 || true
    log "$label: mocha ended (exit $rc) without a report (log: $RUN/$label.mocha.log)"
    harness_failed=1
    continue
  fi
  log "$label: ran in $(($(date +%s) - t0))s"
  summaries+=("$label|$report")
done

cleanup

echo
for entry in "${summaries[@]}"; do
  IFS='|' read -r label report <<<"$entry"
  node "$HERE/summarize.mjs" "$label" "$report" "$RUN/exchanges.jsonl" "$WORK/summary.json" || harness_failed=1
done
echo
log "done in $(($(date +%s) - started))s; details in $WORK/summary.json, logs in $RUN/"
[ -z "$harness_failed" ] || die "at least one suite could not be run (see above)"
exit 0
