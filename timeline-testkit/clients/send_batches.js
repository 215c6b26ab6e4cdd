// Sends v3 timeline event batches with HubSpot's official Node client
// (@hubspot/api-client), unchanged but for its base URL, and prints one JSON
// line: the outcome of each batch.
//
//   node send_batches.js BASE_URL ACCESS_TOKEN BATCHES_JSON_FILE [CONCURRENCY]
//
// BATCHES_JSON_FILE holds an array of batches, each an array of inputs as
// HubSpot's batch create takes them (`eventTemplateId`, `id`, `objectId`,
// `tokens`, `timestamp` as text, ...). Each outcome is
// {"batch": i, "status": HTTP status or null, "message": text or null,
//  "refusedIds": the ids a 207's errors name}.
'use strict';

const fs = require('fs');
const hubspot = require('@hubspot/api-client');

async function main() {
  const [baseUrl, accessToken, file, concurrencyText] = process.argv.slice(2);
  if (!baseUrl || !accessToken || !file) {
    throw new Error('usage: node send_batches.js BASE_URL ACCESS_TOKEN BATCHES_JSON_FILE [CONCURRENCY]');
  }
  const batches = JSON.parse(fs.readFileSync(file, 'utf8'));
  const concurrency = Number(concurrencyText || '1');
  const client = new hubspot.Client({ accessToken, basePath: baseUrl });
  const outcomes = new Array(batches.length);
  let next = 0;
  async function worker() {
    while (next < batches.length) {
      const index = next++;
      const inputs = batches[index].map((input) => ({ ...input, timestamp: input.timestamp && new Date(input.timestamp) }));
      try {
        const answer = await client.crm.timeline.eventsApi.createBatchWithHttpInfo({ inputs });
        const errors = (answer.data && answer.data.errors) || [];
        const refusedIds = errors.flatMap((error) => (error.context && error.context.id) || []);
        outcomes[index] = { batch: index, status: answer.httpStatusCode, message: null, refusedIds };
      } catch (error) {
        const status = typeof error.code === 'number' ? error.code : null;
        outcomes[index] = { batch: index, status, message: String(error.message ?? error).slice(0, 500) };
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  process.stdout.write(JSON.stringify(outcomes) + '\n');
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
