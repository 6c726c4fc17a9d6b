// End-to-end: the journeys an observer and a teacher make in the app, on the
// real binary and Debian's Chromium. Nothing here presses "Sync now": every
// change reaches the server by itself. Every screen visited is checked with
// axe-core (no serious or critical violations).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Server, accessible, addRubricLevel, closeContext, coach, freePort, launch, removeDir, requirePrerequisites, shot, tempDir } from './harness.mjs';

const T = { timeout: 180_000 };
const observer = { email: 'observer@demo.walkthrough.test', password: 'walkthrough-observer' };
const teacher = { email: 'teacher@demo.walkthrough.test', password: 'walkthrough-teacher' };

async function signIn(page, who) {
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForFunction(() => document.querySelector('[data-testid=last-sync]')?.textContent !== 'Synced never', null, { timeout: 60_000 });
  // The service worker is in: the app says it works offline now.
  await page.locator('.toast', { hasText: 'ready to work offline' }).getByRole('button', { name: 'OK' }).click({ timeout: 30_000 });
}

async function waitPending(page, n, timeout = 30_000) {
  await page.waitForFunction((n) => document.querySelector('[data-testid=pending-count]')?.textContent === `${n} pending`, n, { timeout });
}

describe('an observer\'s journeys', { timeout: 900_000 }, () => {
  let server;
  let dataDir;
  let profile;
  let context;
  let page;
  let school;

  before(async () => {
    requirePrerequisites();
    dataDir = tempDir('wt-e2e-data-');
    profile = tempDir('wt-e2e-profile-');
    server = new Server(await freePort(), dataDir);
    await server.start();
    // The tablet keeps the demo district's time (America/Chicago), so that its
    // day is the district's at any hour of the test run.
    context = await launch(profile, { timezoneId: 'America/Chicago' });
    page = context.pages()[0] ?? (await context.newPage());
  });

  after(async () => {
    await closeContext(context);
    await server?.stop();
    removeDir(profile);
    removeDir(dataDir);
  });

  test('1: sign-in says what to do about a forgotten password', T, async () => {
    await page.goto(server.base + '/');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    assert.match(await page.getByTestId('forgot-password').textContent(), /Forgot your password\? Get a link to choose a new one/);
    await accessible(page, 'sign in');
    await signIn(page, observer);
    await page.getByRole('heading', { name: 'Today' }).waitFor();
    await accessible(page, 'today');
  });

  test('2: one full observation: one tap per indicator and submit; it reaches the server with no press of sync', T, async () => {
    await page.getByRole('button', { name: 'Start a walkthrough' }).click();
    await page.getByRole('button', { name: 'Start and pick a classroom' }).click();
    await page.getByRole('heading', { name: 'Pick a teacher' }).waitFor();
    school = (await page.locator('main p.muted').first().textContent()).trim();
    await accessible(page, 'pick a teacher');
    await page.locator('button.card.pick').first().click();
    await page.waitForURL(/\/observe\/[0-9a-f-]{36}$/);
    const id = page.url().split('/').pop();
    await page.locator('.indicator').first().waitFor();
    const keys = await page.locator('.indicator').evaluateAll((els) => els.map((e) => e.getAttribute('data-indicator')));
    assert.equal(await page.getByTestId('scored-count').textContent(), `0 of ${keys.length} scored`);
    await accessible(page, 'scoring');

    let taps = 0;
    const started = Date.now();
    for (const [i, key] of keys.entries()) {
      await page.locator(`.indicator[data-indicator="${key}"] button.level[data-level="${(i % 4) + 1}"]`).click();
      taps++;
      await page.waitForFunction(([n, of]) => document.querySelector('[data-testid=scored-count]')?.textContent === `${n} of ${of} scored`, [i + 1, keys.length]);
      if (i === 0) {
        // Advancing is on by default: the next indicator comes to the top.
        await page.waitForFunction((k) => {
          const r = document.querySelector(`.indicator[data-indicator="${k}"]`)?.getBoundingClientRect();
          return r !== undefined && r.top >= 0 && r.top < innerHeight / 2;
        }, keys[1], { timeout: 5_000 });
        await shot(page, 'observe-scoring-bar.png');
      }
    }
    await page.getByRole('button', { name: 'Submit observation' }).click();
    taps++;
    const confirmation = page.getByTestId('submit-confirmation');
    await confirmation.waitFor();
    const submittedAt = Date.now();
    assert.match(await confirmation.textContent(), new RegExp(`Submitted: Observation of .+${keys.length} of ${keys.length} indicators scored`));
    await confirmation.filter({ hasText: 'It has reached the server.' }).waitFor({ timeout: 10_000 });
    const reached = Date.now() - submittedAt;
    await shot(page, 'submit-confirmation.png');
    await accessible(page, 'submit confirmation');
    console.log(`# taps for one full observation of ${keys.length} indicators: ${taps} (${keys.length} levels + submit); scoring to submit ${Date.now() - started} ms; submit to on the server ${reached} ms`);
    assert.equal(taps, keys.length + 1);

    const rec = (await server.pullAll(observer)).find((r) => r.entity === 'observation' && r.id === id);
    assert.equal(rec?.data.status, 'submitted');
    assert.equal(rec.data.scores.length, keys.length);
  });

  test('3: a draft shows its day and time and is discarded after a confirmation, on the server too', T, async () => {
    await page.getByRole('link', { name: 'Back to home' }).click();
    await page.getByRole('heading', { name: 'Today' }).waitFor();
    await page.getByRole('button', { name: 'Observe a classroom' }).first().click();
    await page.locator('button.card.pick').nth(1).click();
    await page.waitForURL(/\/observe\/[0-9a-f-]{36}$/);
    const id = page.url().split('/').pop();
    const name = (await page.locator('h1').textContent()).trim();
    await page.locator('.indicator').first().locator('button.level[data-level="3"]').click();
    await page.getByTestId('visit-timer').waitFor();
    await waitPending(page, 0);
    assert.ok((await server.pullAll(observer)).some((r) => r.entity === 'observation' && r.id === id), 'the draft reached the server by itself');

    await page.getByRole('link', { name: 'Walkthrough' }).click();
    const card = page.getByTestId('draft-card').filter({ hasText: name });
    await card.waitFor();
    const today = await page.evaluate(() => new Date().toLocaleDateString(undefined, { day: 'numeric', month: 'short' }));
    assert.ok((await card.textContent()).includes(`started ${today}, `), await card.textContent());
    await card.getByRole('button', { name: /Discard the draft of/ }).click();
    await shot(page, 'draft-discard.png');
    await accessible(page, 'discard a draft');
    await card.getByRole('button', { name: 'Keep it' }).click();
    assert.equal(await page.getByTestId('draft-card').filter({ hasText: name }).count(), 1, 'keeping it keeps it');
    await card.getByRole('button', { name: /Discard the draft of/ }).click();
    await card.getByRole('button', { name: 'Discard the draft' }).click();
    await card.waitFor({ state: 'detached' });
    // The delete is sent by itself moments later.
    const live = async () => (await server.pullAll(observer)).some((r) => r.entity === 'observation' && r.id === id && !r.deleted);
    const until = Date.now() + 15_000;
    while ((await live()) && Date.now() < until) await new Promise((r) => setTimeout(r, 250));
    assert.equal(await live(), false, 'the server deleted it');
  });

  test('4: offline, the outbox has one row per record named for what it is; back online it empties by itself', T, async () => {
    await context.setOffline(true);
    await page.getByRole('button', { name: 'Start a walkthrough' }).click();
    await page.getByRole('button', { name: 'Start and pick a classroom' }).click();
    await page.locator('button.card.pick').first().click();
    await page.waitForURL(/\/observe\/[0-9a-f-]{36}$/);
    const name = (await page.locator('h1').textContent()).trim();
    for (const [i, el] of (await page.locator('.indicator').all()).slice(0, 3).entries()) {
      await el.locator(`button.level[data-level="${i + 1}"]`).click();
    }
    await page.getByTestId('sync-progress').filter({ hasText: 'Offline: saved on this device' }).waitFor();
    await page.getByTestId('sync-counts').click();
    await page.getByRole('heading', { name: 'Outbox' }).waitFor();
    const rows = await page.getByTestId('outbox-entry').locator('strong').allTextContents();
    const day = await page.evaluate(() => new Date().toLocaleDateString(undefined, { day: 'numeric', month: 'short' }));
    assert.deepEqual(rows.sort(), [`Observation of ${name} (draft)`, `Walkthrough at ${school}, ${day}`].sort());
    await shot(page, 'outbox-named.png');
    await accessible(page, 'outbox');
    await context.setOffline(false);
    await page.getByTestId('outbox-empty').waitFor({ timeout: 30_000 });
  });

  test('5: a change the server refuses is opened, fixed and sent again', T, async () => {
    await addRubricLevel(page, 5, 'Beyond the scale');
    await page.goto(server.base + '/');
    await page.getByRole('button', { name: 'Observe a classroom' }).first().click();
    await page.locator('button.card.pick').first().click();
    await page.waitForURL(/\/observe\/[0-9a-f-]{36}$/);
    const id = page.url().split('/').pop();
    const first = page.locator('.indicator').first();
    await first.locator('button.level[data-level="5"]').click();
    await page.getByTestId('rejected-count').waitFor({ timeout: 30_000 });
    await page.getByTestId('sync-counts').click();
    const entry = page.locator('[data-testid=outbox-entry][data-state=rejected]');
    assert.match(await entry.getByTestId('reason').textContent(), /5 is not a level/);
    await shot(page, 'outbox-refused.png');
    await accessible(page, 'outbox with a refused change');
    await entry.getByRole('link', { name: 'Open to fix' }).click();
    await page.waitForURL(new RegExp(`/observe/${id}$`));
    await page.locator('.indicator').first().locator('button.level[data-level="2"]').click();
    await page.getByTestId('rejected-count').waitFor({ state: 'detached', timeout: 30_000 });
    await waitPending(page, 0);
    const rec = (await server.pullAll(observer)).find((r) => r.entity === 'observation' && r.id === id);
    assert.equal(rec?.data.scores[0].level, 2);
  });

  test('5b: a change the server refuses can instead be discarded, after a confirmation', T, async () => {
    await page.goto(server.base + '/');
    await page.getByRole('button', { name: 'Observe a classroom' }).first().click();
    await page.locator('button.card.pick').first().click();
    await page.waitForURL(/\/observe\/[0-9a-f-]{36}$/);
    await page.locator('.indicator').first().locator('button.level[data-level="5"]').click();
    await page.getByTestId('rejected-count').waitFor({ timeout: 30_000 });
    await page.getByTestId('sync-counts').click();
    const entry = page.locator('[data-testid=outbox-entry][data-state=rejected]');
    assert.equal(await entry.count(), 1);
    await entry.getByRole('button', { name: 'Discard…' }).click();
    const confirm = page.getByRole('group', { name: 'Discard this change' });
    assert.match(await confirm.textContent(), /the server keeps its own version/);
    await shot(page, 'outbox-discard-refused.png');
    await accessible(page, 'discard a refused change');
    await confirm.getByRole('button', { name: 'Discard the change' }).click();
    await entry.waitFor({ state: 'detached' });
    await page.getByTestId('rejected-count').waitFor({ state: 'detached' });
  });
});

