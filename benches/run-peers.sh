#!/usr/bin/env bash
# End-to-end comparison on loopback: hubspot-timeline (timeline-e2e/examples/bench_e2e) against
# the official Node (@hubspot/api-client) and Python (hubspot-api-client) clients,
# all sending the same events to timeline-sandbox, then a pacing run against a
# rate-limited sandbox. Prints one table per part; see BENCHMARKS.md.
#
#   benches/run-peers.sh                        # 100 000 events, 3 interleaved rounds, 1 s pacing window
#   EVENTS=20000 ROUNDS=1 benches/run-peers.sh  # quicker
#   PACING_WINDOW_MS=10000 benches/run-peers.sh # HubSpot's real 10 s window (about a minute per client)
#   PARTS=throughput benches/run-peers.sh       # only one part (throughput | pacing)
#
# Needs cargo, node (>= 18) with npm, and python3 (>= 3.9) with venv. The peers are
# installed under target/peers/ from npm and PyPI, at the versions pinned in
# benches/peers/node/package-lock.json and benches/peers/python/requirements.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

EVENTS=${EVENTS:-100000}
BATCH=${BATCH:-100}
IN_FLIGHT=${IN_FLIGHT:-4}
ROUNDS=${ROUNDS:-3}
PACING_LIMIT=${PACING_LIMIT:-110}
PACING_WINDOW_MS=${PACING_WINDOW_MS:-1000}
PACING_WINDOWS=${PACING_WINDOWS:-6}
PARTS=${PARTS:-throughput pacing}

peers=$root/target/peers
results=$peers/results
mkdir -p "$results"

echo "== build and install" >&2
cargo build --release -p timeline-sandbox --bin timeline-sandbox >&2
cargo build --release -p timeline-e2e --example bench_e2e >&2
sandbox_bin=$root/target/release/timeline-sandbox
e2e_bin=$root/target/release/examples/bench_e2e

mkdir -p "$peers/node"
cp benches/peers/node/package.json benches/peers/node/package-lock.json "$peers/node/"
(cd "$peers/node" && npm ci --no-audit --no-fund --loglevel=error) >&2
export NODE_PATH=$peers/node/node_modules
if [ ! -x "$peers/venv/bin/python" ]; then
  python3 -m venv "$peers/venv"
fi
"$peers/venv/bin/pip" install --quiet --disable-pip-version-check -r benches/peers/python/requirements.txt >&2

sandbox_pid=
stop_sandbox() {
  if [ -n "$sandbox_pid" ]; then
    kill "$sandbox_pid" 2>/dev/null || true
    wait "$sandbox_pid" 2>/dev/null || true
    sandbox_pid=
  fi
}
trap stop_sandbox EXIT

