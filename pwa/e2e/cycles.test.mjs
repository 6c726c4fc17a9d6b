// End-to-end: a coach schedules a follow-up in a cycle of support; the
// invited principal's tablet (a second browser, offline) shows it on Today,
// scores it and syncs when back online; the cycle's evidence then shows the
// new score. The real binary with its demo district, Debian's Chromium.
// Both tablets are set to Tokyo, the demo district is in Chicago: "today"
// and "this week" are the district's, and the coach types times in its zone.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { accessible, Server, closeContext, coach, freePort, launch, removeDir, requirePrerequisites, shot, tempDir } from './harness.mjs';

const T = { timeout: 180_000 };
const principal = { email: 'principal@demo.walkthrough.test', password: 'walkthrough-principal' };
const focus = 'eliciting_student_thinking';
const deviceZone = 'Asia/Tokyo';

/** The calendar date and the HH:MM time of an instant in a zone. */
function wall(ms, zone) {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' })
      .formatToParts(ms)
      .map((x) => [x.type, x.value]),
  );
  return { day: `${p.year}-${p.month}-${p.day}`, hour: p.hour, minute: p.minute };
}

async function signIn(page, who) {
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Today' }).waitFor();
  await page.waitForFunction(() => document.querySelector('[data-testid=last-sync]')?.textContent !== 'Synced never', null, { timeout: 30_000 });
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 30_000 });
}

async function waitPending(page, n, timeout = 30_000) {
  await page.waitForFunction((n) => document.querySelector('[data-testid=pending-count]')?.textContent === `${n} pending`, n, { timeout });
}

