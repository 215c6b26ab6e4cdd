#!/usr/bin/env bash
# A local run of the relay, without Docker: the sandbox stands in for HubSpot,
# `timeline relay` sits in front of it with a SQLite outbox, and HubSpot's
# official Python client sends a batch through the relay. Needs cargo and
# python3 with venv; the client is installed in target/relay-example/.
#
#   examples/relay/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
work=target/relay-example
mkdir -p "$work"

cargo build -q -p timeline-sandbox -p timeline-cli
if [ ! -x "$work/venv/bin/python" ]; then
  python3 -m venv "$work/venv"
fi
"$work/venv/bin/pip" install --quiet --disable-pip-version-check -r benches/peers/python/requirements.txt

pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT

# Reads the first line a server prints, `… listening on http://HOST:PORT`, into $url.
first_url() {
  local line
  read -r line <"$1"
  url=${line##* }
}

mkfifo "$work/sandbox.out" "$work/relay.out" 2>/dev/null || true
target/debug/timeline-sandbox --templates examples/relay/templates --account-token 101=token-101 \
  >"$work/sandbox.out" &
pids+=($!)
first_url "$work/sandbox.out"
sandbox_url=$url

echo '{"101": "token-101"}' >"$work/tokens.json"
target/debug/timeline relay --listen 127.0.0.1:0 --hubspot-base-url "$sandbox_url" \
  --outbox "sqlite:$work/outbox.sqlite" --tokens "$work/tokens.json" --templates examples/relay/templates \
  >"$work/relay.out" &
pids+=($!)
first_url "$work/relay.out"
relay_url=$url
echo "sandbox at $sandbox_url, relay at $relay_url"

"$work/venv/bin/python" examples/relay/send.py "$relay_url" token-101
curl -s -H 'Authorization: Bearer token-101' "$relay_url/relay/v1/events/1001298/example-adoption-0"
echo
