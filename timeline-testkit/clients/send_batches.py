"""Sends v3 timeline event batches with HubSpot's official Python client
(hubspot-api-client), unchanged but for its host, and prints one JSON line:
the outcome of each batch.

    python send_batches.py BASE_URL ACCESS_TOKEN BATCHES_JSON_FILE

BATCHES_JSON_FILE holds an array of batches, each an array of inputs as
HubSpot's batch create takes them (camelCase keys, `timestamp` as text).
Each outcome is {"batch": i, "status": HTTP status or null, "message": text or null}.
"""

import json
import sys
from datetime import datetime

from hubspot import HubSpot
from hubspot.crm.timeline import BatchInputTimelineEvent, TimelineEvent
from hubspot.crm.timeline.exceptions import ApiException

KEYS = {
    "eventTemplateId": "event_template_id",
    "extraData": "extra_data",
    "timelineIFrame": "timeline_i_frame",
    "objectId": "object_id",
}


def event(input):
    fields = {KEYS.get(key, key): value for key, value in input.items()}
    if fields.get("timestamp"):
        fields["timestamp"] = datetime.fromisoformat(fields["timestamp"].replace("Z", "+00:00"))
    return TimelineEvent(**fields)


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: python send_batches.py BASE_URL ACCESS_TOKEN BATCHES_JSON_FILE")
    base_url, access_token, file = sys.argv[1:]
    with open(file, encoding="utf-8") as source:
        batches = json.load(source)
    events_api = HubSpot(access_token=access_token).crm.timeline.events_api
    events_api.api_client.configuration.host = base_url
    outcomes = []
    for index, batch in enumerate(batches):
        body = BatchInputTimelineEvent(inputs=[event(input) for input in batch])
        try:
            _, status, _ = events_api.create_batch_with_http_info(batch_input_timeline_event=body)
            outcomes.append({"batch": index, "status": status, "message": None})
        except ApiException as error:
            outcomes.append({"batch": index, "status": error.status, "message": str(error.reason)[:500]})
        except Exception as error:  # a connection that closed without an answer
            outcomes.append({"batch": index, "status": None, "message": str(error)[:500]})
    print(json.dumps(outcomes))


if __name__ == "__main__":
    main()