describe('a teacher\'s home', { timeout: 300_000 }, () => {
  let server;
  let dataDir;
  let profile;
  let context;

  before(async () => {
    requirePrerequisites();
    dataDir = tempDir('wt-e2e-data-');
    profile = tempDir('wt-e2e-profile-');
    server = new Server(await freePort(), dataDir);
    await server.start();
  });

  after(async () => {
    await closeContext(context);
    await server?.stop();
    removeDir(profile);
    removeDir(dataDir);
  });

  test('6: a teacher is never offered a walkthrough to start; the home says plainly what is there', T, async () => {
    context = await launch(profile);
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(server.base + '/');
    await signIn(page, teacher);
    await page.getByRole('heading', { name: 'Home' }).waitFor();
    await page.getByRole('heading', { name: 'Your feedback' }).waitFor();
    await page.getByRole('heading', { name: 'Your next steps' }).waitFor();
    await page.getByTestId('teacher-empty').or(page.getByTestId('teacher-step').first()).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Start a walkthrough' }).count(), 0);
    assert.equal(await page.getByRole('link', { name: 'Due', exact: true }).count(), 0);
    await shot(page, 'teacher-home.png');
    await accessible(page, 'teacher home');
  });

  test('7: a coach\'s home leads to their cycles and what is due; a leader\'s to the trends of their schools', T, async () => {
    const other = tempDir('wt-e2e-profile-');
    const coachCtx = await launch(other);
    try {
      const page = coachCtx.pages()[0] ?? (await coachCtx.newPage());
      await page.goto(server.base + '/');
      await signIn(page, coach);
      await page.getByRole('heading', { name: 'Today' }).waitFor();
      await page.getByTestId('sync-progress').filter({ hasText: 'All sent' }).waitFor({ timeout: 60_000 });
      const cycles = page.getByTestId('home-cycles');
      await cycles.waitFor();
      assert.match(await cycles.textContent(), /\d+ open · \d+ overdue · \d+ due this week/);
      await page.getByTestId('home-trends').waitFor();
      await shot(page, 'coach-home.png');
      await accessible(page, 'coach home');
    } finally {
      await closeContext(coachCtx);
      removeDir(other);
    }
  });
});
