"""Sends a batch of timeline events with HubSpot's official Python client,
pointed at the relay instead of HubSpot: the only change is the client's host.

    python send.py RELAY_URL ACCESS_TOKEN
"""

import sys
from datetime import datetime, timezone

from hubspot import HubSpot
from hubspot.crm.timeline import BatchInputTimelineEvent, TimelineEvent


def main():
    relay_url, access_token = sys.argv[1:3]
    # `crm.timeline.events_api` makes a new API object at each use: keep one.
    events_api = HubSpot(access_token=access_token).crm.timeline.events_api
    events_api.api_client.configuration.host = relay_url
    events = [
        TimelineEvent(
            event_template_id="1001298",
            id=f"example-adoption-{n}",
            object_id="5120345",
            timestamp=datetime(2026, 5, 4, 9, 15, tzinfo=timezone.utc),
            tokens={"petName": name, "petAge": "3", "breed": "beagle"},
        )
        for n, name in enumerate(["Rex", "Bella", "Luna"])
    ]
    _, status, _ = events_api.create_batch_with_http_info(
        batch_input_timeline_event=BatchInputTimelineEvent(inputs=events)
    )
    # 201: HubSpot stored them; 202: stored in the relay's outbox, delivery pending.
    print(f"the relay answered {status}")


if __name__ == "__main__":
    main()
