// End-to-end: a coach opens a cycle of support offline, from an
// observation they just scored: the teacher and the focus (the lowest level
// seen) come filled in; the cycle is on the device at once, and back online
// it reaches the server by itself (no "Sync now"), where the supervisor
// reads it on their own device. The real binary with its demo district, Debian's Chromium.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Server, accessible, closeContext, coach, dismissOfflineReady, freePort, launch, removeDir, requirePrerequisites, shot, signIn, tempDir } from './harness.mjs';

const T = { timeout: 180_000 };
const supervisor = { email: 'supervisor@demo.walkthrough.test', password: 'walkthrough-supervisor' };
const shift = 'Students explain their reasoning to a partner before sharing.';

describe('the coach opens a cycle offline from an observation', { timeout: 600_000 }, () => {
  let server;
  let dataDir;
  let profile;
  let ctx;
  let page;
  let cycleId;
  let focusName;
  let supervisorCtx;
  let supervisorProfile;

  before(async () => {
    requirePrerequisites();
    dataDir = tempDir('wt-e2e-cycle-offline-data-');
    profile = tempDir('wt-e2e-cycle-offline-');
    server = new Server(await freePort(), dataDir);
    await server.start();
  });

  after(async () => {
    await closeContext(ctx);
    await closeContext(supervisorCtx);
    removeDir(supervisorProfile);
    await server?.stop();
    removeDir(profile);
    removeDir(dataDir);
  });

  test('1: offline, the coach scores a classroom and opens a cycle from the observation', T, async () => {
    ctx = await launch(profile);
    page = ctx.pages()[0] ?? (await ctx.newPage());
    await page.goto(server.base + '/');
    await signIn(page, coach);
    await page.waitForFunction(() => document.querySelector('[data-testid=last-sync]')?.textContent !== 'Synced never', null, { timeout: 60_000 });
    await dismissOfflineReady(page);

    await ctx.setOffline(true);
    await page.getByRole('button', { name: 'Start a walkthrough' }).click();
    await page.getByRole('button', { name: 'Start and pick a classroom' }).click();
    await page.getByRole('heading', { name: 'Pick a teacher' }).waitFor();
    const card = page.locator('button.card.pick').first();
    await card.click();
    await page.waitForURL(/\/observe\/[0-9a-f-]{36}$/);
    const rows = page.locator('.indicator');
    await rows.first().waitFor();
    for (const [i, level] of [[0, 3], [1, 2], [2, 3]]) {
      await rows.nth(i).locator(`button.level[data-level="${level}"]`).click();
      await rows.nth(i).locator('button.level.on').waitFor();
    }
    await page.getByRole('button', { name: /^Review/ }).first().click();
    await page.getByRole('button', { name: 'Submit observation' }).click();
    await page.getByTestId('submit-confirmation').waitFor();

    await page.getByRole('link', { name: 'Open a cycle of support' }).click();
    await page.getByRole('heading', { name: 'Open a cycle of support' }).waitFor();
    // The observation's teacher and its lowest level come filled in.
    const checked = page.getByRole('group', { name: 'Teachers' }).getByRole('checkbox', { checked: true });
    await checked.first().waitFor();
    assert.equal(await checked.count(), 1);
    const focus = page.getByLabel('Focus indicator');
    await page.waitForFunction((el) => el.value !== '', await focus.elementHandle(), { timeout: 10_000 });
    focusName = (await focus.locator('option:checked').textContent()).split(' (')[0].trim();
    await page.getByLabel('The shift in practice, in words').fill(shift);
    await page.getByRole('radio', { name: /Active/ }).check();
    await shot(page, 'cycle-open-offline.png');
    await accessible(page, 'open a cycle, offline');
    await page.getByRole('button', { name: 'Open the cycle' }).click();
    await page.waitForURL(/\/cycles\/[0-9a-f-]{36}$/);
    cycleId = page.url().split('/').pop();

    // On the device at once, waiting to sync; the server has nothing yet.
    await page.getByRole('heading', { name: focusName, level: 1 }).waitFor();
    await page.getByTestId('cycle-status').getByText('waiting to sync').waitFor();
    await shot(page, 'cycle-opened-offline.png');
    await accessible(page, 'a cycle opened offline');
    assert.equal((await server.request(coach, 'GET', `/cycles/${cycleId}`)).status, 404);
  });

  test('2: back online, the cycle reaches the server by itself and the supervisor sees it', T, async () => {
    await ctx.setOffline(false);
    let got;
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; ) {
      got = await server.request(supervisor, 'GET', `/cycles/${cycleId}`);
      if (got.status === 200) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.equal(got.status, 200, JSON.stringify(got.body));
    assert.equal(got.body.status, 'active');
    assert.equal(got.body.focus_shift, shift);
    assert.equal(got.body.teacher_ids.length, 1);
    await page.getByTestId('cycle-status').getByText('waiting to sync').waitFor({ state: 'detached', timeout: 30_000 });
  });

  test('3: the supervisor, on their own device, opens the cycle', T, async () => {
    supervisorProfile = tempDir('wt-e2e-cycle-offline-supervisor-');
    supervisorCtx = await launch(supervisorProfile);
    const sp = supervisorCtx.pages()[0] ?? (await supervisorCtx.newPage());
    await sp.goto(server.base + '/');
    await signIn(sp, supervisor);
    await sp.waitForFunction(() => document.querySelector('[data-testid=last-sync]')?.textContent !== 'Synced never', null, { timeout: 60_000 });
    await sp.goto(`${server.base}/cycles/${cycleId}`);
    await sp.getByRole('heading', { name: focusName, level: 1 }).waitFor({ timeout: 30_000 });
    await sp.getByText(shift).waitFor();
    await sp.getByTestId('cycle-status').getByText('Active').waitFor();
    await shot(sp, 'cycle-opened-offline-supervisor.png');
    await accessible(sp, 'the supervisor reads the cycle');
  });
});