# Starts the sandbox binary with extra options; sets sandbox_url.
start_sandbox() {
  local fifo=$peers/sandbox.out
  rm -f "$fifo" && mkfifo "$fifo"
  "$sandbox_bin" --port 0 --templates timeline-e2e/benches/templates "$@" >"$fifo" &
  sandbox_pid=$!
  exec 3<"$fifo"
  read -r first_line <&3
  sandbox_url=${first_line##* }
  exec 3<&-
  rm -f "$fifo"
}

# CPU clock ticks (user + system) the sandbox started by this script has used.
sandbox_ticks() {
  if [ -n "$sandbox_pid" ]; then
    sed 's/.*) //' "/proc/$sandbox_pid/stat" | awk '{ print $12 + $13 }'
  else
    echo 0
  fi
}

# Runs one measurement and appends its RESULT line, with the load and (unless the
# client measured its own sandbox) the sandbox's CPU time per event, to a file.
measure() {
  local out=$1
  shift
  local load before after line
  load=$(uptime | sed 's/.*load average: //')
  before=$(sandbox_ticks)
  line=$("$@" | grep '^RESULT ' | sed 's/^RESULT //')
  after=$(sandbox_ticks)
  echo "$line" | "$peers/venv/bin/python" -c '
import json, sys
r = json.load(sys.stdin)
r["load"] = sys.argv[1]
if r.get("server_cpu_us_per_event") is None:
    r["server_cpu_us_per_event"] = (int(sys.argv[3]) - int(sys.argv[2])) / int(sys.argv[4]) * 1e6 / r["events"]
print(json.dumps(r))' "$load" "$before" "$after" "$(getconf CLK_TCK)" >>"$out"
}

table() {
  "$peers/venv/bin/python" - "$@" <<'PY'
import json, statistics, sys
kind, paths = sys.argv[1], sys.argv[2:]
rows = {}
for path in paths:
    for line in open(path):
        r = json.loads(line)
        rows.setdefault(path, []).append(r)
def med(runs, key):
    return statistics.median(r[key] for r in runs)
base = rows[paths[0]]
if kind == "throughput":
    print("| client | events/s | requests | CPU µs/event | sandbox CPU µs/event | peak RSS MiB | failed | ours ÷ theirs (events/s) | theirs ÷ ours (CPU/event) | load (1/5/15 min) per run |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for path in paths:
        runs = rows[path]
        speed = med(base, "events_per_s") / med(runs, "events_per_s")
        cpu = med(runs, "cpu_us_per_event") / med(base, "cpu_us_per_event")
        print(f"| {runs[0]['client']} | {med(runs, 'events_per_s'):,.0f} | {med(runs, 'requests'):.0f} | "
              f"{med(runs, 'cpu_us_per_event'):.2f} | {med(runs, 'server_cpu_us_per_event'):.2f} | {med(runs, 'peak_rss_mib'):.1f} | {med(runs, 'failed'):.0f} | "
              f"{speed:.2f}× | {cpu:.2f}× | {'; '.join(r['load'] for r in runs)} |")
    print(f"\nmedians of {len(base)} interleaved round(s); each row's runs: " +
          "; ".join(f"{rows[p][0]['client'].split()[0]}: " + ", ".join(f"{r['events_per_s']:,.0f}/s" for r in rows[p]) for p in paths))
else:
    def pct(x):
        return "n/a" if x is None else f"{x * 100:.1f}%"
    print("| client | requests accepted | 429s | share of the allowed rate, steady state | whole run | elapsed s | load (1/5/15 min) |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for path in paths:
        for r in rows[path]:
            accepted = r["requests"] - r["status_429"]
            print(f"| {r['client']} | {accepted} | {r['status_429']} | {pct(r['pacing_share'])} | "
                  f"{pct(r['pacing_whole_run'])} | {r['elapsed_s']:.1f} | {r['load']} |")
PY
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(free -h | awk '/Mem:/ {print $2}') RAM; $(date -u '+%Y-%m-%d %H:%M UTC')"

if [[ " $PARTS " == *" throughput "* ]]; then
  rm -f "$results"/tp-*.jsonl
  start_sandbox --rate-limit 0
  for round in $(seq "$ROUNDS"); do
    echo "== throughput round $round/$ROUNDS ($EVENTS events, batches of $BATCH, $IN_FLIGHT in flight)" >&2
    measure "$results/tp-rust.jsonl" "$e2e_bin" --events "$EVENTS" --batch-size "$BATCH" --in-flight "$IN_FLIGHT" \
      --sandbox-bin "$sandbox_bin" --templates timeline-e2e/benches/templates
    measure "$results/tp-node.jsonl" node benches/peers/node/bench.js --url "$sandbox_url" --events "$EVENTS" \
      --batch-size "$BATCH" --in-flight "$IN_FLIGHT"
    measure "$results/tp-python.jsonl" "$peers/venv/bin/python" benches/peers/python/bench.py --url "$sandbox_url" \
      --events "$EVENTS" --batch-size "$BATCH" --in-flight "$IN_FLIGHT"
  done
  stop_sandbox
  echo
  echo "### Throughput: $EVENTS events, batches of $BATCH, $IN_FLIGHT in flight, sandbox rate limit off"
  echo
  table throughput "$results/tp-rust.jsonl" "$results/tp-node.jsonl" "$results/tp-python.jsonl"
fi

if [[ " $PARTS " == *" pacing "* ]]; then
  rm -f "$results"/pace-*.jsonl
  pacing_events=$((PACING_LIMIT * PACING_WINDOWS * BATCH))
  echo "== pacing: $pacing_events events, sandbox limit $PACING_LIMIT per $PACING_WINDOW_MS ms" >&2
  measure "$results/pace-rust.jsonl" "$e2e_bin" --events "$pacing_events" --batch-size "$BATCH" \
    --in-flight "$IN_FLIGHT" --rate-limit "$PACING_LIMIT" --rate-window-ms "$PACING_WINDOW_MS" --drop-created \
    --sandbox-bin "$sandbox_bin" --templates timeline-e2e/benches/templates
  start_sandbox --rate-limit "$PACING_LIMIT" --rate-window-ms "$PACING_WINDOW_MS"
  measure "$results/pace-node.jsonl" node benches/peers/node/bench.js --url "$sandbox_url" --events "$pacing_events" \
    --batch-size "$BATCH" --in-flight "$IN_FLIGHT" --limiter --rate-limit "$PACING_LIMIT" \
    --rate-window-ms "$PACING_WINDOW_MS"
  stop_sandbox
  echo
  echo "### Pacing: $pacing_events events ($PACING_WINDOWS windows' worth), sandbox limit $PACING_LIMIT requests per $PACING_WINDOW_MS ms"
  echo
  table pacing "$results/pace-rust.jsonl" "$results/pace-node.jsonl"
fi
