// End-to-end: the real binary, Debian's Chromium, a real service worker and
// a real outage (the server is stopped). Run by `make test-e2e` after
// `make build`. The tests of the first suite run in order and share one
// server, one data directory and one browser profile.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  accessible,
  DeployProxy,
  Server,
  addRubricLevel,
  closeContext,
  coach,
  corruptSession,
  freePort,
  launch,
  removeDir,
  requirePrerequisites,
  shot,
  tempDir,
} from './harness.mjs';

const T = { timeout: 120_000 };

async function signIn(page) {
  await page.getByLabel('Email').fill(coach.email);
  await page.getByLabel('Password').fill(coach.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Today' }).waitFor();
}

async function waitSynced(page) {
  await page.waitForFunction(() => document.querySelector('[data-testid=last-sync]')?.textContent !== 'Synced never', null, { timeout: 30_000 });
}

async function pending(page) {
  const text = await page.getByTestId('pending-count').textContent();
  return Number(text.split(' ')[0]);
}

async function waitPending(page, n, timeout = 30_000) {
  await page.waitForFunction((n) => document.querySelector('[data-testid=pending-count]')?.textContent === `${n} pending`, n, { timeout });
}

/** Starts a walkthrough and opens a new observation of the first teacher; returns its id. */
async function newObservation(page, { start = true } = {}) {
  await page.goto(new URL('/', page.url()).href);
  if (start) {
    await page.getByRole('button', { name: 'Start a walkthrough' }).click();
    // Colleagues to invite came with the last sync and are on the device.
    const team = page.getByRole('group', { name: 'Team' }).getByRole('checkbox');
    await team.first().waitFor({ timeout: 10_000 });
    await team.first().check();
    await page.getByRole('button', { name: 'Start and pick a classroom' }).click();
  } else {
    await page.getByRole('button', { name: 'Observe a classroom' }).first().click();
  }
  await page.getByRole('heading', { name: 'Pick a teacher' }).waitFor();
  await page.locator('button.card.pick').first().click();
  await page.waitForURL(/\/observe\/[0-9a-f-]{36}$/);
  await page.locator('.indicator').first().waitFor();
  return page.url().split('/').pop();
}

/** Scores every indicator (the last as "not observed"); returns the expected scores by key. */
async function scoreAll(page) {
  const keys = await page.locator('.indicator').evaluateAll((els) => els.map((e) => e.getAttribute('data-indicator')));
  const expected = {};
  for (const [i, key] of keys.entries()) {
    const row = page.locator(`.indicator[data-indicator="${key}"]`);
    if (i === keys.length - 1) {
      await row.getByRole('radio', { name: /Not observed/ }).click();
      expected[key] = null;
    } else {
      const level = (i % 4) + 1;
      await row.locator(`button.level[data-level="${level}"]`).click();
      expected[key] = level;
    }
    await row.locator('button.level.on').waitFor();
  }
  return expected;
}

describe('offline scoring with the real server', { timeout: 600_000 }, () => {
  let server;
  let dataDir;
  let profile;
  let context;
  let page;
  let obsId;
  let expected;

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

  test('1: signed in on a tablet, the app opens with the server stopped and an observation is scored offline', T, async () => {
    context = await launch(profile);
    page = context.pages()[0] ?? (await context.newPage());
    await page.goto(server.base + '/');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await shot(page, 'sign-in.png');
    await accessible(page, 'sign-in');
    await signIn(page);
    await waitSynced(page);
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 30_000 });
    await shot(page, 'today.png');
    await accessible(page, 'today');

    await server.stop();
    await page.reload();
    await page.getByRole('heading', { name: 'Today' }).waitFor();
    assert.ok(await page.evaluate(() => navigator.serviceWorker.controller !== null), 'the service worker serves the app');

    obsId = await newObservation(page);
    expected = await scoreAll(page);
    const first = Object.keys(expected)[0];
    await page.getByLabel(/^Evidence for /).first().fill('T: "How do you know?" S: "Because 3 groups of 4 is 12."');
    await page.getByLabel('Overall evidence').fill('Students explained their reasoning in pairs.');
    await page.getByLabel('Tags (separated by commas)').fill('math talk, pairs');
    await page.locator(`.indicator[data-indicator="${first}"]`).scrollIntoViewIfNeeded();
    await shot(page, 'observe.png');
    await accessible(page, 'observe');
    await waitPending(page, 2, 10_000); // the walkthrough and the observation wait in the outbox
  });

  test('2: after a browser restart with the server still down, the draft and the queued change are there', T, async () => {
    await closeContext(context);
    context = await launch(profile);
    page = context.pages()[0] ?? (await context.newPage());
    await page.goto(server.base + '/');
    await page.getByRole('heading', { name: 'Today' }).waitFor();
    await waitPending(page, 2, 10_000);
    await page.getByTestId('draft').first().click();
    await page.waitForURL(new RegExp(`/observe/${obsId}$`));
    for (const [key, level] of Object.entries(expected)) {
      const on = page.locator(`.indicator[data-indicator="${key}"] button.level.on`);
      const text = await on.textContent();
      assert.ok(level === null ? text.includes('Not observed') : text.startsWith(`${level} ·`), `${key} kept its score`);
    }
    assert.equal(await page.getByLabel('Overall evidence').inputValue(), 'Students explained their reasoning in pairs.');
    // Every indicator is scored: the observation can be reviewed or submitted from here.
    await page.getByRole('button', { name: 'Review', exact: true }).click();
    await page.getByRole('heading', { name: /^Review/ }).waitFor();
    await shot(page, 'review.png');
    await accessible(page, 'review');
    await page.getByRole('button', { name: 'Submit observation' }).click();
    // The confirmation says what was submitted and that it has not reached the server yet.
    const confirmation = page.getByTestId('submit-confirmation');
    await confirmation.waitFor();
    assert.match(await confirmation.textContent(), /Submitted: Observation of .+ saved on this device/);
    assert.equal(await confirmation.getAttribute('data-on-server'), 'false');
    await waitPending(page, 2, 10_000); // submitting offline is one more edit of the same queued change
  });

  test('3: with the server back on the same data, the change syncs exactly once with the right scores', T, async () => {
    await server.start();
    // The device retries on its own (a minute apart at most) and the confirmation follows.
    await waitPending(page, 0, 90_000);
    await page.getByTestId('submit-confirmation').filter({ hasText: 'It has reached the server.' }).waitFor();
    const records = (await server.pullAll()).filter((r) => r.entity === 'observation' && r.id === obsId);
    assert.equal(records.length, 1);
    const o = records[0].data;
    assert.equal(o.status, 'submitted');
    assert.equal(o.evidence, 'Students explained their reasoning in pairs.');
    assert.deepEqual(o.tags, ['math talk', 'pairs']);
    const got = Object.fromEntries(o.scores.map((s) => [s.indicator_key, s.level]));
    assert.deepEqual(got, expected);
    assert.ok(o.walkthrough_id, 'the observation belongs to the walkthrough started offline');
  });

  test('4: a change the server rejects is shown with its reason while the rest sync', T, async () => {
    await addRubricLevel(page, 5, 'Beyond the scale');
    const good = await newObservation(page, { start: false });
    await page.locator('.indicator').first().locator('button.level[data-level="2"]').click();
    await page.locator('.indicator button.level.on').first().waitFor();
    const bad = await newObservation(page, { start: false });
    await page.locator('.indicator').first().locator('button.level[data-level="5"]').click();
    await page.locator('.indicator button.level.on').first().waitFor();
    // Each save is sent by itself moments later.
    await page.getByTestId('rejected-count').waitFor({ timeout: 30_000 });
    await waitPending(page, 0);
    await page.getByTestId('sync-counts').click();
    await page.getByRole('heading', { name: 'Outbox' }).waitFor();
    const entry = page.locator('[data-testid=outbox-entry][data-state=rejected]');
    assert.equal(await entry.count(), 1);
    assert.match(await entry.getByTestId('reason').textContent(), /5 is not a level/);
    await shot(page, 'outbox.png');
    await accessible(page, 'outbox');
    const ids = new Set((await server.pullAll()).filter((r) => r.entity === 'observation').map((r) => r.id));
    assert.ok(ids.has(good), 'the good change synced');
    assert.ok(!ids.has(bad), 'the rejected change did not');
  });

  test('5: the session expires while offline; on reconnection the user signs in again and the queue drains', T, async () => {
    await server.stop();
    await corruptSession(page);
    const id = await newObservation(page, { start: false });
    await page.locator('.indicator').first().locator('button.level[data-level="3"]').click();
    await page.locator('.indicator button.level.on').first().waitFor();
    await page.goto(server.base + '/');
    await page.getByRole('heading', { name: 'Today' }).waitFor();
    // The header counts from IndexedDB once the page has loaded; wait for it.
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=pending-count]')?.textContent?.split(' ')[0]) >= 1, null, { timeout: 10_000 });
    assert.ok((await pending(page)) >= 1);

    await server.start();
    // The device retries on its own after a failed sync and learns the session has ended.
    const signInAgain = page.getByRole('heading', { name: 'Sign in again' });
    await signInAgain.waitFor({ timeout: 90_000 });
    await page.getByTestId('outbox-kept').waitFor();
    await page.getByLabel('Password').fill(coach.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Today' }).waitFor();
    await waitPending(page, 0);
    const records = (await server.pullAll()).filter((r) => r.entity === 'observation' && r.id === id);
    assert.equal(records.length, 1);
    assert.equal(records[0].data.scores[0].level, 3);
  });
});

