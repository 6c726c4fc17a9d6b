// End-to-end: a leadership walkthrough with two tablets. The lead (the demo
// principal) and a member (the demo assistant principal) score the same
// classroom on their own devices and sync; the lead opens the debrief and
// sees both observations and how far apart they were, records a next step
// for the member; the member's tablet pulls it, marks it done offline and
// syncs; the lead sees it done. Run after `make build`.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Server, accessible, closeContext, freePort, launch, removeDir, requirePrerequisites, shot, tempDir } from './harness.mjs';

const T = { timeout: 180_000 };
const lead = { email: 'principal@demo.walkthrough.test', password: 'walkthrough-principal', name: 'Angela Ortiz' };
const member = { email: 'observer@demo.walkthrough.test', password: 'walkthrough-observer', name: 'Samuel Greer' };

async function signIn(page, who) {
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Today' }).waitFor();
  await page.waitForFunction(() => document.querySelector('[data-testid=last-sync]')?.textContent !== 'Synced never', null, { timeout: 60_000 });
  // The service worker is in: the app says it works offline now.
  await page.locator('.toast', { hasText: 'ready to work offline' }).getByRole('button', { name: 'OK' }).click({ timeout: 30_000 });
}

/** Waits until what was saved has reached the server by itself and the sync has finished. */
async function sent(page) {
  await page.waitForFunction(
    () => document.querySelector('[data-testid=pending-count]')?.textContent === '0 pending' && document.querySelector('[data-testid=sync-progress]')?.textContent === 'All sent',
    null,
    { timeout: 60_000 },
  );
}

/** Opens the app again (as a user coming back to it), which brings what changed on the server. */
async function reopen(page) {
  await page.reload();
  await sent(page);
}

/** Gives each of the indicators its level, then submits the observation. */
async function scoreAndSubmit(page, levels) {
  for (const [key, level] of Object.entries(levels)) {
    const row = page.locator(`.indicator[data-indicator="${key}"]`);
    await row.locator(`button.level[data-level="${level}"]`).click();
    await row.locator('button.level.on').waitFor();
    await row.getByLabel(/^Evidence for/).fill(`Level ${level}: students explained a peer's idea (${key}).`);
  }
  await page.getByRole('button', { name: 'Review and submit' }).click();
  await page.getByRole('button', { name: 'Submit observation' }).click();
  await page.getByTestId('submit-confirmation').waitFor();
  await page.getByRole('link', { name: 'Back to home' }).click();
  await page.getByRole('heading', { name: 'Today' }).waitFor();
}

