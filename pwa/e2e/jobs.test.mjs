// End-to-end: a message that failed, seen and sent again by the district's
// administrator. The server starts with a mail server that is not there; a
// coach asks for a password-reset link and the message fails. The
// administrator sees it on the Jobs screen with the reason; the server is
// restarted with the development mailbox instead; the administrator
// retries it, is told what goes to whom, and the message arrives in the
// mailbox.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { accessible, closeContext, coach, dismissOfflineReady, freePort, launch, removeDir, requirePrerequisites, Server, shot, signIn, tempDir } from './harness.mjs';

const T = { timeout: 180_000 };
const admin = { email: 'admin@demo.walkthrough.test', password: 'walkthrough-admin' };

describe('a failed message retried by the administrator', { timeout: 600_000 }, () => {
  let server;
  let dataDir;
  let profile;
  let context;
  let page;

  before(async () => {
    requirePrerequisites();
    dataDir = tempDir('wt-e2e-jobs-data-');
    profile = tempDir('wt-e2e-jobs-admin-');
    // Nothing listens on this port once the probe is closed.
    const closed = await freePort();
    server = new Server(await freePort(), dataDir, { WALKTHROUGH_SMTP_URL: `smtp://127.0.0.1:${closed}?from=walkthrough@demo.walkthrough.test&tls=none` });
    await server.start();
    context = await launch(profile);
    page = context.pages()[0] ?? (await context.newPage());
  });

  after(async () => {
    await closeContext(context);
    await server?.stop();
    removeDir(profile);
    removeDir(dataDir);
  });

  const jobRow = () => page.getByRole('row').filter({ hasText: coach.email });

  /** Presses "Check again" until the coach's row says what is asked. */
  async function waitForRow(text, seconds = 60) {
    const deadline = Date.now() + seconds * 1000;
    for (;;) {
      const row = jobRow().filter({ hasText: text });
      if ((await row.count()) > 0) return row;
      assert.ok(Date.now() < deadline, `the coach's message never showed "${text}"; the rows: ${await page.getByRole('table').first().textContent().catch(() => '')}`);
      await page.waitForTimeout(500);
      await page.getByRole('button', { name: 'Check again' }).click();
    }
  }

  test('1: the message fails and the administrator sees why', T, async () => {
    const r = await fetch(server.base + '/api/v1/auth/forgot-password', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: coach.email }),
    });
    assert.equal(r.status, 202);

    await page.goto(server.base + '/');
    await signIn(page, admin);
    await dismissOfflineReady(page);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Administration' }).click();
    await page.getByRole('navigation', { name: 'Administration' }).getByRole('link', { name: 'Jobs' }).click();
    await page.getByRole('heading', { name: 'Jobs' }).waitFor();
    // A second failed attempt: the next one is half a minute away, so what
    // sends it below is the retry.
    const row = await waitForRow('2 of 12 attempts');
    const text = await row.textContent();
    assert.match(text, /Reset your Walkthrough password/);
    assert.match(text, /Failed; tried again later/);
    assert.match(text, /The mail server refused the connection/);
    await accessible(page, 'jobs');
    await shot(page, 'jobs.png');
    // Operators see it too.
    const metrics = await (await fetch(server.base + '/metrics')).text();
    assert.match(metrics, /walkthrough_messages_unsent\{state="retrying"\} 1/);
  });

  test('2: with a working mailbox, the retry sends it', T, async () => {
    await server.stop();
    server.env = {};
    await server.start();
    const inMailbox = async () => {
      const list = await server.request(admin, 'GET', '/mailbox');
      assert.equal(list.status, 200);
      return list.body.items.filter((m) => m.to === coach.email && m.kind === 'password_reset').length;
    };
    assert.equal(await inMailbox(), 0, 'the message was sent before the retry');

    await page.reload();
    await page.getByRole('heading', { name: 'Jobs' }).waitFor();
    const row = await waitForRow('The mail server refused the connection');
    await row.getByRole('button', { name: /^Retry/ }).click();
    const ask = page.getByRole('alertdialog', { name: 'Send this message again?' });
    await ask.waitFor();
    assert.match(await ask.textContent(), new RegExp(`“Reset your Walkthrough password” goes to ${coach.email.replace(/\./g, '\\.')} once, now`));
    await accessible(page, 'jobs, retry asked');
    await ask.getByRole('button', { name: 'Send again' }).click();
    await page.getByRole('status').filter({ hasText: 'is queued and will be sent in a moment' }).waitFor();
    assert.match(await jobRow().first().textContent(), /Queued/);
    await shot(page, 'jobs-retried.png');

    const deadline = Date.now() + 15_000;
    while ((await inMailbox()) === 0) {
      assert.ok(Date.now() < deadline, 'the retried message never reached the mailbox');
      await new Promise((r) => setTimeout(r, 300));
    }
    await page.getByRole('navigation', { name: 'Administration' }).getByRole('link', { name: 'Mailbox' }).click();
    await page.getByRole('heading', { name: 'Mailbox' }).waitFor();
    await page.getByRole('row').filter({ hasText: coach.email }).getByRole('button', { name: 'Reset your Walkthrough password' }).waitFor();

    await page.getByRole('navigation', { name: 'Administration' }).getByRole('link', { name: 'Jobs' }).click();
    await page.getByRole('heading', { name: 'Jobs' }).waitFor();
    await waitForRow('Sent');
    await page.getByText('No messages have failed.').waitFor();
  });
});
