// End-to-end: feedback that reaches the teacher, as the people involved do
// it. The district administrator lets observers share classroom
// walkthroughs; an observer scores a classroom offline, submits it and
// shares it with a strength, a next move, a next step and a private note;
// back online it syncs by itself. The teacher signs in on their own
// device, sees it marked new, reads the descriptors beside the levels,
// marks it read, replies and marks the next step done; the observer sees
// that it was read, the reply and the step done. The printed copy carries
// the district's name and the descriptors, and no buttons. The real binary
// with its demo district, Debian's Chromium; nothing presses "Sync now".
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Server, accessible, closeContext, dismissOfflineReady, freePort, launch, removeDir, requirePrerequisites, shot, tempDir } from './harness.mjs';

const T = { timeout: 180_000 };
const admin = { email: 'admin@demo.walkthrough.test', password: 'walkthrough-admin' };
const observer = { email: 'observer@demo.walkthrough.test', password: 'walkthrough-observer' };
const teacher = { email: 'teacher@demo.walkthrough.test', password: 'walkthrough-teacher' };
const strength = 'Every pair explained a strategy aloud before writing it down.';
const nextMove = 'Ask a second student to build on the first answer.';
const stepText = 'Plan three probing questions for Thursday';
const privateNote = 'Private: mention pacing to the principal';
const reply = 'Thank you. I will try the probing questions on Thursday.';

/** Signs in; a teacher's first screen is their home, everyone else's Today. */
async function signIn(page, who) {
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: /^(Today|Home)$/ }).waitFor();
}

/** Signs in on a device and waits for the first sync and the service worker. */
async function open(server, context, who) {
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(server.base + '/');
  await signIn(page, who);
  await page.waitForFunction(() => document.querySelector('[data-testid=last-sync]')?.textContent !== 'Synced never', null, { timeout: 60_000 });
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 30_000 });
  await dismissOfflineReady(page);
  return { context, page };
}

