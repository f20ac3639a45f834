#!/usr/bin/env bash
# The published contract against the running service (issue 9, items 9-10):
#
#   1. openapi/openapi.json passes openapi-spec-validator;
#   2. real signed writes (party, key registration and revocation, issue,
#      carrier.accept) answer exactly what the document says (their schema,
#      receipt included), checked by check_response.py;
#   3. schemathesis fuzzes every operation, once as a company and once as an
#      authority, and fails on any 5xx, any undocumented status code, content
#      type or header, and any body that does not match its schema.
#
#   tests/contract/run.sh [EWAYBILL_BINARY]      (default: target/debug/ewaybill)
#
# The service runs on a fresh SQLite database in a temporary directory, with
# the demo parties and their test-only keys (`ewaybill demo`). Needs python3
# with openapi-spec-validator and schemathesis (.ci/run installs them), and
# curl. Bounded: CONTRACT_MAX_EXAMPLES (default 25) cases per operation and
# phase, CONTRACT_SEED (default 1) for a reproducible run.
#
# Every operation is fuzzed, key revocation included: the run cannot lock
# itself out, because a party cannot revoke its own last active key (409
# `last_active_key`), and step 2 revokes a second key of the company and
# checks that answer.
set -euo pipefail
cd "$(dirname "$0")/../.."

BIN=${1:-target/debug/ewaybill}
PORT=${CONTRACT_PORT:-18089}
MAX_EXAMPLES=${CONTRACT_MAX_EXAMPLES:-25}
SEED=${CONTRACT_SEED:-1}
SERVER="http://127.0.0.1:${PORT}"
DOC=openapi/openapi.json
OUT=target/contract
KEYS=fixtures/keys
CHECKS=not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance

