// End-to-end: scoring aids on a focused walkthrough. The observer picks two
// focus indicators when starting; while scoring, the bar says how many are
// scored, shows the focus indicators alone when asked, jumps to a
// dimension, and stays put after a tap when advancing is turned off. The
// real binary with its demo district, Debian's Chromium.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Server, accessible, closeContext, dismissOfflineReady, freePort, launch, removeDir, requirePrerequisites, shot, signIn, tempDir } from './harness.mjs';

const T = { timeout: 180_000 };
const observer = { email: 'observer@demo.walkthrough.test', password: 'walkthrough-observer' };

describe('scoring a focused walkthrough', { timeout: 600_000 }, () => {
  let server;
  let dataDir;
  let profile;
  let context;

  before(async () => {
    requirePrerequisites();
    dataDir = tempDir('wt-e2e-scoring-data-');
    profile = tempDir('wt-e2e-scoring-');
    server = new Server(await freePort(), dataDir);
    await server.start();
  });

  after(async () => {
    await closeContext(context);
    await server?.stop();
    removeDir(profile);
    removeDir(dataDir);
  });

  test('focus indicators only, a jump to a dimension, and no advance after a tap when turned off', T, async () => {
    context = await launch(profile);
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(server.base + '/');
    await signIn(page, observer);
    await dismissOfflineReady(page);

    await page.getByRole('button', { name: 'Start a walkthrough' }).click();
    const focusBoxes = page.getByRole('group', { name: 'Focus indicators (optional)' }).getByRole('checkbox');
    await focusBoxes.first().waitFor();
    const focusNames = [];
    for (const i of [0, 4]) {
      await focusBoxes.nth(i).check();
      focusNames.push((await focusBoxes.nth(i).locator('xpath=..').textContent()).trim());
    }
    await page.getByRole('button', { name: 'Start and pick a classroom' }).click();
    await page.getByRole('heading', { name: 'Pick a teacher' }).waitFor();
    await page.locator('button.card.pick').first().click();
    await page.waitForURL(/\/observe\/[0-9a-f-]{36}$/);
    await page.locator('.indicator').first().waitFor();
    const all = await page.locator('.indicator').count();
    const count = page.getByTestId('scored-count');
    assert.equal(await count.textContent(), `0 of ${all} scored`);
    // The focus indicators come first, marked in words.
    assert.equal(await page.locator('.indicator.focus').count(), 2);

    // Focus indicators only.
    await page.getByLabel('Focus indicators only').check();
    await page.waitForFunction(() => document.querySelectorAll('.indicator').length === 2);
    assert.equal(await count.textContent(), '0 of 2 scored');
    for (const name of focusNames) await page.locator('.indicator').filter({ hasText: name }).first().waitFor();
    await shot(page, 'observe-focus-only.png');
    await accessible(page, 'scoring, focus indicators only');
    await page.getByLabel('Focus indicators only').uncheck();
    await page.waitForFunction((n) => document.querySelectorAll('.indicator').length === n, all);

    // Advancing off: after a tap the indicator stays where it was.
    await page.getByLabel('Go to the next indicator after a tap').uncheck();
    const jumps = page.getByRole('navigation', { name: 'Dimensions' }).getByRole('link');
    const last = jumps.last();
    const dimName = (await last.textContent()).replace(/\s*\d+\/\d+$/, '').trim();
    await last.click();
    const heading = page.getByRole('heading', { name: dimName, exact: true });
    await page.waitForFunction(() => window.scrollY > 200);
    const box = await heading.boundingBox();
    assert.ok(box && box.y >= 0 && box.y < 400, `the dimension ${dimName} is at the top after the jump (${box?.y})`);
    const row = page.locator(`section[aria-labelledby="${await last.evaluate((a) => a.getAttribute('href').slice(1))}"] .indicator`).first();
    const before = (await row.boundingBox()).y;
    await row.locator('button.level[data-level="2"]').click();
    await page.waitForFunction((t) => document.querySelector('[data-testid=scored-count]')?.textContent === t, `1 of ${all} scored`);
    await new Promise((r) => setTimeout(r, 500));
    assert.ok(Math.abs((await row.boundingBox()).y - before) < 5, 'the page did not move after the tap');
    assert.match(await last.textContent(), /1\/\d+$/);
  });
});
