"""Sends N timeline events with the official Python client (hubspot-api-client)
to timeline-sandbox, in batches, with a fixed number of batches in flight
(one thread each: the client is synchronous), and prints `RESULT {json}` with
the same figures as timeline-e2e/examples/bench_e2e.

    python bench.py --url http://127.0.0.1:40123 --events 100000 [--batch-size 100] [--in-flight 4]
"""

import argparse
import datetime
import json
import resource
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata

from hubspot import HubSpot
from hubspot.crm.timeline import BatchInputTimelineEvent, TimelineEvent

TEMPLATE_ID = "1009001"
PET_NAMES = ["Rex", "Bella", 'Oscar "Ozzy"', "Luna"]
SHELTERS = ["North Shelter", "Harbour Rescue", "Südstadt Tierheim"]
BREEDS = ["golden-retriever", "beagle", "mixed"]
START = datetime.datetime(2026, 5, 4, 9, 15, 0, tzinfo=datetime.timezone.utc)
FIRST_DAY_MS = int(datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc).timestamp() * 1000)
DAY_MS = 86_400_000


def pet_adopted(n):
    """The nth event, the same values as timeline-e2e/benches/support/pet_event.rs."""
    return TimelineEvent(
        event_template_id=TEMPLATE_ID,
        id=f"adoption-{n}",
        object_id=str(5_100_000 + n % 1000),
        timestamp=START + datetime.timedelta(seconds=n % 86_400),
        tokens={
            "petName": PET_NAMES[n % len(PET_NAMES)],
            "petAge": str(n % 17),
            "breed": BREEDS[n % len(BREEDS)],
            "adoptedOn": str(FIRST_DAY_MS + (n % 365) * DAY_MS),
            "shelter": SHELTERS[n % len(SHELTERS)],
        },
    )


def sandbox(url, path, method):
    with urllib.request.urlopen(urllib.request.Request(url + path, method=method)) as response:
        body = response.read()
    return json.loads(body) if method == "GET" else None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--in-flight", type=int, default=4)
    args = parser.parse_args()

    client = HubSpot(access_token="bench-access-token")
    events_api = client.crm.timeline.events_api
    events_api.api_client.configuration.host = args.url
    sandbox(args.url, "/_sandbox/reset", "POST")

    lock = threading.Lock()
    outcome = {"created": 0, "failed": 0}

    def send(batch):
        first = batch * args.batch_size
        inputs = [pet_adopted(n) for n in range(first, min(args.events, first + args.batch_size))]
        # The generated `create_batch` declares no response type: it returns None and
        # never reads the answer's results, so a call that does not raise stored them all.
        try:
            events_api.create_batch(batch_input_timeline_event=BatchInputTimelineEvent(inputs=inputs))
            created = len(inputs)
        except Exception:  # a refused batch counts as failed events, as in the other drivers
            created = 0
        with lock:
            outcome["created"] += created
            outcome["failed"] += len(inputs) - created

    batches = (args.events + args.batch_size - 1) // args.batch_size
    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.in_flight) as pool:
        list(pool.map(send, range(batches)))
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    stats = sandbox(args.url, "/_sandbox/stats", "GET")
    by_status = stats.get("responsesByStatus", {})
    result = {
        "client": f"hubspot-api-client {metadata.version('hubspot-api-client')} (python {sys.version.split()[0]})",
        "events": args.events,
        "created": outcome["created"],
        "failed": outcome["failed"],
        "elapsed_s": elapsed,
        "events_per_s": args.events / elapsed,
        "requests": stats["requests"],
        "status_429": by_status.get("429", 0),
        "cpu_s": cpu,
        "cpu_us_per_event": cpu * 1e6 / args.events,
        "peak_rss_mib": after.ru_maxrss / 1024,
        "pacing_share": None,
    }
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
