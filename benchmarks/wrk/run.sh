#!/usr/bin/env bash
# The OSB yardstick: the standalone Service Manager against a plain nginx reverse proxy, both in
# front of an nginx that plays a broker answering at once, loaded by wrk. See ../README.md
# ("wrk: the Service Manager against nginx") for the method and the results.
#
#   benchmarks/wrk/run.sh
#
# Needs: JDK 17, Maven (to build the standalone jar if it is missing), and the Debian packages
#   apt-get install -y nginx-light wrk jq curl
# Settings (environment): ROUNDS (5), DURATION seconds per run (10), WARMUP passes (3),
# SM_STORAGE (unset: the standalone default, H2 in a fresh data directory; or "memory"),
# SM_JAVA_OPTS (extra JVM options, e.g. for JFR), PROXY_WORKERS (nginx proxy workers, "auto"),
# SCENARIOS (default "cycle4 cycle1 catalog4"), TARGETS (default "direct nginx sm"),
# BASE_PORT (18600: broker, +1 nginx proxy, +2 Service Manager), KEEP=1 keeps the work directory,
# SM_JAR (default examples/standalone/target/sm-standalone.jar, built if missing),
# RESULTS_FILE (where the per-run lines are copied, default /tmp/sm-wrk-results.txt).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-3}
PROXY_WORKERS=${PROXY_WORKERS:-auto}
SCENARIOS=${SCENARIOS:-"cycle4 cycle1 catalog4"}
TARGETS=${TARGETS:-"direct nginx sm"}
BASE_PORT=${BASE_PORT:-18600}
BROKER_PORT=$BASE_PORT
PROXY_PORT=$((BASE_PORT + 1))
SM_PORT=$((BASE_PORT + 2))
JAR=${SM_JAR:-$ROOT/examples/standalone/target/sm-standalone.jar}
HZ=$(getconf CLK_TCK)

for tool in java nginx wrk jq curl; do
  command -v $tool >/dev/null || { echo "missing: $tool (apt-get install -y nginx-light wrk jq curl; JDK 17)" >&2; exit 2; }
done
if [ ! -f "$JAR" ]; then
  echo "building $JAR"
  (cd "$ROOT" && mvn -q -pl examples/standalone -am package -DskipTests)
fi

WORK=$(mktemp -d /tmp/sm-wrk.XXXXXX)
chmod 755 "$WORK" # nginx workers may run as another user and read the catalog from here
cp "$HERE/catalog.json" "$WORK/catalog.json"
chmod 644 "$WORK/catalog.json"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ "${KEEP:-0}" = 1 ]; then echo "work directory kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# ---- the broker and the proxy: two nginx instances, each in the foreground of its own process

nginx_conf() { # name workers server-block
  cat >"$WORK/$1.conf" <<EOF
worker_processes $2;
daemon off;
pid $WORK/$1.pid;
error_log $WORK/$1-error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $WORK/$1-body;
  proxy_temp_path $WORK/$1-proxy;
  keepalive_requests 1000000;
  keepalive_timeout 300s;
  sendfile on;
  $3
}
EOF
}
nginx_conf broker 1 "
  server {
    listen 127.0.0.1:$BROKER_PORT;
    default_type application/json;
    location = /v2/catalog { alias $WORK/catalog.json; }
    location /v2/service_instances/ {
      if (\$request_method = PUT) { return 201 '{}'; }
      if (\$request_method = DELETE) { return 200 '{}'; }
      return 405 '{}';
    }
  }"
nginx_conf proxy "$PROXY_WORKERS" "
  upstream broker {
    server 127.0.0.1:$BROKER_PORT;
    keepalive 32;
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:$PROXY_PORT;
    location / {
      proxy_pass http://broker;
      proxy_http_version 1.1;
      proxy_set_header Connection \"\";
    }
  }"
for name in broker proxy; do
  nginx -e "$WORK/$name-error.log" -p "$WORK" -c "$WORK/$name.conf" &
  PIDS+=($!)
done
BROKER_PID=${PIDS[0]}
PROXY_PID=${PIDS[1]}

# ---- the standalone Service Manager, with authentication on, as a real platform meets it

