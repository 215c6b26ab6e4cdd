#!/usr/bin/env bash
# The relay measured with HubSpot's official Node client (@hubspot/api-client,
# benches/peers/node/bench.js) on loopback, against the same client straight to
# timeline-sandbox, in one run. See BENCHMARKS.md.
#
#   benches/run-relay.sh                       # 20 000 events, 3 interleaved rounds
#   EVENTS=5000 ROUNDS=1 benches/run-relay.sh  # quicker
#
# Parts, each printed as a table:
# - throughput: events/s at batch 100, 4 batches in flight; the relay with its default
#   ack wait (answers once delivered) and with --ack-wait-ms 0 (answers once stored);
# - latency: each answer's time, p50 and p99, in the same runs;
# - sharing: 4 Node processes sending for one account at once, straight to a sandbox
#   that holds the account to LIMIT per WINDOW_MS, and through the relay paced to the
#   same limit: the 429s the sandbox answered.
#
# Needs cargo and node (>= 18) with npm; the client is installed under target/peers/.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

EVENTS=${EVENTS:-20000}
ROUNDS=${ROUNDS:-3}
SHARE_EVENTS=${SHARE_EVENTS:-2000}
LIMIT=${LIMIT:-20}
WINDOW_MS=${WINDOW_MS:-1000}
TOKEN=bench-access-token

peers=$root/target/peers
work=$root/target/relay-bench
mkdir -p "$peers/node" "$work"

echo "== build and install" >&2
cargo build --release -p timeline-sandbox --bin timeline-sandbox >&2
cargo build --release -p timeline-cli --bin timeline >&2
sandbox_bin=$root/target/release/timeline-sandbox
# TIMELINE_BIN: another build of `timeline` to measure (to compare two builds in one session).
timeline_bin=${TIMELINE_BIN:-$root/target/release/timeline}
cp benches/peers/node/package.json benches/peers/node/package-lock.json "$peers/node/"
(cd "$peers/node" && npm ci --no-audit --no-fund --loglevel=error) >&2
export NODE_PATH=$peers/node/node_modules
bench_js=$root/benches/peers/node/bench.js

pids=()
stop_all() {
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  pids=()
}
trap stop_all EXIT

# Starts a server whose first line ends with its URL; sets $url.
start() {
  local fifo=$work/server.out line
  rm -f "$fifo" && mkfifo "$fifo"
  "$@" >"$fifo" &
  pids+=($!)
  exec 3<"$fifo"
  read -r line <&3
  url=${line##* }
  exec 3<&-
  rm -f "$fifo"
}

start_sandbox() {
  start "$sandbox_bin" --port 0 --templates timeline-e2e/benches/templates "$@"
  sandbox_url=$url
}

# The relay in front of the sandbox, with a fresh outbox; extra options after.
start_relay() {
  rm -f "$work"/outbox.sqlite*
  echo "{\"1\": \"$TOKEN\"}" >"$work/tokens.json"
  start "$timeline_bin" relay --listen 127.0.0.1:0 --hubspot-base-url "$sandbox_url" \
    --outbox "sqlite:$work/outbox.sqlite" --tokens "$work/tokens.json" "$@"
  relay_url=$url
}

# One bench.js run; appends its RESULT with a label and the load to $work/$1.jsonl.
measure() {
  local label=$1
  shift
  local load
  load=$(cut -d' ' -f1-3 /proc/loadavg)
  node "$bench_js" "$@" | grep '^RESULT ' | sed 's/^RESULT //' |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const r=JSON.parse(s);r.label=process.argv[1];r.load=process.argv[2];console.log(JSON.stringify(r));})' \
      "$label" "$load" >>"$work/$label.jsonl"
}

echo "machine: $(nproc) cores, $(free -h | awk '/Mem:/ {print $2}') RAM; $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "load at the start: $(cut -d' ' -f1-3 /proc/loadavg)"

