// End-to-end: an administrator takes a school away from a coach over the
// API, and the coach's tablet, on its own next sync, drops that school's
// roster. The real binary with its demo district, Debian's Chromium.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { accessible, Server, closeContext, coach, freePort, launch, removeDir, requirePrerequisites, shot, tempDir } from './harness.mjs';

const T = { timeout: 180_000 };
const admin = { email: 'admin@demo.walkthrough.test', password: 'walkthrough-admin' };

/** An API request as who that must succeed; its body. */
async function api(server, who, method, path, body) {
  const r = await server.request(who, method, path, body);
  assert.ok(r.status < 300, `${method} ${path}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** The teachers the "Pick a teacher" screen lists, by name. */
async function listedTeachers(page) {
  await page.getByRole('heading', { name: 'Pick a teacher' }).waitFor();
  return page.locator('button.card.pick strong').allTextContents();
}

describe('a school taken from a coach with the real server', { timeout: 600_000 }, () => {
  let server;
  let dataDir;
  let profile;
  let context;

  before(async () => {
    requirePrerequisites();
    dataDir = tempDir('wt-e2e-scope-data-');
    profile = tempDir('wt-e2e-scope-profile-');
    server = new Server(await freePort(), dataDir);
    await server.start();
  });

  after(async () => {
    await closeContext(context);
    await server?.stop();
    removeDir(profile);
    removeDir(dataDir);
  });

  test('the tablet no longer lists the lost school’s teachers after its next sync', T, async () => {
    const me = await api(server, coach, 'GET', '/me');
    const schools = me.school_ids;
    assert.ok(schools.length >= 2, `the demo coach works at two schools: ${JSON.stringify(schools)}`);
    const [kept, lost] = schools;
    const teachers = (await server.pullAll(coach)).filter((r) => r.entity === 'teacher' && !r.deleted && r.data.active);
    const name = (t) => `${t.data.given_name} ${t.data.family_name}`;
    const lostNames = teachers.filter((t) => t.data.school_id === lost).map(name);
    const keptNames = teachers.filter((t) => t.data.school_id === kept).map(name);
    assert.ok(lostNames.length > 0 && keptNames.length > 0);

    context = await launch(profile);
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(server.base + '/');
    await page.getByLabel('Email').fill(coach.email);
    await page.getByLabel('Password').fill(coach.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Today' }).waitFor();
    await page.waitForFunction(() => document.querySelector('[data-testid=last-sync]')?.textContent !== 'Synced never', null, { timeout: 30_000 });
    await page.goto(server.base + '/observe/new');
    const before = await listedTeachers(page);
    for (const n of [...lostNames, ...keptNames]) assert.ok(before.includes(n), `${n} is listed before`);

    const grant = me.user.grants.find((g) => g.school_id === lost);
    await api(server, admin, 'PATCH', `/users/${me.user.id}`, { revoke: [grant] });

    // The tablet loses and regains its connection: its own sync, no "Sync now".
    await context.setOffline(true);
    await page.waitForFunction(() => !navigator.onLine);
    await context.setOffline(false);
    await page.getByTestId('refreshed-note').waitFor({ timeout: 30_000 });
    await page.waitForFunction((n) => ![...document.querySelectorAll('button.card.pick strong')].some((e) => e.textContent === n), lostNames[0], { timeout: 30_000 });
    const afterSync = await listedTeachers(page);
    for (const n of lostNames) assert.ok(!afterSync.includes(n), `${n} of the lost school is still listed`);
    for (const n of keptNames) assert.ok(afterSync.includes(n), `${n} of the kept school is gone`);
    assert.match(await page.getByTestId('refreshed-note').textContent(), /refreshed its data/);
    await shot(page, 'refreshed-after-school-removed.png');
    await accessible(page, 'refreshed-after-school-removed');

    // After a reload, from IndexedDB alone, the same.
    await page.reload();
    const reloaded = await listedTeachers(page);
    assert.deepEqual(reloaded.sort(), afterSync.sort());
  });
});