SM_PASSWORD=bench-admin-password
( cd "$WORK" && exec env SM_PORT=$SM_PORT SM_ADMIN_PASSWORD=$SM_PASSWORD SM_DATA_DIR="$WORK/sm-data" \
    ${SM_STORAGE:+SM_STORAGE=$SM_STORAGE} java ${SM_JAVA_OPTS:-} -jar "$JAR" >"$WORK/sm.log" 2>&1 ) &
SM_PID=$!
PIDS+=($SM_PID)
for _ in $(seq 1 300); do
  grep -q "listening on" "$WORK/sm.log" 2>/dev/null && break
  kill -0 $SM_PID 2>/dev/null || { cat "$WORK/sm.log" >&2; exit 1; }
  sleep 0.1
done
grep -q "listening on" "$WORK/sm.log" || { echo "the Service Manager did not start" >&2; cat "$WORK/sm.log" >&2; exit 1; }
curl -sf "http://127.0.0.1:$BROKER_PORT/v2/catalog" >/dev/null || { echo "the nginx broker does not answer" >&2; exit 1; }

SM=http://127.0.0.1:$SM_PORT
api() { # method path [json]
  curl -sS -f -u "admin:$SM_PASSWORD" -H 'Content-Type: application/json' -X "$1" "$SM$2" ${3:+-d "$3"}
}
BROKER_ID=$(api POST '/v1/service_brokers' "{\"name\":\"bench-broker\",\"broker_url\":\"http://127.0.0.1:$BROKER_PORT\",
  \"credentials\":{\"basic\":{\"username\":\"broker\",\"password\":\"broker-password\"}}}" | jq -r .id)
PLATFORM=$(api POST '/v1/platforms' '{"name":"bench-platform","type":"kubernetes"}')
PLATFORM_ID=$(jq -r .id <<<"$PLATFORM")
PLATFORM_AUTH="Basic $(jq -r '.credentials.basic.username + ":" + .credentials.basic.password' <<<"$PLATFORM" | tr -d '\n' | base64 -w0)"
for plan in $(api GET '/v1/service_plans?max_items=1000' | jq -r '.items[].id'); do
  api POST '/v1/visibilities' "{\"service_plan_id\":\"$plan\",\"platform_id\":\"$PLATFORM_ID\"}" >/dev/null
done
check=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: $PLATFORM_AUTH" -H 'X-Broker-API-Version: 2.17' \
  "$SM/v1/osb/$BROKER_ID/v2/catalog")
[ "$check" = 200 ] || { echo "the platform cannot read the catalog through the Service Manager: $check" >&2; exit 1; }

# ---- measuring

cpu_ticks() { # pid: utime+stime of the process and its children processes (nginx workers)
  local total=0 pid
  for pid in "$1" $(pgrep -P "$1" || true); do
    [ -r /proc/$pid/stat ] || continue
    total=$((total + $(sed 's/^.*) //' /proc/$pid/stat | awk '{print $12 + $13}')))
  done
  echo $total
}
url_of() { case $1 in direct) echo "http://127.0.0.1:$BROKER_PORT" ;; nginx) echo "http://127.0.0.1:$PROXY_PORT" ;; sm) echo "$SM" ;; esac; }
prefix_of() { [ "$1" = sm ] && echo "/v1/osb/$BROKER_ID" || echo ""; }
pid_of() { case $1 in direct) echo $BROKER_PID ;; nginx) echo $PROXY_PID ;; sm) echo $SM_PID ;; esac; }