/** Waits until the device's outbox itself is empty: every change answered (the header's count can lag a write). */
async function waitOutboxEmpty(page, timeout = 30_000) {
  const count = () =>
    page.evaluate(async () => {
      const open = indexedDB.open('walkthrough');
      await new Promise((ok, fail) => ((open.onsuccess = ok), (open.onerror = fail)));
      const req = open.result.transaction('outbox').objectStore('outbox').count();
      await new Promise((ok, fail) => ((req.onsuccess = ok), (req.onerror = fail)));
      open.result.close();
      return req.result;
    });
  for (const deadline = Date.now() + timeout; (await count()) > 0; ) {
    if (Date.now() > deadline) throw new Error('the outbox did not empty in time');
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('cycles of support: schedule, observe offline, see the evidence', { timeout: 600_000 }, () => {
  let server;
  let dataDir;
  let coachProfile;
  let principalProfile;
  let coachCtx;
  let principalCtx;
  let coachPage;
  let tablet;
  let cycleId;
  let followUpId;
  let teacherName;
  let zone;

  before(async () => {
    requirePrerequisites();
    dataDir = tempDir('wt-e2e-cycles-data-');
    coachProfile = tempDir('wt-e2e-cycles-coach-');
    principalProfile = tempDir('wt-e2e-cycles-principal-');
    server = new Server(await freePort(), dataDir);
    await server.start();
    const me = await fetch(`${server.base}/api/v1/me`, { headers: { Authorization: `Bearer ${await server.token(coach)}` } });
    zone = (await me.json()).district.time_zone;
    assert.notEqual(zone, deviceZone, 'the tablets are in another zone than the district');
  });

  after(async () => {
    await closeContext(principalCtx);
    await closeContext(coachCtx);
    await server?.stop();
    removeDir(principalProfile);
    removeDir(coachProfile);
    removeDir(dataDir);
  });

  test('1: the coach schedules a follow-up today; the device proposes the next free slot for a clash', T, async () => {
    coachCtx = await launch(coachProfile, { timezoneId: deviceZone });
    coachPage = coachCtx.pages()[0] ?? (await coachCtx.newPage());
    await coachPage.goto(server.base + '/');
    await signIn(coachPage, coach);

    await coachPage.getByRole('link', { name: 'Cycles', exact: true }).click();
    await coachPage.getByRole('heading', { name: 'My cycles of support' }).waitFor();
    // The grade 3 cycle on eliciting student thinking, with the principal of its school.
    const card = coachPage.getByTestId('cycle-card').filter({ hasText: 'Eliciting student thinking' }).filter({ hasText: 'Active' }).first();
    await card.click();
    await coachPage.waitForURL(/\/cycles\/[0-9a-f-]{36}$/);
    cycleId = coachPage.url().split('/').pop();
    await coachPage.getByTestId('evidence-table').waitFor({ state: 'attached', timeout: 20_000 });
    const beforeFollowUps = await coachPage.getByTestId('evidence-follow-up').count();

    await coachPage.getByRole('button', { name: 'Schedule a follow-up' }).click();
    await coachPage.getByRole('heading', { name: 'Schedule a follow-up' }).waitFor();
    teacherName = (await coachPage.getByLabel('Teacher').locator('option:checked').textContent()).trim();
    // Now in the district, rounded down to five minutes: a visit that is happening today there.
    await coachPage.getByTestId('zone-note').waitFor();
    const now = wall(Date.now(), zone);
    await coachPage.getByLabel('Day').fill(now.day);
    await coachPage.getByLabel('Start time').fill(`${now.hour}:${String(Math.floor(Number(now.minute) / 5) * 5).padStart(2, '0')}`);
    await coachPage.getByLabel('What to look for').fill('Students explain how they know; a second strategy before confirming.');
    const invited = coachPage.getByRole('group', { name: 'Invited observers' }).getByRole('checkbox', { name: /Angela Ortiz/ });
    assert.ok(await invited.isChecked(), 'the school principal is invited by default');
    if (await coachPage.getByTestId('clash').isVisible()) {
      await coachPage.getByRole('button', { name: /Use the next free slot/ }).click();
    }
    await coachPage.getByRole('button', { name: 'Schedule the follow-up' }).click();
    await coachPage.waitForURL(new RegExp(`/cycles/${cycleId}$`));
    // The header may still show the count from before the save; the outbox itself cannot.
    await waitOutboxEmpty(coachPage);
    const rows = await server.pullAll(principal);
    const fu = rows.find((r) => r.entity === 'follow_up' && !r.deleted && r.data.cycle_id === cycleId && r.data.notes?.startsWith('Students explain how they know'));
    assert.ok(fu, 'the follow-up reached the server and the principal');
    followUpId = fu.id;
    assert.equal(fu.data.status, 'scheduled');
    assert.equal(wall(Date.parse(fu.data.starts_at), zone).day, wall(Date.now(), zone).day, 'booked for today in the district');

    // The same teacher at the same time again: the device refuses and proposes the next free slot.
    await coachPage.getByRole('button', { name: 'Schedule a follow-up' }).click();
    const start = wall(Date.parse(fu.data.starts_at), zone);
    await coachPage.getByLabel('Day').fill(start.day);
    await coachPage.getByLabel('Start time').fill(`${start.hour}:${start.minute}`);
    await coachPage.getByTestId('clash').waitFor();
    assert.match(await coachPage.getByTestId('clash').textContent(), new RegExp(`${teacherName} already has a follow-up`));
    assert.ok(await coachPage.getByRole('button', { name: 'Schedule the follow-up' }).isDisabled(), 'a clashing follow-up cannot be saved');
    const propose = coachPage.getByRole('button', { name: /Use the next free slot/ });
    await propose.waitFor();
    await shot(coachPage, 'cycles-schedule.png');
    await accessible(coachPage, 'cycles-schedule');
    await propose.click();
    await coachPage.getByTestId('clash').waitFor({ state: 'detached' });
    assert.ok(await coachPage.getByRole('button', { name: 'Schedule the follow-up' }).isEnabled(), 'the proposed slot is free');
    await coachPage.getByRole('link', { name: '← Back to the cycle' }).click();

    await coachPage.getByRole('link', { name: 'Due', exact: true }).click();
    await coachPage.getByRole('heading', { name: 'Due this week' }).waitFor();
    assert.ok((await coachPage.getByTestId('due').filter({ hasText: teacherName }).count()) >= 1, 'the follow-up is on the due list');
    await shot(coachPage, 'cycles-due.png');
    await accessible(coachPage, 'cycles-due');
    coachPage.beforeFollowUps = beforeFollowUps;
  });

  test('2: the invited principal\'s tablet, offline, shows it on Today, scores it, and syncs when back online', T, async () => {
    principalCtx = await launch(principalProfile, { timezoneId: deviceZone });
    tablet = principalCtx.pages()[0] ?? (await principalCtx.newPage());
    await tablet.goto(server.base + '/');
    await signIn(tablet, principal);

    await principalCtx.setOffline(true);
    await tablet.reload();
    await tablet.getByRole('heading', { name: 'Today' }).waitFor();
    const item = tablet.getByTestId('today-follow-up').filter({ hasText: teacherName });
    await item.first().waitFor();
    await shot(tablet, 'cycles-principal-today.png');
    await accessible(tablet, 'cycles-principal-today');

    await item.first().getByRole('button', { name: 'Observe' }).click();
    await tablet.getByRole('heading', { name: 'Pick a teacher' }).waitFor();
    assert.equal(await tablet.locator('button.card.pick').count(), 1, 'the follow-up names its teacher');
    await tablet.locator('button.card.pick').first().click();
    await tablet.waitForURL(/\/observe\/[0-9a-f-]{36}$/);
    const row = tablet.locator(`.indicator[data-indicator="${focus}"]`);
    await row.locator('button.level[data-level="4"]').click();
    await row.locator('button.level.on').waitFor();
    await tablet.getByRole('button', { name: 'Review and submit' }).click();
    await tablet.getByRole('button', { name: 'Submit observation' }).click();
    await tablet.getByTestId('submit-confirmation').waitFor();
    await tablet.getByRole('link', { name: 'Back to home' }).click();
    await tablet.getByRole('heading', { name: 'Today' }).waitFor();
    assert.equal(await tablet.getByTestId('today-follow-up').filter({ hasText: teacherName }).count(), 0, 'an observed follow-up leaves Today');
    await waitPending(tablet, 1);

    // Back online, the tablet sends what waited by itself.
    await principalCtx.setOffline(false);
    await waitPending(tablet, 0);
    const rows = await server.pullAll(coach);
    const fu = rows.find((r) => r.id === followUpId);
    assert.equal(fu.data.status, 'done', 'the observation made from the follow-up marks it done');
    assert.ok(fu.data.observation_id, 'and links it');
    const obs = (await server.pullAll(principal)).find((r) => r.id === fu.data.observation_id);
    assert.equal(obs.data.follow_up_id, followUpId);
    assert.equal(obs.data.scores.find((s) => s.indicator_key === focus).level, 4);
    await tablet.goto('about:blank');
  });

  test('3: the cycle\'s evidence shows the new score', T, async () => {
    await coachPage.goto(`${server.base}/cycles/${cycleId}`);
    await coachPage.getByTestId('evidence-table').waitFor({ state: 'attached', timeout: 20_000 });
    await coachPage.waitForFunction((n) => document.querySelectorAll('[data-testid=evidence-follow-up]').length === n + 1, coachPage.beforeFollowUps, { timeout: 20_000 });
    // The evidence names days in the district's zone.
    const today = await coachPage.evaluate((zone) => new Date().toLocaleDateString(undefined, { day: 'numeric', month: 'short', timeZone: zone }), zone);
    const fresh = coachPage.getByTestId('evidence-follow-up').filter({ hasText: today }).filter({ hasText: teacherName });
    assert.equal(await fresh.getAttribute('data-level'), '4');
    // Reopening the app brings what changed on the server.
    await coachPage.reload();
    await waitPending(coachPage, 0);
    await coachPage.getByTestId('follow-up').filter({ hasText: 'Done' }).first().waitFor();
    await coachPage.getByTestId('evidence-chart').scrollIntoViewIfNeeded();
    await shot(coachPage, 'cycles-cycle.png');
    await accessible(coachPage, 'cycles-cycle');
  });

  test('3b: the evidence shows n, a likely range and the comparison for each teacher and all, recomputed from the scores', T, async () => {
    const token = await server.token(coach);
    const ev = await (await fetch(`${server.base}/api/v1/cycles/${cycleId}/evidence`, { headers: { Authorization: `Bearer ${token}` } })).json();
    const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const sign = (v) => {
      const r = Math.round(v * 100) / 100;
      return r === 0 ? '0.00' : `${r > 0 ? '+' : '−'}${Math.abs(r).toFixed(2)}`;
    };
    const rows = coachPage.getByTestId('evidence-teacher');
    await rows.first().waitFor();
    assert.equal(await rows.count(), ev.teachers.length);
    let judged = 0;
    for (const t of ev.teachers) {
      // n and the averages from the scores themselves, not from the answer's summary.
      const before = ev.before.filter((p) => p.teacher_id === t.teacher_id).map((p) => p.level);
      const after = ev.follow_ups.filter((p) => p.teacher_id === t.teacher_id);
      const row = rows.nth(ev.teachers.indexOf(t));
      const text = await row.textContent();
      assert.match(text, new RegExp(`n = ${before.length}${before.length ? `, ${mean(before).toFixed(2)}` : ''}`));
      assert.match(text, new RegExp(`n = ${after.length}${after.length ? `, ${mean(after.map((p) => p.level)).toFixed(2)}` : ''}`));
      const tooFew = before.length < ev.min_to_judge || after.length < ev.min_to_judge;
      assert.equal(await row.getAttribute('data-too-few'), String(tooFew));
      const change = await row.getByTestId('change').textContent();
      if (tooFew) assert.equal(change, 'Too few to judge');
      else {
        judged++;
        assert.ok(change.startsWith(`${sign(mean(after.map((p) => p.level)) - mean(before))}, likely range ${sign(t.low)} to ${sign(t.high)}`), change);
        assert.ok(t.low <= t.change && t.change <= t.high);
      }
      // Whether the cycle's coach scored the follow-ups.
      const byCoach = after.filter((p) => p.by_coach).length;
      if (after.length > 0) assert.match(text, byCoach === after.length ? /by the coach/ : byCoach === 0 ? /not by the coach/ : new RegExp(`${byCoach} of ${after.length} by the coach`));
    }
    // All teachers: each judged teacher counted once.
    assert.equal(ev.change.teachers, judged);
    const pooled = await coachPage.getByTestId('evidence-pooled').getByTestId('change').textContent();
    if (judged === 0) assert.equal(pooled, 'Too few to judge');
    else {
      const changes = ev.teachers.filter((t) => t.change !== null).map((t) => t.change);
      assert.ok(Math.abs(mean(changes) - ev.change.change) < 1e-9);
      assert.ok(pooled.startsWith(`${sign(ev.change.change)}, likely range ${sign(ev.change.low)} to ${sign(ev.change.high)}`), pooled);
      assert.match(pooled, new RegExp(`from ${judged} teachers? judged, each counted once`));
    }
    // Similar teachers with no cycle, beside it.
    const cmp = coachPage.getByTestId('evidence-comparison');
    const cmpText = await cmp.textContent();
    if (ev.comparison.baseline === null) assert.match(cmpText, /No comparison until a teacher of the cycle can be judged/);
    else {
      assert.match(cmpText, new RegExp(`n = ${ev.comparison.teachers} teachers?`));
      if (ev.comparison.change !== null) assert.ok(cmpText.includes(`${sign(ev.comparison.change)}, likely range ${sign(ev.comparison.low)} to ${sign(ev.comparison.high)}`), cmpText);
    }
    await coachPage.getByTestId('evidence-teachers').scrollIntoViewIfNeeded();
    await accessible(coachPage, 'the cycle page with its evidence');
    await shot(coachPage, 'cycles-evidence.png');
  });

  test('4: the coach moves a follow-up a week on; the server keeps where it was', T, async () => {
    const token = await server.token(coach);
    const detail = async () => (await fetch(`${server.base}/api/v1/cycles/${cycleId}`, { headers: { Authorization: `Bearer ${token}` } })).json();
    await coachPage.goto(`${server.base}/cycles/${cycleId}`);
    const item = coachPage.getByTestId('follow-up').filter({ has: coachPage.getByRole('button', { name: 'Move' }) }).first();
    await item.getByRole('button', { name: 'Move' }).click();
    await coachPage.getByRole('heading', { name: 'Move the follow-up' }).waitFor();
    const moveId = new URL(coachPage.url()).searchParams.get('move');
    const was = (await detail()).follow_ups.find((f) => f.id === moveId);
    await coachPage.waitForFunction(() => document.querySelector('#fu-day')?.value !== '', null);
    const day = await coachPage.getByLabel('Day').inputValue();
    const next = new Date(`${day}T12:00:00`);
    next.setDate(next.getDate() + 7);
    const p = (n) => String(n).padStart(2, '0');
    await coachPage.getByLabel('Day').fill(`${next.getFullYear()}-${p(next.getMonth() + 1)}-${p(next.getDate())}`);
    if (await coachPage.getByTestId('clash').isVisible()) await coachPage.getByRole('button', { name: /Use the next free slot/ }).click();
    await coachPage.getByRole('button', { name: 'Move the follow-up' }).click();
    await coachPage.waitForURL(new RegExp(`/cycles/${cycleId}$`));
    await waitOutboxEmpty(coachPage);
    const now = (await detail()).follow_ups.find((f) => f.id === moveId);
    assert.notEqual(now.starts_at, was.starts_at, 'it moved');
    assert.equal(now.reschedules.length, was.reschedules.length + 1, 'the move is kept');
    assert.equal(now.reschedules.at(-1).from_starts_at, was.starts_at);
    assert.equal(now.reschedules.at(-1).to_starts_at, now.starts_at);
  });
});