describe('a new version deployed while a form is half filled', { timeout: 300_000 }, () => {
  let server;
  let proxy;
  let dataDir;
  let profile;
  let context;

  before(async () => {
    requirePrerequisites();
    dataDir = tempDir('wt-e2e-data-');
    profile = tempDir('wt-e2e-profile-');
    server = new Server(await freePort(), dataDir);
    await server.start();
    proxy = new DeployProxy(server);
    await proxy.listen();
  });

  after(async () => {
    await closeContext(context);
    await proxy?.close();
    await server?.stop();
    removeDir(profile);
    removeDir(dataDir);
  });

  test('6: the update is offered, not forced, and nothing typed is lost', T, async () => {
    context = await launch(profile);
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(proxy.base + '/');
    await signIn(page);
    await waitSynced(page);
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 30_000 });
    await page.reload(); // a returning user: the page loads under the service worker
    await page.getByRole('heading', { name: 'Today' }).waitFor();

    const id = await newObservation(page);
    await page.locator('.indicator').first().locator('button.level[data-level="4"]').click();
    await page.locator('.indicator button.level.on').first().waitFor();
    await page.getByLabel('Overall evidence').fill('Half way through the visit');
    await page.evaluate(() => {
      window.__sameDocument = true;
    });

    proxy.deployed = true;
    await page.evaluate(async () => {
      const reg = await navigator.serviceWorker.getRegistration();
      await reg.update();
    });
    await page.getByText('A new version of Walkthrough is ready.').waitFor({ timeout: 30_000 });
    assert.equal(await page.evaluate(() => window.__sameDocument), true, 'the page was not reloaded');
    assert.equal(await page.getByLabel('Overall evidence').inputValue(), 'Half way through the visit');

    await page.getByRole('button', { name: 'Later' }).click();
    await page.getByLabel('Overall evidence').fill('Half way through the visit, and more');
    await page.evaluate(async () => {
      const reg = await navigator.serviceWorker.getRegistration();
      await reg.update();
    });
    // Accepting the update reloads into the new version; the draft is still there.
    await page.reload();
    await page.getByText('A new version of Walkthrough is ready.').waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Reload now' }).click();
    await page.waitForFunction(() => window.__sameDocument === undefined, null, { timeout: 30_000 });
    await page.waitForURL(new RegExp(`/observe/${id}$`));
    await page.locator('.indicator').first().waitFor();
    assert.equal(await page.getByLabel('Overall evidence').inputValue(), 'Half way through the visit, and more');
    assert.equal(await page.locator('.indicator').first().locator('button.level.on').getAttribute('data-level'), '4');
  });
});
