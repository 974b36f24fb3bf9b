// Records the event histories the replay test (replay.test.ts) replays against the current workflow
// code. Run it once, and again only when a change to the workflows is MEANT to change their
// histories (then keep the old fixtures too, under a new name, while old runs may still be open):
//
//   npx tsx test/operations/record-histories.ts            # every scenario
//   npx tsx test/operations/record-histories.ts post-busy  # some
//   npx tsx test/operations/record-histories.ts --suffix=-collect   # beside the old ones: <name>-collect.json
//
// Each scenario of scenarios.ts runs against a fresh dev server with the fake SIP peer; its history
// is written as Temporal's JSON (historyToJSON) to test/operations/histories/<name>.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { startOpsHarness } from './harness.ts';
import { dialogs, RECORDED } from './scenarios.ts';

const dir = fileURLToPath(new URL('./histories/', import.meta.url));
const args = process.argv.slice(2);
const suffix = args.find((a) => a.startsWith('--suffix='))?.slice('--suffix='.length) ?? '';
if (!/^[A-Za-z0-9-]*$/.test(suffix)) {
  console.error(`--suffix: letters, digits and dashes only, got "${suffix}"`);
  process.exit(2);
}
const wanted = args.filter((a) => !a.startsWith('--'));
const unknown = wanted.filter((n) => !RECORDED[n]);
if (unknown.length) {
  console.error(`unknown scenario(s): ${unknown.join(', ')}; known: ${Object.keys(RECORDED).join(', ')}`);
  process.exit(2);
}

mkdirSync(dir, { recursive: true });
const h = await startOpsHarness(dialogs);
try {
  for (const [name, run] of Object.entries(RECORDED)) {
    if (wanted.length && !wanted.includes(name)) continue;
    const r = await run(h);
    const history = await h.env.client.workflow.getHandle(r.workflowId).fetchHistory();
    const file = `${dir}${name}${suffix}.json`;
    writeFileSync(file, historyToJSON(history) + '\n');
    console.log(`${name}: ${history.events?.length ?? 0} events, result ${String(r.final.result)} → ${file}`);
  }
} finally {
  await h.shutdown();
}