mkdir -p "$OUT"
WORK=$(mktemp -d)
SERVER_PID=
cleanup() {
  if [ -n "$SERVER_PID" ]; then
    # `ewaybill demo` stops on Ctrl-C (SIGINT); SIGTERM only stops its HTTP server.
    kill -INT "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

declare -a SUMMARY=()
FAILED=0
record() { # record PASS|FAIL text
  SUMMARY+=("$1  $2")
  if [ "$1" = FAIL ]; then FAILED=1; fi
}
json() { # json FILE EXPR: a value from a JSON file, e.g. json f.json '["id"]'
  python3 -c 'import json, sys; print(eval("json.load(open(sys.argv[1]))" + sys.argv[2]))' "$1" "$2"
}

started=$(date +%s)

# 1. The document itself.
if python3 -m openapi_spec_validator "$DOC" >"$OUT/spec-validator.txt" 2>&1; then
  record PASS "openapi-spec-validator: $DOC is valid OpenAPI"
else
  cat "$OUT/spec-validator.txt"
  record FAIL "openapi-spec-validator: $DOC is not valid (see $OUT/spec-validator.txt)"
fi

# The service, with the demo data.
[ -x "$BIN" ] || cargo build --locked --bin ewaybill
DATABASE_URL="sqlite://${WORK}/ewaybill.db" EWAYBILL_DATA_DIR="${WORK}/data" \
  EWAYBILL_LISTEN="127.0.0.1:${PORT}" EWAYBILL_ACCESS_TOKEN_TTL_SECS=3600 \
  RUST_LOG=${RUST_LOG:-error} NO_COLOR=1 \
  "$BIN" demo >"$OUT/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 120); do
  grep -q '^API docs:' "$OUT/server.log" && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$OUT/server.log"; echo "the service did not start" >&2; exit 1; }
  sleep 0.5
done
grep -q '^API docs:' "$OUT/server.log" || { cat "$OUT/server.log"; echo "the demo data did not load" >&2; exit 1; }

login() { "$BIN" login --server "$SERVER" --key "$KEYS/test-only-$1.seed"; }
OPERATOR=$(login operator)
COMPANY=$(login brewery)
CARRIER=$(login carrier_baltic)
AUTHORITY=$(login police)

# 2. Real writes answer what the document says.
checked=0
call() { # call NAME METHOD PATH TOKEN STATUS SCHEMA [BODY_FILE]: one request, its answer checked
  local name=$1 method=$2 path=$3 token=$4 expected=$5 schema=$6 body=${7:-}
  local args=(-s -o "$WORK/$name.json" -w '%{http_code}' -X "$method" "$SERVER$path" -H "Authorization: Bearer $token")
  [ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data "@$body")
  local status
  status=$(curl "${args[@]}")
  checked=$((checked + 1))
  if [ "$status" != "$expected" ]; then
    echo "$method $path: $status, expected $expected: $(head -c 600 "$WORK/$name.json")"
    record FAIL "$method $path answered $status, expected $expected"
    return 1
  fi
  if ! python3 tests/contract/check_response.py "$DOC" "$schema" "$WORK/$name.json"; then
    record FAIL "$method $path: the $status answer does not match $schema"
    return 1
  fi
}
writes_ok=1
{
  printf '{"kind": "company", "name": "Contract Check SIA", "reg_no": "4000%07d", "country": "LV"}' "$RANDOM" >"$WORK/party.req"
  call party POST /v1/parties "$OPERATOR" 201 PartyCreated "$WORK/party.req"
  "$BIN" keygen --out "$WORK/second.pem" >"$WORK/keygen.txt" 2>/dev/null
  second=$(awk '/^public_key:/ { print $2 }' "$WORK/keygen.txt")
  call me GET /v1/me "$COMPANY" 200 PartyView
  brewery=$(json "$WORK/me.json" '["id"]')
  printf '{"public_key": "%s", "label": "contract check"}' "$second" >"$WORK/key.req"
  call key POST "/v1/parties/$brewery/keys" "$COMPANY" 201 KeyChanged "$WORK/key.req"
  second_id=$(json "$WORK/key.json" '["key_id"]')
  call revoke DELETE "/v1/parties/$brewery/keys/$second_id" "$COMPANY" 200 KeyChanged
  sed "s/BR-2026-000141/CT-$(date +%s)/" fixtures/waybills/brewery-beer.json >"$WORK/document.json"
  "$BIN" sign --key "$KEYS/test-only-brewery.seed" --type consignor.issue --body "$WORK/document.json" >"$WORK/issue.req"
  call issued POST /v1/waybills "$COMPANY" 201 ActAccepted "$WORK/issue.req"
  id=$(json "$WORK/issued.json" '["waybill"]["id"]')
  head=$(json "$WORK/issued.json" '["waybill"]["head"]')
  echo '{}' | "$BIN" sign --key "$KEYS/test-only-carrier_baltic.seed" --type carrier.accept \
    --waybill "$id" --prev "$head" --body - >"$WORK/accept.req"
  call accepted POST "/v1/waybills/$id/events" "$CARRIER" 201 ActAccepted "$WORK/accept.req"
  call state GET "/v1/waybills/$id" "$COMPANY" 200 WaybillState
  call keys GET "/v1/waybills/$id/keys" "$AUTHORITY" 200 'KeyView[]'
} || writes_ok=0
[ "$writes_ok" = 1 ] && record PASS "real writes: $checked answers (party, key, revocation, issue, accept, reads) match their schemas"

# 3. Schemathesis, as a company and as an authority.
fuzz() { # fuzz WHO TOKEN
  local who=$1 token=$2 log="$OUT/schemathesis-$1.txt" t0=$SECONDS
  if st run "$DOC" --url "$SERVER" -H "Authorization: Bearer $token" \
      --checks "$CHECKS" --max-examples "$MAX_EXAMPLES" --seed "$SEED" \
      --request-timeout 35 --workers 2 --no-color >"$log" 2>&1; then
    record PASS "schemathesis as $who: $(tail -n 1 "$log" | tr -d '=' | xargs) ($((SECONDS - t0)) s)"
  else
    sed -n '/= FAILURES =/,/= WARNINGS =/p' "$log"
    record FAIL "schemathesis as $who: $(tail -n 1 "$log" | tr -d '=' | xargs) (see $log)"
  fi
}
fuzz company "$COMPANY"
fuzz authority "$AUTHORITY"

# The service's own errors (a 500 always logs its cause); actix's notes on
# unparsable requests that schemathesis sends on purpose are not ours.
if grep -qE 'panicked| ERROR ewaybill' "$OUT/server.log"; then
  grep -E 'panicked| ERROR ewaybill' "$OUT/server.log" | head -n 20
  record FAIL "the service logged errors during the run (see $OUT/server.log)"
fi

echo
echo "contract summary ($(($(date +%s) - started)) s):"
printf '  %s\n' "${SUMMARY[@]}"
exit "$FAILED"