describe('a leadership walkthrough with two tablets', { timeout: 900_000 }, () => {
  let server;
  let dataDir;
  const profiles = [];
  const contexts = [];
  let leadPage;
  let memberPage;
  let walkId;
  let teacher;
  let keys;

  before(async () => {
    requirePrerequisites();
    dataDir = tempDir('wt-e2e-debrief-data-');
    server = new Server(await freePort(), dataDir);
    await server.start();
    for (let i = 0; i < 2; i++) {
      profiles.push(tempDir('wt-e2e-debrief-profile-'));
      contexts.push(await launch(profiles[i]));
    }
    leadPage = contexts[0].pages()[0] ?? (await contexts[0].newPage());
    memberPage = contexts[1].pages()[0] ?? (await contexts[1].newPage());
  });

  after(async () => {
    for (const c of contexts) await closeContext(c);
    await server?.stop();
    for (const p of profiles) removeDir(p);
    removeDir(dataDir);
  });

  test('1: the lead starts the walkthrough with the member and scores a classroom', T, async () => {
    await leadPage.goto(server.base + '/');
    await signIn(leadPage, lead);
    await leadPage.getByRole('button', { name: 'Start a walkthrough' }).click();
    await leadPage.getByLabel('Leadership walkthrough').check();
    await leadPage.getByRole('group', { name: 'Team' }).getByLabel(member.name).check();
    await leadPage.getByRole('group', { name: 'Focus indicators (optional)' }).getByRole('checkbox').first().check();
    await leadPage.getByRole('button', { name: 'Start and pick a classroom' }).click();
    await leadPage.getByRole('heading', { name: 'Pick a teacher' }).waitFor();
    walkId = new URL(leadPage.url()).searchParams.get('walkthrough');
    assert.match(walkId, /^[0-9a-f-]{36}$/);
    const first = leadPage.locator('button.card.pick').first();
    teacher = (await first.locator('strong').textContent()).trim();
    await first.click();
    await leadPage.locator('.indicator').first().waitFor();
    keys = (await leadPage.locator('.indicator').evaluateAll((els) => els.map((e) => e.getAttribute('data-indicator')))).slice(0, 3);
    await scoreAndSubmit(leadPage, { [keys[0]]: 1, [keys[1]]: 2, [keys[2]]: 3 });
    await sent(leadPage);
  });

  test('2: the member sees the walkthrough on the tablet, scores the same classroom and syncs', T, async () => {
    await memberPage.goto(server.base + '/');
    await signIn(memberPage, member);
    await sent(memberPage);
    await memberPage.goto(`${server.base}/walkthroughs/${walkId}`);
    await memberPage.getByRole('heading', { name: 'Focus today' }).waitFor();
    assert.equal(await memberPage.getByTestId('focus').locator('li').count(), 1);
    assert.match(await memberPage.locator('main').textContent(), /led by Angela Ortiz/);
    await memberPage.getByRole('button', { name: 'Add an observation' }).click();
    await memberPage.getByRole('heading', { name: 'Pick a teacher' }).waitFor();
    await memberPage.locator('button.card.pick', { hasText: teacher }).first().click();
    await memberPage.locator('.indicator').first().waitFor();
    await scoreAndSubmit(memberPage, { [keys[0]]: 3, [keys[1]]: 2, [keys[2]]: 2 });
    await sent(memberPage);
    await memberPage.goto(`${server.base}/walkthroughs/${walkId}`);
    await memberPage.getByTestId('my-classroom').first().waitFor();
    assert.match(await memberPage.getByTestId('my-classroom').first().textContent(), new RegExp(`${teacher}[\\s\\S]*Submitted[\\s\\S]*synced`));
    await shot(memberPage, 'walkthrough-member.png');
  });

  test('3: the lead opens the debrief: both observations, the spread, who has synced', T, async () => {
    await leadPage.setViewportSize({ width: 1600, height: 1000 });
    await leadPage.goto(`${server.base}/walkthroughs/${walkId}/debrief`);
    await leadPage.waitForFunction(() => document.querySelector('[data-testid=debrief-count]')?.textContent === '2 observations', null, { timeout: 30_000 });
    const team = await leadPage.getByTestId('member').allTextContents();
    assert.equal(team.length, 2);
    assert.ok(team.every((m) => /1 submitted/.test(m)), team.join(' | '));
    assert.match(await leadPage.locator('#team-h').textContent(), /everyone has synced/);

    // One classroom, both observers side by side, the spread said in words.
    await leadPage.getByRole('button', { name: 'By classroom' }).click();
    const table = leadPage.locator('table.debrief-table');
    await table.waitFor();
    const header = await table.locator('thead').textContent();
    assert.ok(header.includes(lead.name) && header.includes(member.name), header);
    const rows = await table.locator('tbody tr').allTextContents();
    assert.equal(rows.length, 3);
    const byLevels = rows.map((r) => r.replace(/\s+/g, ' '));
    assert.ok(byLevels.some((r) => /13.*Apart by 2 levels/.test(r)), byLevels.join(' | '));
    assert.ok(byLevels.some((r) => /22.*Agree/.test(r)), byLevels.join(' | '));
    assert.ok(byLevels.some((r) => /32.*Within one level/.test(r)), byLevels.join(' | '));
    await shot(leadPage, 'debrief-classroom.png');

    // By indicator: the focus first, each observer's level and evidence.
    await leadPage.getByRole('button', { name: 'By indicator' }).click();
    const firstItem = leadPage.locator('button.debrief-item').first();
    assert.match(await firstItem.textContent(), /Focus/);
    await leadPage.locator('button.debrief-item', { hasText: 'Apart by 2 levels' }).first().click();
    await leadPage.locator('.debrief-detail .marks li').nth(1).waitFor();
    const marks = await leadPage.locator('.debrief-detail .marks li').allTextContents();
    assert.equal(marks.length, 2);
    assert.ok(marks.some((m) => m.includes(lead.name)) && marks.some((m) => m.includes(member.name)), marks.join(' | '));
    assert.match(await leadPage.locator('.debrief-detail .figures').textContent(), /Spread \(highest − lowest\)2/);
    await shot(leadPage, 'debrief.png');

    // Projected at 1280x720, every agreement badge stays on one line.
    await leadPage.setViewportSize({ width: 1280, height: 720 });
    for (const view of ['By indicator', 'By classroom']) {
      await leadPage.getByRole('button', { name: view }).click();
      await leadPage.locator('.agreement').first().waitFor();
      const tall = await leadPage.locator('.agreement').evaluateAll((els) =>
        els.filter((e) => e.getBoundingClientRect().height > 2 * parseFloat(getComputedStyle(e).lineHeight)).map((e) => e.textContent),
      );
      assert.deepEqual(tall, [], `${view}: badges wrapped`);
    }
    await shot(leadPage, 'debrief-1280x720.png');

    // Present mode: the patterns across classrooms first, then one classroom.
    await leadPage.getByRole('button', { name: 'Present' }).click();
    const present = leadPage.getByTestId('present');
    await present.getByRole('heading', { name: 'Across 1 classroom' }).waitFor();
    assert.equal(await present.getByTestId('present-strong').locator('li').count(), 3);
    await shot(leadPage, 'debrief-present.png');
    await accessible(leadPage, 'debrief presented');
    await present.getByRole('button', { name: 'Next' }).click();
    await present.locator('h2').filter({ hasNotText: /^Across/ }).waitFor();
    assert.equal(await present.locator('tbody tr').count(), 3);
    await shot(leadPage, 'debrief-present-classroom.png');
    await leadPage.keyboard.press('Escape');
    await present.waitFor({ state: 'detached' });
    await leadPage.setViewportSize({ width: 1600, height: 1000 });
    await leadPage.getByRole('button', { name: 'By indicator' }).click();
  });

  test('4: the lead records a next step for the member; it reaches the member, who marks it done offline; the lead sees it done', T, async () => {
    await leadPage.getByLabel('Action').fill('Plan two hinge questions for the grade-level meeting');
    await leadPage.getByLabel('Owner').selectOption({ label: member.name });
    const due = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);
    await leadPage.getByLabel('Due').fill(due);
    await leadPage.getByRole('button', { name: 'Record next step' }).click();
    await leadPage.getByTestId('debrief-step').first().waitFor();
    await sent(leadPage);
    assert.match(await leadPage.getByTestId('debrief-step').first().textContent(), /Open/);

    await reopen(memberPage);
    await memberPage.goto(`${server.base}/next-steps`);
    const step = memberPage.getByTestId('my-step').filter({ hasText: 'Plan two hinge questions' });
    await step.waitFor();
    await memberPage.context().setOffline(true);
    await step.getByLabel('Done').check();
    await memberPage.waitForFunction(() => document.querySelector('[data-testid=pending-count]')?.textContent === '1 pending', null, { timeout: 15_000 });
    assert.ok(await step.getByLabel('Done').isChecked());
    await memberPage.context().setOffline(false);
    await sent(memberPage);
    await shot(memberPage, 'next-steps.png');

    // The server has it done, and the lead's device pulls it.
    const pulled = (await server.pullAll({ email: lead.email, password: lead.password })).filter((c) => c.entity === 'next_step' && c.data?.action?.startsWith('Plan two hinge questions'));
    assert.equal(pulled.length, 1);
    assert.equal(pulled[0].data.done, true);
    await reopen(leadPage);
    await leadPage.waitForFunction(() => /Done/.test(document.querySelector('[data-testid=debrief-step]')?.textContent ?? ''), null, { timeout: 30_000 });
  });
});
