// Sends N timeline events with the official Node client (@hubspot/api-client)
// to timeline-sandbox, in batches, with a fixed number of batches in flight,
// and prints `RESULT {json}` with the same figures as timeline-e2e/examples/bench_e2e.
//
//   node bench.js --url http://127.0.0.1:40123 --events 100000 [--batch-size 100]
//     [--in-flight 4] [--limiter --rate-limit 110 --rate-window-ms 10000]
//     [--stats-url URL] [--token TOKEN] [--id-prefix PREFIX] [--no-reset]
//
// --stats-url is where the sandbox's /_sandbox/ routes are when --url is not
// the sandbox (the relay in front of it); --no-reset leaves the sandbox's
// counts as they are (for several processes at once). RESULT also has each request's
// answer time, p50 and p99 in milliseconds.
//
// --limiter turns on the client's documented Bottleneck limiter
// (DEFAULT_LIMITER_OPTIONS: minTime 1000/9 ms, maxConcurrent 6), with minTime
// scaled by rate-window-ms / 10000 when the sandbox's window is scaled down.
'use strict';

const hubspot = require('@hubspot/api-client');

const TEMPLATE_ID = '1009001';
const PET_NAMES = ['Rex', 'Bella', 'Oscar "Ozzy"', 'Luna'];
const SHELTERS = ['North Shelter', 'Harbour Rescue', 'Südstadt Tierheim'];
const BREEDS = ['golden-retriever', 'beagle', 'mixed'];
const START = Date.UTC(2026, 4, 4, 9, 15, 0);
const FIRST_DAY = Date.UTC(2026, 0, 1);
const DAY_MS = 86400000;

function options() {
  const args = { events: 100000, batchSize: 100, inFlight: 4, limiter: false, rateLimit: 0, rateWindowMs: 10000 };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--limiter') { args.limiter = true; continue; }
    if (flag === '--no-reset') { args.noReset = true; continue; }
    const value = argv[++i];
    switch (flag) {
      case '--url': args.url = value; break;
      case '--stats-url': args.statsUrl = value; break;
      case '--token': args.token = value; break;
      case '--id-prefix': args.idPrefix = value; break;
      case '--events': args.events = Number(value); break;
      case '--batch-size': args.batchSize = Number(value); break;
      case '--in-flight': args.inFlight = Number(value); break;
      case '--rate-limit': args.rateLimit = Number(value); break;
      case '--rate-window-ms': args.rateWindowMs = Number(value); break;
      default: throw new Error(`unknown option ${flag}`);
    }
  }
  if (!args.url) throw new Error('--url is required');
  args.statsUrl = args.statsUrl ?? args.url;
  args.token = args.token ?? 'bench-access-token';
  args.idPrefix = args.idPrefix ?? 'adoption';
  return args;
}

// The nth event, the same values as timeline-e2e/benches/support/pet_event.rs.
function petAdopted(n, idPrefix) {
  return {
    eventTemplateId: TEMPLATE_ID,
    id: `${idPrefix}-${n}`,
    objectId: String(5100000 + (n % 1000)),
    timestamp: new Date(START + (n % 86400) * 1000),
    tokens: {
      petName: PET_NAMES[n % PET_NAMES.length],
      petAge: String(n % 17),
      breed: BREEDS[n % BREEDS.length],
      adoptedOn: String(FIRST_DAY + (n % 365) * DAY_MS),
      shelter: SHELTERS[n % SHELTERS.length],
    },
  };
}

async function sandbox(url, path, method) {
  const response = await fetch(url + path, { method });
  return method === 'GET' ? response.json() : null;
}

// The two pacing figures of timeline-e2e/examples/bench_e2e/pacing.rs, from the answer
// times (seconds) of every request: requests answered in the whole windows
// between the first and the last, against the limit; and every accepted
// request against the most the limit allows over the span of the answers.
function pacingShares(answers, accepted, limit, windowS) {
  const first = answers[0];
  const span = answers[answers.length - 1] - first;
  const wholeWindows = Math.floor(span / windowS);
  const counted = answers.filter((at) => {
    const windows = (at - first) / windowS;
    return windows >= 1 && windows < wholeWindows;
  }).length;
  return {
    steady: wholeWindows >= 2 ? counted / ((wholeWindows - 1) * limit) : null,
    wholeRun: accepted / (limit * (wholeWindows + 1)),
  };
}

async function main() {
  const args = options();
  const config = { accessToken: args.token, basePath: args.url };
  if (args.limiter) {
    const scale = args.rateWindowMs / 10000;
    config.limiterOptions = { ...hubspot.DEFAULT_LIMITER_OPTIONS };
    config.limiterOptions.minTime = (config.limiterOptions.minTime ?? 1000 / 9) * scale;
  }
  const client = new hubspot.Client(config);
  if (!args.noReset) await sandbox(args.statsUrl, '/_sandbox/reset', 'POST');

  let next = 0;
  let failed = 0;
  let created = 0;
  const answers = [];
  const latenciesMs = [];
  const batches = Math.ceil(args.events / args.batchSize);
  async function worker() {
    while (next < batches) {
      const batch = next++;
      const inputs = [];
      for (let n = batch * args.batchSize; n < Math.min(args.events, (batch + 1) * args.batchSize); n++) {
        inputs.push(petAdopted(n, args.idPrefix));
      }
      const sent = process.hrtime.bigint();
      try {
        const response = await client.crm.timeline.eventsApi.createBatch({ inputs });
        created += response.results.length;
        failed += inputs.length - response.results.length;
      } catch (error) {
        failed += inputs.length;
      }
      latenciesMs.push(Number(process.hrtime.bigint() - sent) / 1e6);
      answers.push(Number(process.hrtime.bigint()) / 1e9);
    }
  }

  const cpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: args.inFlight }, worker));
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  const peakRssMib = process.resourceUsage().maxRSS / 1024;
  const stats = await sandbox(args.statsUrl, '/_sandbox/stats', 'GET');
  latenciesMs.sort((a, b) => a - b);
  const percentile = (p) => latenciesMs[Math.min(latenciesMs.length - 1, Math.floor(latenciesMs.length * p))];
  const by = stats.responsesByStatus || {};
  const accepted = (by['201'] || 0) + (by['207'] || 0);
  const shares = args.rateLimit > 0 ? pacingShares(answers, accepted, args.rateLimit, args.rateWindowMs / 1000) : {};
  const result = {
    client: `@hubspot/api-client ${require('@hubspot/api-client/package.json').version} (node ${process.version})`,
    events: args.events,
    created,
    failed,
    elapsed_s: elapsed,
    events_per_s: args.events / elapsed,
    requests: stats.requests,
    status_429: by['429'] || 0,
    cpu_s: cpuS,
    cpu_us_per_event: (cpuS * 1e6) / args.events,
    peak_rss_mib: peakRssMib,
    pacing_share: shares.steady ?? null,
    pacing_whole_run: shares.wholeRun ?? null,
    latency_p50_ms: percentile(0.5),
    latency_p99_ms: percentile(0.99),
  };
  console.log(`RESULT ${JSON.stringify(result)}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
