// End-to-end: where the district always shares an observation of a kind
// with its teacher. The district administrator says so on the settings
// screen; an observer scores a classroom offline, is told before
// submitting what the teacher will see, submits, and back online it syncs
// by itself; the teacher signs in on their own device and reads it. The
// real binary with its demo district, Debian's Chromium; nothing presses
// "Sync now".
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Server, accessible, closeContext, dismissOfflineReady, freePort, launch, removeDir, requirePrerequisites, shot, signIn, tempDir } from './harness.mjs';

const T = { timeout: 180_000 };
const admin = { email: 'admin@demo.walkthrough.test', password: 'walkthrough-admin' };
const observer = { email: 'observer@demo.walkthrough.test', password: 'walkthrough-observer' };
const teacher = { email: 'teacher@demo.walkthrough.test', password: 'walkthrough-teacher' };
const evidence = 'Students compared two strategies at the board.';

/** Waits until the server hands who a record matching ok. */
async function serverHas(server, who, ok, what) {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const found = (await server.pullAll(who)).find(ok);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`the server never had ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe('feedback always shared: scored offline, submitted, synced by itself, read by the teacher', { timeout: 600_000 }, () => {
  let server;
  let dataDir;
  const profiles = [];
  const contexts = [];
  let observationId;

  /** A device of its own, signed in, synced once and ready offline. */
  const device = async (who) => {
    const dir = tempDir('wt-e2e-always-');
    profiles.push(dir);
    const context = await launch(dir);
    contexts.push(context);
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(server.base + '/');
    await signIn(page, who);
    await page.waitForFunction(() => document.querySelector('[data-testid=last-sync]')?.textContent !== 'Synced never', null, { timeout: 60_000 });
    await dismissOfflineReady(page);
    return { context, page };
  };

  before(async () => {
    requirePrerequisites();
    dataDir = tempDir('wt-e2e-always-data-');
    server = new Server(await freePort(), dataDir);
    await server.start();
  });

  after(async () => {
    for (const c of contexts) await closeContext(c);
    await server?.stop();
    for (const d of profiles) removeDir(d);
    removeDir(dataDir);
  });

  test('1: the administrator says classroom walkthroughs are always shared', T, async () => {
    const { page } = await device(admin);
    await page.goto(server.base + '/admin');
    await page.getByRole('link', { name: 'District settings' }).click();
    const classroom = page.getByLabel('Classroom walkthroughs', { exact: true });
    await classroom.selectOption('always');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText(/^Saved\./).waitFor();
    const r = await server.request(admin, 'GET', '/district');
    assert.equal(r.body.settings?.feedback_sharing?.classroom ?? r.body.feedback_sharing?.classroom, 'always');
  });

  test('2: the observer scores offline, is told what the teacher will see, submits; back online it syncs by itself', T, async () => {
    const { context, page } = await device(observer);
    await context.setOffline(true);
    await page.getByRole('button', { name: 'Start a walkthrough' }).click();
    await page.getByRole('button', { name: 'Start and pick a classroom' }).click();
    await page.getByRole('heading', { name: 'Pick a teacher' }).waitFor();
    await page.locator('button.card.pick', { hasText: 'Elena Rivera' }).first().click();
    await page.waitForURL(/\/observe\/[0-9a-f-]{36}$/);
    observationId = page.url().split('/').pop();
    // Said while scoring, before anything is submitted.
    assert.match(await page.getByTestId('always-shared').textContent(), /once you submit, Elena Rivera sees the indicators you scored/);
    const rows = page.locator('.indicator');
    await rows.first().waitFor();
    for (const i of [0, 1, 2]) {
      await rows.nth(i).locator('button.level[data-level="3"]').click();
      await rows.nth(i).locator('button.level.on').waitFor();
    }
    await page.getByLabel('Overall evidence').fill(evidence);
    await page.getByRole('button', { name: /^Review/ }).first().click();
    const note = page.getByTestId('always-shared');
    assert.match(await note.textContent(), /Your district shares every classroom walkthrough with the teacher: once you submit, Elena Rivera sees .* never your private notes/);
    await note.scrollIntoViewIfNeeded();
    await shot(page, 'always-shared-before-submit.png');
    await accessible(page, 'review, always shared');
    await page.getByRole('button', { name: 'Submit observation' }).click();
    const shared = page.getByTestId('confirmation-shared');
    await shared.getByText(/^It will be shared with Elena Rivera when it reaches the server/).waitFor();
    await shot(page, 'always-shared-submitted-offline.png');

    // Back online: it goes by itself, and the confirmation says so.
    await context.setOffline(false);
    await shared.getByText(/^Shared with Elena Rivera/).waitFor({ timeout: 60_000 });
    await page.getByTestId('submit-confirmation').getByText('It has reached the server.').waitFor();
    await shot(page, 'always-shared-submitted.png');
  });

  test('3: the teacher signs in on their own device and reads it', T, async () => {
    const fb = await serverHas(server, teacher, (r) => r.entity === 'feedback' && r.data?.observation_id === observationId && !r.deleted, "the teacher's copy");
    assert.equal(fb.data.shared, true);
    assert.equal('private_notes' in fb.data, false);
    const { page } = await device(teacher);
    await page.getByRole('heading', { name: 'Your feedback' }).waitFor();
    const item = page.getByTestId('feedback-item').first();
    await item.waitFor({ timeout: 30_000 });
    assert.match(await item.textContent(), /^New: Classroom walkthrough/);
    await item.click();
    await page.waitForURL(new RegExp(`/feedback/${fb.id}$`));
    await page.getByText(evidence).waitFor();
    assert.equal(await page.getByTestId('shared-indicator').count(), 3);
    await page.getByRole('button', { name: 'I have read this' }).click();
    await page.getByTestId('read-state').waitFor();
    await serverHas(server, observer, (r) => r.id === fb.id && r.data?.read === true, 'the read');
    await accessible(page, 'the teacher reads an observation always shared');
  });
});