rm -f "$work"/*.jsonl
for round in $(seq "$ROUNDS"); do
  echo "== round $round" >&2
  # The order rotates each round, so that no variant always runs first.
  variants=(direct relay relay-ack-0)
  shift_by=$(((round - 1) % 3))
  variants=("${variants[@]:$shift_by}" "${variants[@]:0:$shift_by}")
  for variant in "${variants[@]}"; do
    start_sandbox --rate-limit 0
    case $variant in
      direct)
        measure direct --url "$sandbox_url" --events "$EVENTS" --batch-size 100 --in-flight 4 --id-prefix "r$round"
        ;;
      relay)
        start_relay --rate-limit 1000000/1000
        measure relay --url "$relay_url" --stats-url "$sandbox_url" --events "$EVENTS" --batch-size 100 \
          --in-flight 4 --id-prefix "r$round"
        ;;
      relay-ack-0)
        start_relay --rate-limit 1000000/1000 --ack-wait-ms 0
        measure relay-ack-0 --url "$relay_url" --stats-url "$sandbox_url" --events "$EVENTS" --batch-size 100 \
          --in-flight 4 --id-prefix "r$round"
        ;;
    esac
    stop_all
  done
done

echo
echo "## throughput and latency: $EVENTS events, batch 100, 4 in flight, $ROUNDS round(s)"
node -e '
const fs = require("fs");
const dir = process.argv[1];
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const rows = {};
for (const label of ["direct", "relay", "relay-ack-0"]) {
  rows[label] = fs.readFileSync(`${dir}/${label}.jsonl`, "utf8").trim().split("\n").map(JSON.parse);
}
const base = median(rows.direct.map((r) => r.events_per_s));
console.log("| path | events/s (median) | ÷ direct | answer p50 ms | answer p99 ms | failed | runs (events/s) | load |");
console.log("|---|---:|---:|---:|---:|---:|---|---|");
for (const [label, runs] of Object.entries(rows)) {
  const eps = median(runs.map((r) => r.events_per_s));
  console.log(`| ${label} | ${eps.toFixed(0)} | ${(eps / base).toFixed(2)}× | ${median(runs.map((r) => r.latency_p50_ms)).toFixed(1)} | ` +
    `${median(runs.map((r) => r.latency_p99_ms)).toFixed(1)} | ${median(runs.map((r) => r.failed))} | ` +
    `${runs.map((r) => r.events_per_s.toFixed(0)).join(", ")} | ${runs.map((r) => r.load).join("; ")} |`);
}' "$work"

echo
echo "## sharing: 4 Node processes, one account, $SHARE_EVENTS events each, the account at $LIMIT per $WINDOW_MS ms"
echo "| path | requests at the sandbox | 429s at the sandbox | failed at the clients | elapsed s |"
echo "|---|---:|---:|---:|---:|"
for variant in direct relay; do
  start_sandbox --rate-limit "$LIMIT" --rate-window-ms "$WINDOW_MS"
  target=$sandbox_url
  if [ "$variant" = relay ]; then
    start_relay --rate-limit "$LIMIT/$WINDOW_MS" --ack-wait-ms 0
    target=$relay_url
  fi
  curl -s -X POST "$sandbox_url/_sandbox/reset" >/dev/null
  started=$(date +%s.%N)
  failed=0
  outs=()
  senders=()
  for process in 1 2 3 4; do
    out=$work/share-$variant-$process.out
    outs+=("$out")
    node "$bench_js" --url "$target" --stats-url "$sandbox_url" --no-reset --events "$SHARE_EVENTS" \
      --batch-size 10 --in-flight 2 --id-prefix "p$process" >"$out" &
    senders+=($!)
  done
  wait "${senders[@]}"
  if [ "$variant" = relay ]; then
    # The relay answered once stored: wait until the sandbox holds every event.
    expected=$((4 * SHARE_EVENTS))
    until [ "$(curl -s "$sandbox_url/_sandbox/stats" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).inputsStored ?? 0))')" -ge "$expected" ]; do
      sleep 0.5
    done
  fi
  elapsed=$(echo "$(date +%s.%N) - $started" | bc)
  for out in "${outs[@]}"; do
    failed=$((failed + $(grep '^RESULT ' "$out" | sed 's/^RESULT //' | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).failed))')))
  done
  curl -s "$sandbox_url/_sandbox/stats" | node -e '
let s = ""; process.stdin.on("data", (d) => s += d).on("end", () => {
  const stats = JSON.parse(s); const by = stats.responsesByStatus || {};
  console.log(`| ${process.argv[1]} | ${stats.requests} | ${by["429"] || 0} | ${process.argv[2]} | ${Number(process.argv[3]).toFixed(1)} |`);
});' "$variant" "$failed" "$elapsed"
  stop_all
done
