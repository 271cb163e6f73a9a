import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createStore } from '../../bot/store/store.js';
import { createSyncRequester } from '../../bot/sync/sync-requests.js';
import { DEMO } from '../support/emulator-msal.js';
import { CONTOSO } from '../sync/support/accounts.js';
import { connectAccount, seedContosoCrm, startSyncEnv, type SyncEnv } from '../sync/support/sync-env.js';
import { waitFor } from '../sync/support/wait.js';
import {
  killAll,
  spawnWorker,
  workerEnvironment,
  type WorkerProcess,
} from '../sync/support/worker-process.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
const cli = path.join(root, 'bot', 'crm', 'import-cli.ts');
const demo = path.join(root, 'bot', 'crm', 'demo-crm.json');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('npm run crm:import', function () {
  let dir: string;
  let sqlitePath: string;

  // The command runs in an empty folder so no env file of the checkout is read.
  function run(...args: string[]): Promise<Run> {
    const env: NodeJS.ProcessEnv = { ...process.env, SQLITE_PATH: sqlitePath, LOG_LEVEL: 'warn' };
    delete env.DATABASE_URL;
    delete env.TEAMSFX_ENV;
    return new Promise((resolve) => {
      execFile(tsx, [cli, ...args], { cwd: dir, env }, (err, stdout, stderr) => {
        resolve({ code: err ? Number(err.code) : 0, stdout, stderr });
      });
    });
  }

  before(async function () {
    dir = await mkdtemp(path.join(os.tmpdir(), 'cloud-sync-crm-cli-'));
    sqlitePath = path.join(dir, 'data', 'store.db');
  });
  after(async function () {
    await rm(dir, { recursive: true, force: true });
  });

  it('imports a file into the configured store and exits 0, then 1 when rows are rejected', async function () {
    const ok = await run(demo);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /users\s+6 created/);
    assert.match(ok.stdout, /No rows rejected/);

    const store = createStore({ sqlitePath });
    try {
      const users = await store.db.selectFrom('crm_users').select('work_email').execute();
      assert.equal(users.length, 6);
    } finally {
      await store.close();
    }

    const csv = path.join(dir, 'bad.csv');
    await writeFile(
      csv,
      'type,tenant,name,email\nuser,6f1c2a9e-3b7d-4c1e-9a2f-0c1d2e3f4a51,Zed,not-an-email\n',
    );
    const rejected = await run(csv);
    assert.equal(rejected.code, 1);
    assert.match(rejected.stdout, /line 2: email is not an e-mail address/);
  });

  it('exits 2 with the usage when no file is given', async function () {
    const none = await run();
    assert.equal(none.code, 2);
    assert.match(none.stderr, /usage: npm run crm:import -- FILE/);
  });
});