RESULTS=$WORK/results.txt
: >"$RESULTS"
run=0
# one wrk run; with a round number, appends "round scenario target rps p50 p99 cpu_us errors" to RESULTS
measure() { # round scenario target seconds
  local round=$1 scenario=$2 target=$3 seconds=$4 mode conns out line pid before after
  case $scenario in
    cycle4) mode=cycle conns=4 ;; cycle1) mode=cycle conns=1 ;; catalog4) mode=catalog conns=4 ;;
    *) echo "unknown scenario $scenario" >&2; exit 2 ;;
  esac
  run=$((run + 1))
  pid=$(pid_of "$target")
  before=$(cpu_ticks "$pid")
  out=$(wrk -t$conns -c$conns -d${seconds}s -s "$HERE/osb.lua" "$(url_of "$target")" -- \
    $mode "$(prefix_of "$target")" "$PLATFORM_AUTH" "r$run-$$")
  after=$(cpu_ticks "$pid")
  line=$(grep '^WRK_RESULT' <<<"$out") || { echo "wrk failed: $out" >&2; exit 1; }
  eval "$(sed 's/^WRK_RESULT //' <<<"$line")"
  if [ "$status_errors" != 0 ] || [ "$socket_errors" != 0 ]; then
    echo "FAILED: $scenario via $target: $status_errors unexpected statuses, $socket_errors socket errors" >&2
    grep '^WRK_FIRST_ERROR' <<<"$out" >&2 || true
    exit 1
  fi
  [ "$round" = warmup ] && return 0
  awk -v r="$round" -v s="$scenario" -v t="$target" -v n="$requests" -v d="$duration_us" -v p50="$p50_us" \
      -v p99="$p99_us" -v cpu=$((after - before)) -v hz="$HZ" \
      'BEGIN { printf "%s %s %s %.1f %d %d %.1f\n", r, s, t, n / (d / 1e6), p50, p99, cpu / hz * 1e6 / n }' \
      | tee -a "$RESULTS"
}

echo "# warm-up: $WARMUP passes of the Service Manager scenarios, $DURATION s each"
for pass in $(seq 1 "$WARMUP"); do
  for scenario in $SCENARIOS; do measure warmup "$scenario" sm "$DURATION"; done
done
echo "# round scenario target requests/s p50_us p99_us cpu_us_per_request"
for round in $(seq 1 "$ROUNDS"); do
  for scenario in $SCENARIOS; do
    for target in $TARGETS; do measure "$round" "$scenario" "$target" "$DURATION"; done
  done
done

# ---- report: medians over rounds, and per-round ratios against nginx proxy_pass

echo
echo "## Results: $ROUNDS rounds of $DURATION s, medians ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(java -version 2>&1 | head -1))"
echo "storage: ${SM_STORAGE:-h2 (the standalone default)}; \"cycle\" = PUT + DELETE of a fresh instance, requests/s counts both"
echo
echo "| scenario | target | requests/s | p50 | p99 | CPU per request (target process) | vs nginx proxy_pass (per round) |"
echo "|---|---|---|---|---|---|---|"
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
for scenario in $SCENARIOS; do
  for target in $TARGETS; do
    rps=$(awk -v s=$scenario -v t=$target '$2 == s && $3 == t { print $4 }' "$RESULTS" | median)
    p50=$(awk -v s=$scenario -v t=$target '$2 == s && $3 == t { print $5 }' "$RESULTS" | median)
    p99=$(awk -v s=$scenario -v t=$target '$2 == s && $3 == t { print $6 }' "$RESULTS" | median)
    cpu=$(awk -v s=$scenario -v t=$target '$2 == s && $3 == t { print $7 }' "$RESULTS" | median)
    ratios=$(awk -v s=$scenario -v t=$target '$2 == s && $3 == "nginx" { n[$1] = $4 } $2 == s && $3 == t { m[$1] = $4 }
      END { for (r in m) if (n[r] > 0) printf "%.1f\n", 100 * m[r] / n[r] }' "$RESULTS" | sort -n)
    ratio=$(median <<<"$ratios")
    all=$(tr '\n' ' ' <<<"$ratios")
    printf "| %s | %s | %.0f | %.3f ms | %.3f ms | %.0f µs | %s%% (%s) |\n" "$scenario" "$target" "$rps" \
      "$(awk -v v="$p50" 'BEGIN { print v / 1000 }')" "$(awk -v v="$p99" 'BEGIN { print v / 1000 }')" "$cpu" \
      "$ratio" "${all% }"
  done
done
echo
echo "Targets: sm/nginx >= 40% for cycle4, >= 70% for cycle1, >= 100% for catalog4; sm p99 at 4 connections < 1 ms."
cp "$RESULTS" "${RESULTS_FILE:-/tmp/sm-wrk-results.txt}"
