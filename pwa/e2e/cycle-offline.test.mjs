// End-to-end: a coach opens a cycle of support offline, from an
// observation they just scored: the teacher and the focus (the lowest level
// seen) come filled in; the cycle is on the device at once, and back online
// it reaches the server by itself (no "Sync now"), where the supervisor
// reads it on their own device. A colleague then observes the cycle's
// teacher: the observation reaches the coach's device, where Today does not
// list it as the coach's own while the cycle shows it, offline, beside the
// coach's. The real binary with its demo district, Debian's Chromium.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Server, accessible, closeContext, coach, dismissOfflineReady, freePort, launch, removeDir, requirePrerequisites, shot, signIn, tempDir } from './harness.mjs';

const T = { timeout: 180_000 };
const supervisor = { email: 'supervisor@demo.walkthrough.test', password: 'walkthrough-supervisor' };
const shift = 'Students explain their reasoning to a partner before sharing.';
const observer = { email: 'observer@demo.walkthrough.test', password: 'walkthrough-observer' };
const jamal = { email: 'jamal.wright@demo.walkthrough.test', password: 'walkthrough-team' };
const admin = { email: 'admin@demo.walkthrough.test', password: 'walkthrough-admin' };

/** The IndexedDB observations on the page's device, by id, with observer and teacher. */
function deviceObservations(page) {
  return page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open('walkthrough');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const all = db.transaction('observations').objectStore('observations').getAll();
          all.onsuccess = () => {
            db.close();
            resolve(all.result.map((o) => ({ id: o.id, observer: o.data.observer_id, teacher: o.data.teacher_id, status: o.data.status })));
          };
          all.onerror = () => reject(all.error);
        };
      }),
  );
}

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

  test("4: a colleague's observation of the cycle's teacher reaches the coach's device: not on Today as the coach's, in the cycle offline", T, async () => {
    const cycle = (await server.request(coach, 'GET', `/cycles/${cycleId}`)).body;
    const teacher = cycle.teacher_ids[0];
    // A colleague who observes at the cycle's school.
    const colleague = (await server.pullAll(observer)).some((r) => r.entity === 'teacher' && r.id === teacher) ? observer : jamal;
    const colleagueId = (await server.request(colleague, 'GET', '/me')).body.user.id;
    const coachId = (await server.request(coach, 'GET', '/me')).body.user.id;
    const own = (await server.request(coach, 'GET', `/observations?teacher_id=${teacher}&limit=100`)).body.items.find((o) => o.observer_id === coachId);
    assert.ok(own, "the coach's observation of the cycle's teacher is on the server");
    const other = (await server.request(admin, 'GET', `/teachers?school_id=${cycle.school_id}&limit=500`)).body.items.find((t) => t.id !== teacher && t.active).id;
    const walk = crypto.randomUUID();
    const theirs = crypto.randomUUID();
    const notInCycle = crypto.randomUUID();
    const now = new Date();
    const observation = (id, teacherId, level) => ({
      change_id: crypto.randomUUID(),
      entity: 'observation',
      op: 'upsert',
      id,
      base_rev: 0,
      data: {
        school_id: cycle.school_id, teacher_id: teacherId, walkthrough_id: walk, rubric_version_id: own.rubric_version_id, kind: 'informal',
        started_at: new Date(now.getTime() - 60 * 60_000).toISOString(), status: 'submitted', scores: [{ indicator_key: cycle.focus_indicator_key, level }],
        evidence: 'Partners explained their strategies before the whole-class share.',
      },
    });
    const pushed = await server.request(colleague, 'POST', '/sync/push', {
      device_id: crypto.randomUUID(),
      changes: [
        { change_id: crypto.randomUUID(), entity: 'walkthrough', op: 'upsert', id: walk, base_rev: 0, data: { school_id: cycle.school_id, rubric_version_id: own.rubric_version_id, kind: 'informal', date: now.toISOString().slice(0, 10), team: [colleagueId] } },
        observation(theirs, teacher, 4),
        observation(notInCycle, other, 1),
      ],
    });
    assert.deepEqual(pushed.body.results?.map((r) => r.status), ['applied', 'applied', 'applied'], JSON.stringify(pushed.body));

    // The coach's device syncs when the app opens: the colleague's
    // observation of the cycle's teacher arrives, the other does not.
    await page.goto(server.base + '/');
    let held = [];
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; ) {
      held = await deviceObservations(page);
      if (held.some((o) => o.id === theirs)) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.ok(held.some((o) => o.id === theirs && o.observer === colleagueId), "the colleague's observation of the cycle's teacher is on the coach's device");
    assert.ok(!held.some((o) => o.id === notInCycle), 'an observation of a teacher in no cycle of the coach is not');

    // Offline: Today lists the coach's own work only.
    await ctx.setOffline(true);
    await page.goto(server.base + '/');
    await page.getByRole('heading', { name: 'Recently submitted' }).waitFor();
    const recent = await page.locator('section[aria-labelledby=recent-h] a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    assert.ok(recent.length > 0);
    assert.ok(!recent.includes(`/review/${theirs}`), "Today does not list the colleague's observation as the coach's");
    assert.equal(await page.locator(`a[href="/review/${theirs}"]`).count(), 0);
    await shot(page, 'cycle-colleague-today-offline.png');

    // The cycle shows both visits on the device, offline.
    await page.goto(`${server.base}/cycles/${cycleId}`);
    await page.getByRole('heading', { name: focusName, level: 1 }).waitFor();
    const visits = page.getByTestId('cycle-visit');
    await visits.first().waitFor();
    const colleagueRow = page.locator(`[data-testid=cycle-visit][data-mine=false]:has(a[href="/review/${theirs}"])`);
    await colleagueRow.waitFor();
    assert.match(await colleagueRow.textContent(), /4$/, "the colleague's focus level is shown");
    assert.ok((await page.locator('[data-testid=cycle-visit][data-mine=true]').count()) >= 1, "the coach's own visit is beside it");
    await colleagueRow.scrollIntoViewIfNeeded();
    await shot(page, 'cycle-colleague-visit-offline.png');
    await accessible(page, "a cycle's visits on the device, offline");

    // Opened, the colleague's observation reads as theirs, with nothing to amend.
    await colleagueRow.getByRole('link').click();
    await page.waitForURL(new RegExp(`/review/${theirs}$`));
    await page.getByTestId('observed-by').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Amend' }).count(), 0);
    await page.getByText('Partners explained their strategies').first().waitFor();
    await shot(page, 'cycle-colleague-review-offline.png');
    await accessible(page, "a colleague's observation, offline");
    await ctx.setOffline(false);
  });
});