describe('npm run crm:import with appointments, then the worker writes them to Outlook [sqlite]', function () {
  this.timeout(180_000);
  let env: SyncEnv;
  let dir: string;
  let alice: string;
  const workers: WorkerProcess[] = [];

  const day = (daysFromNow: number, hour: number) => {
    const d = new Date(Date.now() + daysFromNow * 86_400_000);
    d.setUTCHours(hour, 0, 0, 0);
    return d.toISOString();
  };
  const interview = {
    tenant: CONTOSO.id,
    crmId: 'APT-1001',
    owner: DEMO.alice.username,
    subject: 'Interview: Priya Patel',
    start: day(2, 9),
    end: day(2, 10),
    timeZone: 'Europe/London',
    location: 'Room 2',
    attendees: [{ contact: 'CON-0001' }],
    inviteAttendees: true,
  };
  const review = {
    tenant: CONTOSO.id,
    crmId: 'APT-1002',
    owner: DEMO.alice.username,
    subject: 'Pipeline review',
    start: day(3, 14),
    end: day(3, 15),
    timeZone: 'Europe/London',
  };
  const file = {
    contacts: [
      {
        tenant: CONTOSO.id,
        externalRef: 'CON-0001',
        displayName: 'Priya Patel',
        kind: 'candidate',
        emails: ['priya.patel@example.com'],
      },
    ],
    appointments: [
      interview,
      review,
      { ...review, crmId: 'APT-1003', owner: 'nobody@contoso.com', subject: 'Nobody’s meeting' },
    ],
  };

  function runImport(importFile: string): Promise<Run> {
    return new Promise((resolve) => {
      execFile(tsx, [cli, importFile], { cwd: dir, env: workerEnvironment(env) }, (err, stdout, stderr) => {
        resolve({ code: err ? Number(err.code) : 0, stdout, stderr });
      });
    });
  }
  const calendar = () => [...env.emu.ctx.mailboxes.mailbox(DEMO.alice.id).calendar.all()];
  const named = (subject: string) => calendar().filter((e) => e.fields.subject === subject);
  const appointments = () =>
    env.db
      .selectFrom('crm_appointments')
      .select(['crm_id', 'version', 'outlook_event_id', 'outlook_written_version'])
      .orderBy('crm_id')
      .execute();
  /** When the worker last completed a run of Alice's account. */
  const lastSynced = async () =>
    (
      await env.db
        .selectFrom('sync_accounts')
        .select('last_synced_at')
        .where('id', '=', alice)
        .executeTakeFirstOrThrow()
    ).last_synced_at;

  before(async function () {
    env = await startSyncEnv('sqlite');
    await seedContosoCrm(env.store);
    assert.equal((await env.control('PUT', `/mailboxes/${DEMO.alice.id}/seed`, { events: [] })).status, 200);
    alice = await connectAccount(env, DEMO.alice);
    dir = await mkdtemp(path.join(os.tmpdir(), 'cloud-sync-crm-appointments-'));
  });
  after(async function () {
    await killAll(workers);
    await env?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('writes each imported appointment to Outlook once; the same file again changes nothing', async function () {
    // The worker runs as `npm run worker` does, and finishes its first run before the import: the next
    // regular run is ten minutes away, so only the import's request can bring the appointments in.
    const worker = spawnWorker(workerEnvironment(env, { MAIL_FOLDERS: 'inbox' }));
    workers.push(worker);
    await waitFor(
      async () => (await lastSynced()) !== null || worker.child.exitCode !== null,
      60_000,
      'the worker’s first run',
    );
    assert.equal(worker.child.exitCode, null, worker.output());

    const importFile = path.join(dir, 'appointments.json');
    await writeFile(importFile, JSON.stringify(file, null, 2));
    const first = await runImport(importFile);
    assert.equal(first.code, 1, 'a rejected row makes the command exit 1');
    assert.match(first.stdout, /^appointments\s+2 created, 0 updated, 0 unchanged, 1 rejected$/m);
    assert.match(
      first.stdout,
      /appointments\[2\]: owner nobody@contoso.com is not a CRM user of tenant 6f1c2a9e-3b7d-4c1e-9a2f-0c1d2e3f4a51/,
    );

    await waitFor(
      async () => (await appointments()).every((a) => a.outlook_written_version === a.version),
      60_000,
      'both appointments written to Outlook',
    ).catch((err: Error) => {
      throw new Error(`${err.message}; the worker said:\n${worker.output()}`);
    });
    const [written] = named(interview.subject);
    assert.equal(named(interview.subject).length, 1);
    assert.equal(named(review.subject).length, 1);
    assert.deepEqual(named('Nobody’s meeting'), [], 'the rejected row reached nobody’s calendar');
    assert.equal(new Date(written!.startMs).toISOString(), interview.start);
    assert.equal(written!.fields.location?.displayName, 'Room 2');
    // Priya has two addresses (seeded); a contact attendee gets its alphabetically first.
    assert.deepEqual(
      written!.fields.attendees?.map((a) => a.emailAddress?.address),
      ['priya.p@example.net'],
    );
    const afterFirst = await appointments();
    assert.deepEqual(
      afterFirst.map((a) => a.crm_id),
      ['APT-1001', 'APT-1002'],
    );

    const second = await runImport(importFile);
    assert.match(second.stdout, /^appointments\s+0 created, 0 updated, 2 unchanged, 1 rejected$/m);
    assert.match(second.stdout, /^contacts\s+0 created, 0 updated, 1 unchanged, 0 rejected$/m);
    assert.deepEqual(await appointments(), afterFirst, 'the same file again changes no appointment');

    // Another run of the account (as a change notification brings) still finds one event per appointment.
    const syncedBefore = await lastSynced();
    const requests = createSyncRequester({ db: env.db });
    requests.request(alice);
    await requests.flush();
    await waitFor(async () => (await lastSynced()) !== syncedBefore, 60_000, 'another worker run');
    assert.deepEqual(
      calendar()
        .map((e) => e.fields.subject)
        .sort(),
      [review.subject, interview.subject].sort(),
    );
  });
});
