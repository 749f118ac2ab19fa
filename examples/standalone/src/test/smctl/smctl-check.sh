#!/usr/bin/env bash
# Manual check (not part of mvn verify): the real smctl CLI against the packaged standalone server.
# Starts a WireMock broker and the server on loopback with a fresh data dir and HOME, runs
# login, register-broker/-platform/-visibility, marketplace, provision, bind, the read-only user,
# a client-credentials login and a token refresh, and fails on the first unexpected result.
#   SMCTL=/path/to/smctl examples/standalone/src/test/smctl/smctl-check.sh
# Needs a built jar (mvn -q -o -pl examples/standalone -am package -DskipTests), curl, java.
# See README.md next to this script for building smctl offline.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../../../../.." && pwd)
SMCTL=${SMCTL:?set SMCTL to the smctl binary}
SM_JAR=${SM_JAR:-$ROOT/examples/standalone/target/sm-standalone.jar}
WIREMOCK_JAR=${WIREMOCK_JAR:-$HOME/.m2/repository/org/wiremock/wiremock-standalone/3.13.2/wiremock-standalone-3.13.2.jar}
SM_PORT=${SM_PORT:-28080}; BROKER_PORT=${BROKER_PORT:-28081}
SM=http://127.0.0.1:$SM_PORT
WORK=$(mktemp -d); PIDS=(); echo "work dir (logs): $WORK"
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
ADMIN_PW=adm-$RANDOM$RANDOM-pw; VIEWER_PW=view-$RANDOM$RANDOM-pw; CLIENT_SECRET=cli-$RANDOM$RANDOM-secret

mkdir -p "$WORK/wm/mappings" "$WORK/home"
m() { printf '%s\n' "$2" > "$WORK/wm/mappings/$1.json"; }
m catalog '{"request":{"method":"GET","urlPath":"/v2/catalog"},"response":{"status":200,"headers":{"Content-Type":"application/json"},"jsonBody":{"services":[{"id":"svc-1","name":"demo-db","description":"A demo database","bindable":true,"plans":[{"id":"plan-small","name":"small","description":"small plan","free":true}]}]}}}'
m provision '{"request":{"method":"PUT","urlPathPattern":"/v2/service_instances/[^/]+"},"response":{"status":201,"headers":{"Content-Type":"application/json"},"jsonBody":{}}}'
m bind '{"request":{"method":"PUT","urlPathPattern":"/v2/service_instances/[^/]+/service_bindings/[^/]+"},"response":{"status":201,"headers":{"Content-Type":"application/json"},"jsonBody":{"credentials":{"uri":"db://demo"}}}}'
m delete '{"request":{"method":"DELETE","urlPathPattern":"/v2/service_instances/.+"},"response":{"status":200,"headers":{"Content-Type":"application/json"},"jsonBody":{}}}'

java -jar "$WIREMOCK_JAR" --port "$BROKER_PORT" --bind-address 127.0.0.1 --root-dir "$WORK/wm" --disable-banner > "$WORK/wiremock.log" 2>&1 &
PIDS+=($!)
SM_HOST=127.0.0.1 SM_PORT=$SM_PORT SM_DATA_DIR="$WORK/data" SM_ADMIN_PASSWORD=$ADMIN_PW \
  SM_READ_ONLY_USERNAME=viewer SM_READ_ONLY_PASSWORD=$VIEWER_PW SM_TOKEN_TTL_SECONDS=60 \
  SM_TOKEN_CLIENTS="ci-bot:$CLIENT_SECRET:admin" java -jar "$SM_JAR" > "$WORK/sm.log" 2>&1 &
PIDS+=($!)
for url in "$SM/v1/info" "http://127.0.0.1:$BROKER_PORT/v2/catalog"; do
  for _ in $(seq 1 120); do curl -fs -o /dev/null "$url" && break; sleep 0.5; done
  curl -fs -o /dev/null "$url" || { echo "not up: $url"; cat "$WORK/sm.log"; exit 1; }
done

export HOME=$WORK/home
shown() { local a="$*"; for s in "$ADMIN_PW" "$VIEWER_PW" "$CLIENT_SECRET"; do a=${a//$s/***}; done; echo "\$ smctl $a"; }
ok()   { shown "$@"; "$SMCTL" "$@" > "$WORK/out" 2>&1 || { cat "$WORK/out"; echo "FAILED (logs in $WORK)"; exit 1; }; head -5 "$WORK/out"; }
deny() { local want=$1; shift; shown "$@"; echo "  (must fail: $want)"; if "$SMCTL" "$@" > "$WORK/out" 2>&1; then cat "$WORK/out"; echo "UNEXPECTED SUCCESS"; exit 1; fi
         grep -q "$want" "$WORK/out" || { cat "$WORK/out"; echo "WRONG ERROR"; exit 1; }; tail -1 "$WORK/out"; }

ok login -a "$SM" -u admin -p "$ADMIN_PW"
ok list-brokers
ok register-broker demo-broker "http://127.0.0.1:$BROKER_PORT" "demo broker" --basic broker:broker-pw
ok register-platform cf-dev cloudfoundry "dev platform"
ok marketplace
PLAN=$("$SMCTL" marketplace -s demo-db -o json | sed -n 's/.*"id": "\([^"]*\)".*/\1/p' | head -1)
deny "not visible" provision inst0 demo-db small --mode sync
ok register-visibility service-manager "$PLAN"
ok provision inst1 demo-db small --mode sync
ok bind inst1 bind1 --mode sync
ok provision inst2 demo-db small
ok bind inst1 bind2
ok list-instances
ok list-bindings
ok get-binding bind1
ok unbind inst1 bind1 --mode sync -f
ok info

ok login -a "$SM" -u viewer -p "$VIEWER_PW"
ok list-brokers
deny "needs the role admin" register-platform p2 kubernetes
deny "needs the role admin" provision inst3 demo-db small
deny "wrong user name or password" login -a "$SM" -u admin -p wrong-password

ok login -a "$SM" --auth-flow client-credentials --client-id ci-bot --client-secret "$CLIENT_SECRET"
ok register-platform p3 kubernetes
deny "unknown client or wrong client secret" login -a "$SM" --auth-flow client-credentials --client-id ci-bot --client-secret nope

ok login -a "$SM" -u admin -p "$ADMIN_PW"
before=$(grep -o '"refresh_token": *"[^"]*"' "$HOME/.sm/config.json")
echo "waiting 52 s for the 60 s token to come within smctl's 10 s refresh margin"; sleep 52
ok list-platforms
after=$(grep -o '"refresh_token": *"[^"]*"' "$HOME/.sm/config.json")
[ "$before" != "$after" ] || { echo "FAILED: the token was not refreshed"; exit 1; }
echo "token refreshed"
ok logout
echo "ALL SMCTL CHECKS PASSED"
