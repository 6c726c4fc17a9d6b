// End-to-end: a coach opens a cycle of support from the cycles screen,
// finds its next actions at the top of its page, logs an activity,
// completes the cycle with its outcome while offline, and reopens it; the
// changes reach the server by themselves (no "Sync now"). The real binary
// with its demo district, Debian's Chromium.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Server, accessible, closeContext, coach, dismissOfflineReady, freePort, launch, removeDir, requirePrerequisites, shot, signIn, tempDir } from './harness.mjs';

const T = { timeout: 180_000 };
const principal = { email: 'principal@demo.walkthrough.test', password: 'walkthrough-principal' };
const supervisor = { email: 'supervisor@demo.walkthrough.test', password: 'walkthrough-supervisor' };
const admin = { email: 'admin@demo.walkthrough.test', password: 'walkthrough-admin' };
const teacher = { email: 'teacher@demo.walkthrough.test', password: 'walkthrough-teacher' };

/** Waits until the server's cycle satisfies ok. */
async function serverCycle(server, id, ok, timeout = 30_000) {
  let last;
  for (const deadline = Date.now() + timeout; Date.now() < deadline; ) {
    const r = await server.request(coach, 'GET', `/cycles/${id}`);
    last = r.body;
    if (r.status === 200 && ok(r.body)) return r.body;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the server's cycle did not change in time: ${JSON.stringify(last)}`);
}

describe('the coach opens, completes and reopens a cycle in the app', { timeout: 600_000 }, () => {
  let server;
  let dataDir;
  let profile;
  let ctx;
  let page;
  let cycleId;
  let principalCtx;
  let principalProfile;
  const more = [];

  before(async () => {
    requirePrerequisites();
    dataDir = tempDir('wt-e2e-coach-data-');
    profile = tempDir('wt-e2e-coach-profile-');
    server = new Server(await freePort(), dataDir);
    await server.start();
  });

  after(async () => {
    await closeContext(principalCtx);
    await closeContext(ctx);
    await server?.stop();
    removeDir(principalProfile);
    for (const m of more) {
      await closeContext(m.ctx);
      removeDir(m.dir);
    }
    removeDir(profile);
    removeDir(dataDir);
  });

  test('1: the coach opens a cycle from the cycles screen; its page leads with its next actions', T, async () => {
    ctx = await launch(profile);
    page = ctx.pages()[0] ?? (await ctx.newPage());
    await page.goto(server.base + '/');
    await signIn(page, coach);
    await dismissOfflineReady(page);

    await page.getByRole('link', { name: 'Cycles', exact: true }).click();
    await page.getByRole('heading', { name: 'My cycles of support' }).waitFor();
    await accessible(page, 'my cycles');
    await page.getByRole('link', { name: 'Open a cycle' }).click();
    await page.getByRole('heading', { name: 'Open a cycle of support' }).waitFor();
    const teachers = page.getByRole('group', { name: 'Teachers' }).getByRole('checkbox');
    await teachers.first().waitFor();
    const teacher = (await page.getByRole('group', { name: 'Teachers' }).locator('label').first().textContent()).trim();
    await teachers.first().check();
    const focus = page.getByLabel('Focus indicator');
    await focus.selectOption({ index: 3 });
    const focusName = (await focus.locator('option:checked').textContent()).split(' (')[0].trim();
    await page.getByLabel('The shift in practice, in words').fill('Students explain their reasoning to a partner before sharing.');
    await page.getByRole('radio', { name: /Active/ }).check();
    await page.getByRole('button', { name: 'Open the cycle' }).click();
    await page.waitForURL(/\/cycles\/[0-9a-f-]{36}$/);
    cycleId = page.url().split('/').pop();

    // The page arrives with the next pull, started at once.
    await page.getByRole('heading', { name: focusName, level: 1 }).waitFor({ timeout: 30_000 });
    const actions = page.getByTestId('cycle-actions');
    await actions.getByText('No follow-up is booked.').waitFor();
    await page.getByTestId('cycle-status').getByText(teacher).waitFor();
    // The actions come before the follow-ups, the activities and the evidence.
    const top = async (loc) => (await loc.boundingBox()).y;
    assert.ok((await top(actions)) < (await top(page.getByRole('heading', { name: 'Follow-ups' }))), 'actions first');
    assert.ok((await top(actions.getByRole('button', { name: 'Complete the cycle' }))) < 1366, 'completing is on the first screen');
    await accessible(page, 'a cycle');
    await shot(page, 'coach-cycle.png');

    // Log an activity from the top: it takes the user to the form.
    await actions.getByRole('button', { name: 'Log an activity' }).click();
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'act-kind');
    await page.getByLabel('Kind of support').selectOption('modeling');
    await page.getByLabel('Notes').fill('Modelled a think-pair-share on fractions.');
    await page.getByRole('button', { name: 'Log the activity' }).click();
    await page.getByTestId('activity').filter({ hasText: 'Modeling' }).waitFor();
    // Opened on the device, the cycle reaches the server with the sync after the save.
    await serverCycle(server, cycleId, (c) => c.status === 'active');
    await page.waitForFunction(() => document.querySelector('[data-testid=pending-count]')?.textContent === '0 pending', null, { timeout: 30_000 });
  });

  test('2: offline, the coach completes the cycle with its outcome; it reaches the server when back online', T, async () => {
    await ctx.setOffline(true);
    const actions = page.getByTestId('cycle-actions');
    await actions.getByRole('button', { name: 'Complete the cycle' }).click();
    await actions.getByRole('radio', { name: 'Yes, the shift was seen' }).check();
    await actions.getByLabel('The evidence for it').fill('In both follow-ups students explained their reasoning to a partner.');
    await actions.getByRole('button', { name: 'Complete the cycle' }).click();
    await page.getByTestId('outcome').getByText('shift seen').waitFor();
    await page.getByTestId('cycle-status').getByText('Completed').waitFor();
    await page.getByTestId('cycle-status').getByText('waiting to sync').waitFor();
    await accessible(page, 'a completed cycle, offline');
    await shot(page, 'coach-cycle-completed-offline.png');
    const still = await server.request(coach, 'GET', `/cycles/${cycleId}`);
    assert.equal(still.body.status, 'active', 'nothing reached the server while offline');

    await ctx.setOffline(false);
    const done = await serverCycle(server, cycleId, (c) => c.status === 'completed');
    assert.equal(done.outcome, 'seen');
    assert.equal(done.outcome_evidence, 'In both follow-ups students explained their reasoning to a partner.');
    assert.ok(done.ended_on, 'the end is dated');
    await page.getByTestId('cycle-status').getByText('waiting to sync').waitFor({ state: 'detached' });
  });

  test('3: the coach reopens the cycle; it is active again, without an outcome', T, async () => {
    await page.getByRole('button', { name: 'Reopen the cycle' }).click();
    await page.getByTestId('cycle-status').getByText('Active').waitFor();
    const open = await serverCycle(server, cycleId, (c) => c.status === 'active');
    assert.equal(open.outcome, undefined);
    assert.equal(open.ended_on, undefined);
    await page.getByTestId('cycle-actions').getByRole('button', { name: 'Complete the cycle' }).waitFor();
    // The cycles screen lists it as the coach's own.
    await page.getByRole('link', { name: '← My cycles' }).click();
    await page.getByRole('list', { name: 'My cycles' }).getByTestId('cycle-card').filter({ hasText: 'Active' }).first().waitFor();
  });

  test('4: the coach reads the workload and what support worked, and subscribes in a calendar; offline, the last answers stay', T, async () => {
    await page.getByRole('navigation', { name: 'Coaching reports' }).getByRole('link', { name: 'Workload' }).click();
    await page.getByRole('heading', { name: 'Coaches’ workload' }).waitFor();
    const me = page.getByTestId('workload-row').filter({ hasText: '(you)' });
    await me.waitFor();
    // The coach's own open cycles, as the server counts them.
    const cycles = await server.request(coach, 'GET', '/cycles?mine=true&status=active&limit=100');
    const planned = await server.request(coach, 'GET', '/cycles?mine=true&status=planned&limit=100');
    assert.equal(await me.locator('td').nth(1).textContent(), String(cycles.body.items.length + planned.body.items.length));
    await accessible(page, 'workload');
    await shot(page, 'coach-workload.png');

    await page.getByRole('link', { name: 'What support worked' }).click();
    await page.getByRole('heading', { name: 'What support worked' }).waitFor();
    const answered = page.waitForResponse((r) => r.url().includes('/api/v1/reports/cycle-effectiveness') && r.url().includes('from='));
    await page.getByLabel('Period').selectOption('year');
    const shown = new URL((await answered).url());
    await page.getByTestId('effectiveness-headline').or(page.getByTestId('effectiveness-empty')).waitFor();
    const report = await server.request(coach, 'GET', `/reports/cycle-effectiveness${shown.search}`);
    assert.equal(report.status, 200);
    const r = report.body;
    // n on every figure, each share with its likely range (Wilson's, recomputed here), or too few to judge.
    const wilson = (k, n) => {
      const z = 1.959964;
      const p = k / n;
      const c = (p + (z * z) / (2 * n)) / (1 + (z * z) / n);
      const h = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / (1 + (z * z) / n);
      return [Math.max(0, c - h), Math.min(1, c + h)];
    };
    const pc = (x) => `${Math.round(x * 100)}%`;
    const roseWords = (k, n) => (n < r.min_to_judge ? `${k} of ${n} rose: too few to judge` : `${k} of ${n} rose (${pc(k / n)}, likely range ${pc(wilson(k, n)[0])} to ${pc(wilson(k, n)[1])})`);
    if (await page.getByTestId('effectiveness-headline').isVisible()) {
      const headline = await page.getByTestId('effectiveness-headline').textContent();
      assert.ok(headline.includes(`Of n = ${r.follow_ups} follow-up scores across ${r.cycles} cycles, ${roseWords(r.rose, r.follow_ups)}`), headline);
      const rows = page.getByTestId('effectiveness-row');
      assert.equal(await rows.count(), r.kinds.length);
      for (const [i, k] of r.kinds.entries()) {
        const cells = rows.nth(i).locator('td');
        assert.equal(await cells.nth(1).textContent(), String(k.follow_ups));
        assert.equal(await rows.nth(i).getByTestId('rose').textContent(), k.suppressed ? 'hidden: too few scores' : roseWords(k.rose, k.follow_ups));
      }
      // Each follow-up score counts once: the kinds add up to the total.
      assert.equal(r.kinds.reduce((a, k) => a + k.follow_ups, 0) <= r.follow_ups, true);
      // The change against each teacher's own start and the comparison of
      // similar teachers with no cycle, with n and the likely range, in words.
      const sign = (v) => {
        const x = Math.round(v * 100) / 100;
        return x === 0 ? '0.00' : `${x > 0 ? '+' : '−'}${Math.abs(x).toFixed(2)}`;
      };
      const changeWords = (f, none) => {
        const n = `n = ${f.teachers} ${f.teachers === 1 ? 'teacher' : 'teachers'}`;
        if (f.teachers === 0) return `${none} (n = 0)`;
        if (f.change === null) return `hidden: too few teachers to show without identifying them (${n})`;
        if (f.low === null) return `${sign(f.change)} (no likely range from so few) (${n})`;
        const said = f.low > 0 ? 'likely a rise' : f.high < 0 ? 'likely a fall' : 'could be no change';
        return `${sign(f.change)}, likely range ${sign(f.low)} to ${sign(f.high)} (${said}) (${n})`;
      };
      for (const [i, k] of r.kinds.entries()) {
        assert.equal(await rows.nth(i).getByTestId('change').textContent(), k.suppressed ? 'hidden: too few scores' : changeWords(k.change, 'Too few to judge'));
        assert.equal(await rows.nth(i).getByTestId('comparison').textContent(), k.suppressed ? 'hidden: too few scores' : changeWords(k.comparison, 'None to compare with'));
      }
      const all = page.getByTestId('effectiveness-all');
      assert.equal(await all.getByTestId('change').textContent(), changeWords(r.change, 'Too few to judge'));
      assert.equal(await all.getByTestId('comparison').textContent(), changeWords(r.comparison, 'None to compare with'));
      await page.getByTestId('effectiveness-comparison-note').waitFor();
    }
    await accessible(page, 'what support worked');
    await shot(page, 'coach-effectiveness.png');

    // Calendar: make the link, copy it, and the feed answers with the coach's follow-ups.
    await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.base });
    await page.getByRole('link', { name: 'Subscribe in your calendar' }).click();
    await page.getByRole('heading', { name: 'Subscribe in your calendar' }).waitFor();
    await page.getByRole('button', { name: 'Make my calendar link' }).click();
    const link = await page.getByTestId('calendar-link').inputValue();
    assert.match(link, /\/api\/v1\/calendar\/.+\.ics$/);
    await page.getByRole('button', { name: 'Copy the link' }).click();
    await page.getByTestId('copied').waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), link);
    const feed = await fetch(link);
    assert.equal(feed.status, 200);
    assert.match(await feed.text(), /BEGIN:VCALENDAR/);
    await accessible(page, 'calendar');
    await shot(page, 'coach-calendar.png');

    // A new link replaces the old one, which stops working.
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Make a new link' }).click();
    await page.waitForFunction((old) => document.querySelector('[data-testid=calendar-link]')?.value !== old, link);
    const fresh = await page.getByTestId('calendar-link').inputValue();
    assert.equal((await fetch(link)).status, 404, 'the old link is gone');
    assert.equal((await fetch(fresh)).status, 200);

    // Offline: the link kept on the device and the last workload read stay.
    await ctx.setOffline(true);
    await page.reload();
    await page.getByTestId('calendar-link').waitFor();
    assert.equal(await page.getByTestId('calendar-link').inputValue(), fresh);
    assert.ok(await page.getByRole('button', { name: 'Make a new link' }).isDisabled());
    await page.getByRole('link', { name: 'Workload' }).click();
    await page.getByTestId('read-stale').waitFor();
    await page.getByTestId('workload-row').filter({ hasText: '(you)' }).waitFor();
    await shot(page, 'coach-workload-offline.png');
    await ctx.setOffline(false);
  });

  test('5: calibration is for school leaders: a coach is told so; the principal reads it over time', T, async () => {
    await page.goto(`${server.base}/calibration`);
    await page.getByTestId('read-error').getByText('Your role does not open calibration.').waitFor();

    principalProfile = tempDir('wt-e2e-coach-principal-');
    principalCtx = await launch(principalProfile);
    const p = principalCtx.pages()[0] ?? (await principalCtx.newPage());
    await p.goto(server.base + '/');
    await signIn(p, principal);
    await p.goto(`${server.base}/calibration`);
    await p.getByRole('heading', { name: 'Calibration' }).waitFor();
    await p.getByLabel('Period').selectOption('year');
    await p.getByTestId('calibration-headline').or(p.getByTestId('calibration-empty')).waitFor();
    if (await p.getByTestId('calibration-headline').isVisible()) {
      assert.ok((await p.getByTestId('calibration-observer').count()) > 0, 'observers are listed');
    }
    await accessible(p, 'calibration');
    await shot(p, 'coach-calibration.png');
  });

  /** A fresh tablet signed in as who, on their home. */
  async function home(who) {
    const dir = tempDir('wt-e2e-coach-home-');
    const c = await launch(dir);
    more.push({ ctx: c, dir });
    const p = c.pages()[0] ?? (await c.newPage());
    await p.goto(server.base + '/');
    await signIn(p, who);
    return p;
  }

  test('6: each role lands on a home that leads with their work', T, async () => {
    // The supervisor: a headline of their schools, each moved dimension a link into Trends.
    const sup = await home(supervisor);
    await sup.getByRole('heading', { name: 'Your schools', level: 1 }).waitFor();
    const headline = sup.getByTestId('headline');
    await sup.waitForFunction(() => !/never/.test(document.querySelector('[data-testid=last-sync]')?.textContent ?? 'never'), null, { timeout: 30_000 });
    await headline.getByTestId('headline-visits').or(headline.getByTestId('headline-empty')).waitFor({ timeout: 20_000 });
    await dismissOfflineReady(sup);
    const top = async (loc) => (await loc.boundingBox()).y;
    assert.ok((await top(headline)) < (await top(sup.getByRole('heading', { name: 'Drafts' }))), 'the headline comes first');
    await accessible(sup, 'supervisor home');
    await shot(sup, 'coach-home-supervisor.png');
    const moved = headline.getByTestId('moved');
    if ((await moved.count()) > 0) {
      const name = (await moved.first().locator('strong').textContent()).split(':')[0];
      await moved.first().click();
      await sup.getByRole('heading', { name: 'Trends', level: 1 }).waitFor();
      assert.match(sup.url(), /dimension=/);
      assert.ok(name.length > 0);
    }

    // The principal: their school first, then their day.
    const pr = principalCtx.pages()[0];
    await pr.goto(server.base + '/');
    const ph = pr.getByTestId('headline');
    await ph.getByRole('heading', { name: /Cedar Hollow Elementary this school year/ }).waitFor();
    await ph.getByTestId('headline-visits').or(ph.getByTestId('headline-empty')).waitFor({ timeout: 20_000 });
    await accessible(pr, 'principal home');
    await shot(pr, 'coach-home-principal.png');

    // The administrator: the set-up (the demo district is ready).
    const ad = await home(admin);
    // Once the first sync has brought the district's framework, roster and people, the demo district is set up.
    await ad.getByTestId('setup-done').waitFor({ timeout: 30_000 });
    await accessible(ad, 'administrator home');
    await shot(ad, 'coach-home-admin.png');

    // The teacher is never offered a walkthrough.
    const te = await home(teacher);
    await te.getByRole('heading', { name: 'Home', level: 1 }).waitFor();
    assert.equal(await te.getByRole('button', { name: 'Start a walkthrough' }).count(), 0);
    assert.equal(await te.getByRole('link', { name: 'Due' }).count(), 0);
  });
});