/** Waits until the server hands who a record matching ok. */
async function serverHas(server, who, ok, what) {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const all = await server.pullAll(who);
    const found = all.find(ok);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`the server never had ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe('feedback: shared offline, read and answered by the teacher, seen by the observer', { timeout: 900_000 }, () => {
  let server;
  let dataDir;
  const profiles = [];
  const contexts = [];
  let observerPage;
  let teacherPage;
  let observationId;
  let feedbackId;

  const device = async (who) => {
    const dir = tempDir('wt-e2e-feedback-');
    profiles.push(dir);
    const context = await launch(dir);
    contexts.push(context); // closed in after() even when signing in fails
    return open(server, context, who);
  };

  before(async () => {
    requirePrerequisites();
    dataDir = tempDir('wt-e2e-feedback-data-');
    server = new Server(await freePort(), dataDir);
    await server.start();
  });

  after(async () => {
    for (const c of contexts) await closeContext(c);
    await server?.stop();
    for (const d of profiles) removeDir(d);
    removeDir(dataDir);
  });

  test('1: classroom walkthroughs are never shared until the administrator lets observers choose', T, async () => {
    const { page } = await device(admin);
    await page.goto(server.base + '/admin');
    await page.getByRole('link', { name: 'District settings' }).click();
    const classroom = page.getByLabel('Classroom walkthroughs', { exact: true });
    assert.equal(await classroom.inputValue(), 'never');
    assert.equal(await page.getByLabel('Follow-up observations', { exact: true }).inputValue(), 'chosen');
    await classroom.selectOption('chosen');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText(/^Saved\./).waitFor();
    await page.getByRole('group', { name: /Sharing observations/ }).scrollIntoViewIfNeeded();
    await shot(page, 'feedback-settings.png');
    await accessible(page, 'district settings with sharing');
  });

  test('2: the observer scores offline, submits and shares; back online it syncs by itself', T, async () => {
    const { context, page } = await device(observer);
    observerPage = page;
    await context.setOffline(true);
    await page.getByRole('button', { name: 'Start a walkthrough' }).click();
    await page.getByRole('button', { name: 'Start and pick a classroom' }).click();
    await page.getByRole('heading', { name: 'Pick a teacher' }).waitFor();
    await page.locator('button.card.pick', { hasText: 'Elena Rivera' }).first().click();
    await page.waitForURL(/\/observe\/[0-9a-f-]{36}$/);
    observationId = page.url().split('/').pop();
    const rows = page.locator('.indicator');
    await rows.first().waitFor();
    for (const i of [0, 1, 2]) {
      await rows.nth(i).locator('button.level[data-level="3"]').click();
      await rows.nth(i).locator('button.level.on').waitFor();
    }
    await page.getByLabel(/^Evidence for /).first().fill('T: "How do you know?" S: "Because 3 groups of 4 is 12."');
    await page.getByLabel('Overall evidence').fill('Students explained their reasoning in pairs.');
    await page.getByRole('button', { name: /^Review/ }).first().click();
    await page.getByRole('button', { name: 'Submit observation' }).click();

    // The share form: every scored indicator is shared by default.
    await page.getByRole('heading', { name: 'Share with Elena Rivera' }).waitFor();
    const boxes = page.getByRole('group', { name: 'What Elena Rivera sees' }).getByRole('checkbox');
    assert.equal(await boxes.count(), 4, 'three indicators and the overall evidence');
    for (const b of await boxes.all()) assert.ok(await b.isChecked());
    await page.getByLabel('A strength').fill(strength);
    await page.getByLabel('A next move').fill(nextMove);
    await page.getByRole('button', { name: 'Add a next step' }).click();
    await page.getByRole('textbox', { name: 'Next step 1' }).fill(stepText);
    await page.getByLabel(/^Private notes/).fill(privateNote);
    await page.getByRole('heading', { name: 'Share with Elena Rivera' }).scrollIntoViewIfNeeded();
    await shot(page, 'feedback-share.png');
    await accessible(page, 'share form');
    await page.getByRole('button', { name: 'Share with Elena Rivera' }).click();
    await page.getByTestId('feedback-read').getByText('Waiting to sync').waitFor();

    // Back online: the observation and the feedback go by themselves.
    await context.setOffline(false);
    const rec = await serverHas(server, observer, (r) => r.entity === 'feedback' && r.data?.observation_id === observationId, 'the shared feedback');
    feedbackId = rec.id;
    assert.equal(rec.data.shared, true);
    assert.equal(rec.data.private_notes, privateNote);
    await page.getByTestId('feedback-read').getByText('Shared, not read yet').waitFor({ timeout: 30_000 });
  });

  test('3: the teacher sees it marked new, reads the descriptors, marks it read, replies and completes the step', T, async () => {
    // What reaches the teacher never holds the private notes.
    const pulled = await serverHas(server, teacher, (r) => r.entity === 'feedback' && r.id === feedbackId, "the teacher's copy");
    assert.equal(JSON.stringify(pulled).includes('Private'), false);
    assert.equal('private_notes' in pulled.data, false);

    const { context, page } = await device(teacher);
    teacherPage = page;
    await page.getByRole('heading', { name: 'Your feedback' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Start a walkthrough' }).count(), 0);
    const item = page.getByTestId('feedback-item').first();
    await item.waitFor({ timeout: 30_000 });
    assert.match(await item.textContent(), /^New: Classroom walkthrough/);
    assert.match(await item.textContent(), /not read yet/);
    await page.getByTestId('unread-count').waitFor();
    await shot(page, 'feedback-teacher-home.png');
    await accessible(page, 'teacher home with feedback');

    await item.click();
    await page.waitForURL(/\/feedback\//);
    assert.equal(await page.getByText(privateNote).count(), 0);
    await page.getByText(strength).waitFor();
    await page.getByText(nextMove).waitFor();
    const shared = page.getByTestId('shared-indicator');
    assert.equal(await shared.count(), 3);
    // The framework's descriptors beside the levels, the level seen marked in words.
    const first = shared.first();
    assert.ok((await first.locator('table.descriptors tbody tr').count()) >= 4);
    assert.match(await first.locator('tr.seen th').textContent(), /^3 .*\(seen\)$/);
    assert.ok((await first.locator('tr.seen td').textContent()).trim().length > 10, 'the descriptor of the level seen');
    await page.getByText('Students explained their reasoning in pairs.').waitFor();
    await shot(page, 'feedback-teacher-observation.png');
    await accessible(page, 'one shared observation');

    await page.getByRole('button', { name: 'I have read this' }).click();
    await page.getByTestId('read-state').waitFor();
    await page.getByLabel(/^A reflection or reply/).fill(reply);
    await page.getByRole('button', { name: 'Send reply' }).click();
    const step = page.getByTestId('feedback-step').filter({ hasText: stepText });
    await step.getByRole('button', { name: 'Mark done' }).click();
    await step.getByText('Done', { exact: true }).waitFor();
    await page.getByTestId('feedback-step').first().scrollIntoViewIfNeeded();
    await shot(page, 'feedback-teacher-replied.png');

    // The printed copy: the district's name, the descriptors, no buttons.
    await page.emulateMedia({ media: 'print' });
    await page.getByText('Walkthrough feedback').waitFor({ state: 'visible' });
    assert.match(await page.locator('.district-line').textContent(), /\S+ · Walkthrough feedback/);
    assert.equal(await page.getByRole('button', { name: 'I have read this' }).count(), 0);
    assert.equal(await page.getByRole('button', { name: /Mark/ }).isVisible(), false);
    assert.ok(await page.locator('table.descriptors').first().isVisible());
    await page.getByText(reply).first().waitFor({ state: 'visible' });
    await shot(page, 'feedback-print.png');
    await page.emulateMedia({ media: 'screen' });

    // It syncs by itself; the server has the read, the reply and the step done.
    const back = await serverHas(server, observer, (r) => r.id === feedbackId && r.data?.reply === reply && r.data.next_steps[0]?.done, 'the reply');
    assert.equal(back.data.read, true);
    await page.goto(server.base + '/');
    const done = page.getByTestId('my-step').filter({ hasText: stepText });
    await done.getByText(/^Done/).waitFor();
    assert.doesNotMatch(await page.getByTestId('feedback-item').first().textContent(), /^New/);
    void context;
  });

  test('4: the observer sees it was read, the reply and the step done', T, async () => {
    const page = observerPage;
    // Opening the observation again, the device has pulled the teacher's answer.
    await page.goto(server.base + `/review/${observationId}`);
    await page.getByTestId('feedback-read').getByText(/^Read by Elena Rivera/).waitFor({ timeout: 60_000 });
    assert.match(await page.getByTestId('feedback-reply').textContent(), new RegExp(reply));
    assert.match(await page.getByTestId('feedback-step').first().textContent(), /Done/);
    await page.getByTestId('feedback-status').scrollIntoViewIfNeeded();
    await shot(page, 'feedback-observer-sees-reply.png');
    await accessible(page, 'review with the reply');
  });

  test('5: the observer sees the read and the reply in the debrief of the walkthrough', T, async () => {
    const page = observerPage;
    const obs = await serverHas(server, observer, (r) => r.entity === 'observation' && r.id === observationId, 'the observation');
    await page.goto(`${server.base}/walkthroughs/${obs.data.walkthrough_id}/debrief`);
    await page.getByRole('button', { name: 'By classroom' }).click();
    const line = page.getByTestId('debrief-feedback');
    await line.getByTestId('feedback-line').waitFor({ timeout: 30_000 });
    assert.match(await line.textContent(), /Feedback shared · read · 1 of 1 next steps done · reply: “Thank you\./);
    await line.scrollIntoViewIfNeeded();
    await shot(page, 'feedback-debrief.png');
  });

  test('6: an amended score reaches the teacher on their next sync; stopping sharing takes it off their device', T, async () => {
    const page = observerPage;
    await page.goto(server.base + `/review/${observationId}`);
    await page.getByRole('button', { name: 'Amend' }).click();
    await page.waitForURL(/\/observe\//);
    const row = page.locator('.indicator').first();
    await row.locator('button.level[data-level="4"]').click();
    await row.locator('button.level.on[data-level="4"]').waitFor();
    await serverHas(server, teacher, (r) => r.id === feedbackId && r.data?.view?.scores?.some((x) => x.level === 4), 'the amended score for the teacher');

    // The teacher's app shows the amended level once it has synced.
    await teacherPage.goto(server.base + `/feedback/${feedbackId}`);
    await teacherPage.waitForFunction(
      () => [...document.querySelectorAll('[data-testid=shared-indicator] tr.seen th')].some((th) => /^4 .*\(seen\)$/.test(th.textContent ?? '')),
      null,
      { timeout: 90_000, polling: 1000 },
    );
    await shot(teacherPage, 'feedback-teacher-amended.png');

    // The observer stops sharing: the teacher's device drops it on its next sync.
    await page.goto(server.base + `/review/${observationId}`);
    await page.getByRole('button', { name: 'Stop sharing' }).click();
    await serverHas(server, observer, (r) => r.id === feedbackId && r.data?.shared === false, 'the unshare');
    await teacherPage.goto(server.base + '/');
    await teacherPage.getByRole('heading', { name: 'Your feedback' }).waitFor();
    await teacherPage.waitForFunction(() => document.querySelectorAll('[data-testid=feedback-item]').length === 0, null, { timeout: 90_000, polling: 1000 });
    assert.equal(await teacherPage.evaluate(async (id) => {
      const open = indexedDB.open('walkthrough');
      const db = await new Promise((res, rej) => { open.onsuccess = () => res(open.result); open.onerror = () => rej(open.error); });
      const row = await new Promise((res) => { const q = db.transaction('feedback').objectStore('feedback').get(id); q.onsuccess = () => res(q.result); });
      db.close();
      return row === undefined;
    }, feedbackId), true, "the feedback left the teacher's device");
  });
});
