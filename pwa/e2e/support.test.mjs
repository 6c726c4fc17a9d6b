// End-to-end: planning support from the data, as the people who do it. A
// principal opens the teacher view of their school and asks for coaching
// support for two teachers on one indicator from it; the district
// administrator sees the request with the coaches' workload and assigns a
// coach; the coach opens a cycle of support from the request with the
// teachers and the indicator filled in; the supervisor sees the request's
// status and never the teacher view. The real binary with its demo
// district, Debian's Chromium; nothing presses "Sync now".
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Server, accessible, closeContext, coach, dismissOfflineReady, freePort, launch, removeDir, requirePrerequisites, shot, signIn, tempDir } from './harness.mjs';

const T = { timeout: 180_000 };
const principal = { email: 'principal@demo.walkthrough.test', password: 'walkthrough-principal' };
const admin = { email: 'admin@demo.walkthrough.test', password: 'walkthrough-admin' };
const supervisor = { email: 'supervisor@demo.walkthrough.test', password: 'walkthrough-supervisor' };
const reason = 'In both rooms students answer in single words; little of their thinking is heard.';

/** Signs in on a fresh tablet and waits for the first sync and the service worker. */
async function open(server, dir, who) {
  const context = await launch(dir);
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(server.base + '/');
  await signIn(page, who);
  await page.waitForFunction(() => document.querySelector('[data-testid=last-sync]')?.textContent !== 'Synced never', null, { timeout: 60_000 });
  await dismissOfflineReady(page);
  return { context, page };
}

