/**
 * Every eventlite example and doc flow, rewritten for s3lite under
 * examples/eventlite/, runs as a user would (`node`, importing 's3lite' from
 * dist/; `npm test` builds first) and prints what the flow promises.
 */
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const DIR = 'examples/eventlite';

const EXPECTED: Record<string, RegExp[]> = {
  'sample-flow.mjs': [/3 add: z = 5 \+ 7 = 12/, /5 add: w = 12 \+ 8 = 20/, /ERROR: .*initiated add/, /w is 20\nlast event id: 6/],
  'user-management.mjs': [
    /ok loginUser \{"userId":1,"username":"alice"\}/,
    /error loginUser: Invalid username or password/,
    /error updateUserRole: Only admins can change roles/,
    /error registerUser \(SQLITE_CONSTRAINT_UNIQUE\)/,
    /duplicate register returned: undefined/,
    /stored password is a hash: true verifies: true/,
    /stats: \{ total: 2, admins: 1 \}/,
  ],
  'versioning-and-snapshots.mjs': [
    /snapshot saved at event 7/,
    /snapshot labelled 3: false - The model reflects the log up to event 7, not 3/,
    /restored event 7, replay from 8\nreplayed 2 events/,
    /orders: 1:delivered:59.98 2:processing:20 3:shipped:30/,
    /restored \+ replay equals the live model: true/,
    /old snapshots deleted: 1/,
  ],
  'bulk-operations.mjs': [
    /exported 1000, imported 1000/,
    /stats: 1000 events; \{"orderPlaced":250,"pageViewed":750\} \{"1":500,"2":500\} 10 correlations/,
    /batchProcess: 250 orders, revenue 2500/,
    /migrate: dry run would add 125, added 125; log now 1125 events/,
  ],
  'background-jobs.mjs': [
    /emails sent: \[ 'ann@example.com: Welcome!', 'bob@example.com: Welcome!' \]/,
    /reports: \[ '2024-05', '2024-06' \]/,
    /jobs in the event file: 4/,
    /recentCompletion: 4 completed, 0 failed; pending 0/,
  ],
  'wait-conditions.mjs': [
    /fulfillOrder is pending\nafter payment, pending for the order: 1\nafter inventory, pending for the order: 0/,
    /cancelled refund: true\ntimed out: remind\nexpired: true/,
    /createOrder > paymentReceived > inventoryChecked > fulfillOrder > (approvalGranted > ){4}documentApproved\n/,
    /executed pending events: 2/,
  ],
};

const scripts = readdirSync(DIR).filter((f) => f.endsWith('.mjs'));

describe('examples/eventlite/', () => {
  it('every example has expectations here', () => {
    expect(scripts.sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const script of scripts) {
    it(`${script} runs and prints what the eventlite flow promises`, async () => {
      const { stdout } = await run(process.execPath, [`${DIR}/${script}`], { timeout: 60_000 });
      for (const pattern of EXPECTED[script] ?? []) expect(stdout).toMatch(pattern);
    }, 70_000);
  }
});