describe('planning support: teacher view, request, assignment, cycle', { timeout: 900_000 }, () => {
  let server;
  let dataDir;
  const profiles = [];
  const contexts = [];
  let picked = [];
  let indicator;
  const pages = {};

  const tablet = async (who) => {
    const dir = tempDir('wt-e2e-support-');
    profiles.push(dir);
    const t = await open(server, dir, who);
    contexts.push(t.context);
    pages[who.email] = t.page;
    return t.page;
  };

  before(async () => {
    requirePrerequisites();
    dataDir = tempDir('wt-e2e-support-data-');
    server = new Server(await freePort(), dataDir);
    await server.start();
  });

  after(async () => {
    for (const c of contexts) await closeContext(c);
    await server?.stop();
    for (const d of profiles) removeDir(d);
    removeDir(dataDir);
  });

  test('1: the principal asks for support for two teachers from the teacher view', T, async () => {
    const page = await tablet(principal);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Teachers' }).click();
    await page.getByRole('heading', { name: 'Teacher view' }).waitFor();
    const rows = page.getByTestId('teacher-row');
    await rows.first().waitFor({ timeout: 30_000 });
    assert.ok((await rows.count()) >= 2, 'the school has teachers');
    // Every figure is in words and numbers: a mean and the observations behind it.
    assert.match(await page.locator('table.teacher-table').textContent(), /\d\.\d\d \(\d+ obs\.\)/);
    // Sortable: by visits, most first.
    await page.getByRole('button', { name: 'Visits' }).click();
    await page.getByRole('button', { name: 'Visits' }).click();
    assert.equal(await page.locator('th[aria-sort=descending]').count(), 1);
    const visits = await rows.locator('td.num').first().allTextContents();
    assert.ok(visits.length > 0);
    await accessible(page, 'teacher view');
    for (const i of [0, 1]) {
      const row = rows.nth(i);
      picked.push((await row.locator('th').textContent()).trim());
      await row.getByRole('checkbox').check();
    }
    assert.equal(await page.getByTestId('picked-count').textContent(), '2 teachers selected');
    await shot(page, 'support-teacher-view.png');

    await page.getByRole('button', { name: 'Ask for coaching support' }).click();
    await page.getByRole('heading', { name: 'Ask for coaching support' }).waitFor();
    for (const name of picked) assert.ok(await page.getByRole('checkbox', { name }).isChecked(), `${name} is filled in`);
    // Nothing is sent without an indicator and a reason.
    await page.getByRole('button', { name: 'Send the request' }).click();
    await page.getByText('Choose at least one indicator the support is for.').waitFor();
    const indicators = page.getByRole('group', { name: 'Indicators the support is for' }).getByRole('checkbox');
    indicator = (await page.getByRole('group', { name: 'Indicators the support is for' }).locator('label.choice').first().textContent()).trim();
    await indicators.first().check();
    await page.getByLabel('Why: what did you see?').fill(reason);
    const summary = await page.getByTestId('ask-summary').textContent();
    for (const name of picked) assert.ok(summary.includes(name), `the summary names ${name}: ${summary}`);
    await accessible(page, 'ask for support');
    await shot(page, 'support-ask.png');
    await page.getByRole('button', { name: 'Send the request' }).click();
    await page.getByRole('heading', { name: 'Coaching support' }).waitFor();
    const mine = page.getByTestId('my-request');
    await mine.waitFor();
    // Sent by itself: the status is the server's.
    await page.waitForFunction(() => document.querySelector('[data-testid=my-request] [data-testid=request-status]')?.textContent === 'Waiting for a coach', null, { timeout: 30_000 });
    assert.match(await mine.textContent(), new RegExp(indicator));
    await accessible(page, 'support requests (principal)');
    const items = (await server.request(admin, 'GET', '/support-requests?status=open')).body.items;
    assert.equal(items.length, 1);
    assert.equal(items[0].teacher_ids.length, 2);
    assert.equal(items[0].indicator_keys.length, 1);
  });

  test('2: the district administrator sees it with coach workload and assigns a coach', T, async () => {
    const page = await tablet(admin);
    await page.getByTestId('home-open-requests').waitFor();
    assert.match(await page.getByTestId('home-open-requests').textContent(), /1 waiting for a coach/);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Support' }).click();
    const card = page.getByTestId('open-request');
    await card.waitFor();
    for (const name of picked) assert.ok((await card.textContent()).includes(name), `the request names ${name}`);
    assert.match(await card.textContent(), new RegExp(reason.slice(0, 30)));
    const coaches = card.getByTestId('coach-load');
    assert.ok((await coaches.count()) >= 1, 'the school’s coaches are listed');
    assert.match(await card.locator('table.workload').textContent(), /Open cycles/);
    await card.getByRole('radio', { name: 'Priya Raman' }).check();
    await card.getByRole('button', { name: 'Assign the coach' }).click();
    const confirm = card.getByTestId('assign-confirm');
    const says = await confirm.textContent();
    assert.match(says, new RegExp(`Assign Priya Raman to support .* at .* on ${indicator}`));
    for (const name of picked) assert.ok(says.includes(name), `the confirmation names ${name}`);
    await accessible(page, 'assign a coach');
    await shot(page, 'support-assign.png');
    await card.getByRole('button', { name: 'Assign Priya Raman' }).click();
    await page.getByTestId('decided').waitFor();
    assert.match(await page.getByTestId('decided-request').first().textContent(), /Coach assigned: Priya Raman/);
    // There is a way back until a cycle is opened.
    assert.equal(await page.getByRole('button', { name: 'Undo: open the request again' }).count(), 1);
  });

  test('3: the coach opens a cycle from the request, teachers and indicator filled in', T, async () => {
    const page = await tablet(coach);
    await page.getByTestId('home-assigned-requests').waitFor({ timeout: 30_000 });
    await page.getByTestId('home-assigned-requests').click();
    const card = page.getByTestId('assigned-request');
    await card.waitFor();
    await card.getByRole('link', { name: 'Open a cycle from this request' }).click();
    await page.getByRole('heading', { name: 'Open a cycle of support' }).waitFor();
    assert.match(await page.getByTestId('prompted-by').textContent(), new RegExp(reason.slice(0, 30)));
    for (const name of picked) assert.ok(await page.getByRole('checkbox', { name }).isChecked(), `${name} is filled in`);
    const focus = page.getByLabel('Focus indicator');
    assert.match(await focus.locator('option:checked').textContent(), new RegExp(`${indicator} .*asked for`));
    await page.getByRole('radio', { name: /Active/ }).check();
    await accessible(page, 'open a cycle');
    await shot(page, 'support-open-cycle.png');
    await page.getByRole('button', { name: 'Open the cycle' }).click();
    await page.getByRole('heading', { name: indicator }).waitFor({ timeout: 30_000 });
    const cycles = (await server.request(coach, 'GET', '/cycles?mine=true')).body;
    const made = cycles.items.find((c) => c.status === 'active' && c.teacher_ids.length === 2);
    assert.ok(made, 'the cycle is on the server with both teachers');
    const req = (await server.request(admin, 'GET', '/support-requests?status=assigned')).body.items[0];
    assert.equal(req.cycle_id, made.id);
  });

  test('4: the supervisor sees the status, never the teacher view', T, async () => {
    const page = await tablet(supervisor);
    assert.equal(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Teachers' }).count(), 0);
    const refused = await server.request(supervisor, 'GET', '/teacher-view');
    assert.equal(refused.status, 403);
    await page.goto(server.base + '/teachers');
    await page.getByRole('heading', { name: 'Teacher view' }).waitFor();
    assert.equal(await page.getByTestId('teacher-row').count(), 0);
    await page.getByText('The teacher view is for principals, coaches and district administrators').waitFor();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Support' }).click();
    const card = page.getByTestId('school-request');
    await card.waitFor({ timeout: 30_000 });
    assert.match(await card.getByTestId('request-status').textContent(), /Coach assigned: Priya Raman · cycle of support opened/);
    // School-level: the supervisor reads no teacher's name on it.
    const text = await card.textContent();
    for (const name of picked) assert.ok(!text.includes(name), `the supervisor reads ${name}`);
    assert.match(text, /School-level \(any teachers named are not shown to you\)/);
    await accessible(page, 'support requests (supervisor)');
    await shot(page, 'support-supervisor-status.png');
  });

  test('5: the principal asks from a trend, a heat-map cell (offline) and a debrief, each filled in', T, async () => {
    const page = pages[principal.email];
    const me = (await server.request(principal, 'GET', '/me')).body;
    const school = me.user.grants.find((g) => g.role === 'principal').school_id;

    // From a trend of their school on one dimension.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Trends', exact: true }).click();
    await page.getByRole('heading', { name: 'Trends', level: 1 }).waitFor();
    const url = new URL(page.url());
    url.searchParams.set('schools', school);
    await page.goto(url.toString());
    const fromTrend = page.getByTestId('ask-from-trend');
    await fromTrend.waitFor({ timeout: 30_000 });
    const trendHref = new URL(await fromTrend.getAttribute('href'), server.base).searchParams;
    assert.equal(trendHref.get('school'), school);
    assert.equal(trendHref.get('source'), 'trend');

    // From a heat-map cell: the school and the dimension's indicators.
    const cell = page.locator(`[data-testid=heat-cell][data-school="${school}"]`).first();
    await cell.waitFor({ timeout: 30_000 });
    const dimension = await cell.getAttribute('data-dimension');
    await cell.getByRole('link', { name: /^Ask for support/ }).click();
    await page.getByRole('heading', { name: 'Ask for coaching support' }).waitFor();
    assert.equal(await page.getByLabel('School').inputValue(), school);
    const rubric = (await server.request(principal, 'GET', '/rubrics')).body.items[0];
    const version = (await server.request(principal, 'GET', `/rubrics/${rubric.id}`)).body;
    const dim = (version.dimensions ?? []).find((d) => d.key === dimension);
    const checked = page.getByRole('group', { name: 'Indicators the support is for' }).getByRole('checkbox', { checked: true });
    if (dim) assert.equal(await checked.count(), dim.indicators.length, `the indicators of ${dimension}`);
    else assert.ok((await checked.count()) >= 1);
    assert.match(await page.getByLabel('Why: what did you see?').inputValue(), /mean/);
    await page.getByRole('heading', { name: 'Ask for coaching support' }).scrollIntoViewIfNeeded();
    await shot(page, 'support-ask-from-heat-map.png');

    // Sent offline: it waits on the device and goes by itself once online.
    await page.context().setOffline(true);
    await page.getByLabel('Why: what did you see?').fill('Heat map: this dimension is the lowest of the school this term.');
    await page.getByRole('button', { name: 'Send the request' }).click();
    await page.getByRole('heading', { name: 'Coaching support' }).waitFor();
    const waiting = page.getByTestId('my-request').filter({ hasText: 'Heat map: this dimension' });
    await waiting.getByText('Saved on this device, waiting to sync').waitFor();
    await page.context().setOffline(false);
    await waiting.getByText('Waiting for a coach').waitFor({ timeout: 60_000 });
    const open = (await server.request(admin, 'GET', '/support-requests?status=open')).body.items;
    const fromHeat = open.find((r) => r.reason.startsWith('Heat map'));
    assert.ok(fromHeat, 'the request reached the server');
    assert.equal(fromHeat.source, 'heat_map');
    assert.equal(fromHeat.school_id, school);

    // From a debrief, by classroom: the school, the focus and the teacher.
    const walks = (await server.request(principal, 'GET', '/walkthroughs')).body.items.filter((w) => w.school_id === school);
    let found = false;
    for (const w of walks) {
      const d = await server.request(principal, 'GET', `/walkthroughs/${w.id}/debrief`);
      if (d.status !== 200 || d.body.classrooms.length === 0 || !d.body.classrooms[0].teacher_id) continue;
      found = true;
      await page.goto(`${server.base}/walkthroughs/${w.id}/debrief`);
      await page.getByRole('button', { name: 'By classroom' }).click();
      await page.locator('table.debrief-table').waitFor({ timeout: 30_000 });
      await page.getByTestId('ask-from-debrief').click();
      await page.getByRole('heading', { name: 'Ask for coaching support' }).waitFor();
      assert.equal(await page.getByLabel('School').inputValue(), school);
      const teachers = page.getByRole('group', { name: /^Teachers/ }).getByRole('checkbox', { checked: true });
      assert.equal(await teachers.count(), 1, 'the classroom’s teacher is filled in');
      assert.match(await page.getByLabel('Why: what did you see?').inputValue(), /walkthrough of/);
      const q = new URL(page.url()).searchParams;
      assert.equal(q.get('source'), 'debrief');
      await shot(page, 'support-ask-from-debrief.png');
      break;
    }
    assert.ok(found, 'the demo district has a debrief at the principal’s school');
  });

  test('6: the requester withdraws one request; the administrator declines another with a reason; the requester sees each', T, async () => {
    const page = pages[principal.email];
    // The debrief's request (test 5 left its form open) is sent, to be declined.
    await page.getByLabel('Why: what did you see?').fill('Debrief: students wait for the teacher to explain every step.');
    if ((await page.getByRole('group', { name: 'Indicators the support is for' }).getByRole('checkbox', { checked: true }).count()) === 0) {
      await page.getByRole('group', { name: 'Indicators the support is for' }).getByRole('checkbox').first().check();
    }
    await page.getByRole('button', { name: 'Send the request' }).click();
    await page.getByRole('heading', { name: 'Coaching support' }).waitFor();
    const toDecline = page.getByTestId('my-request').filter({ hasText: 'Debrief: students wait' });
    await toDecline.getByText('Waiting for a coach').waitFor({ timeout: 60_000 });

    // The heat map's request is withdrawn by the principal.
    const toWithdraw = page.getByTestId('my-request').filter({ hasText: 'Heat map: this dimension' });
    await toWithdraw.getByRole('button', { name: 'Withdraw' }).click();
    await toWithdraw.getByRole('button', { name: 'Withdraw the request' }).click();
    await toWithdraw.getByTestId('request-status').getByText('Withdrawn').waitFor({ timeout: 60_000 });
    await toWithdraw.getByRole('button', { name: 'Ask again' }).waitFor();
    const all = async () => [
      ...(await server.request(admin, 'GET', '/support-requests?status=withdrawn')).body.items,
      ...(await server.request(admin, 'GET', '/support-requests?status=open')).body.items,
    ];
    for (let i = 0; ; i++) {
      const r = (await all()).find((x) => x.reason.startsWith('Heat map'));
      if (r?.status === 'withdrawn') break;
      if (i > 60) assert.fail(`the withdrawal never reached the server: ${JSON.stringify(r)}`);
      await new Promise((res) => setTimeout(res, 500));
    }

    // The administrator declines the debrief's request with a reason.
    const adminPage = pages[admin.email];
    await adminPage.goto(server.base + '/support');
    const card = adminPage.getByTestId('open-request').filter({ hasText: 'Debrief: students wait' });
    await card.waitFor({ timeout: 30_000 });
    assert.equal(await adminPage.getByTestId('open-request').filter({ hasText: 'Heat map: this dimension' }).count(), 0, 'a withdrawn request is not waiting');
    await card.getByRole('button', { name: 'Decline…' }).click();
    await card.getByRole('button', { name: 'Decline the request' }).click();
    await card.getByText('Say why the request is declined: the requester reads it.').waitFor();
    const why = 'Both coaches are full until the spring; the school’s PLC takes this up first.';
    await card.getByLabel(/^Why is it declined\?/).fill(why);
    await shot(adminPage, 'support-decline.png');
    await card.getByRole('button', { name: 'Decline the request' }).click();
    await adminPage.getByTestId('decided').waitFor();
    assert.match(await adminPage.getByTestId('decided-request').filter({ hasText: 'Debrief: students wait' }).textContent(), /Declined/);

    // The principal's device learns it on its next sync.
    await page.goto(server.base + '/support');
    const declined = page.getByTestId('my-request').filter({ hasText: 'Debrief: students wait' });
    await declined.getByTestId('request-status').getByText(`Declined: ${why}`).waitFor({ timeout: 90_000 });
    await page.getByTestId('my-request').filter({ hasText: 'Heat map: this dimension' }).getByText('Withdrawn').waitFor();
    await accessible(page, 'support requests with a withdrawn and a declined one');
    await shot(page, 'support-withdrawn-declined.png');
  });
});
