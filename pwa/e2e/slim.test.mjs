// End-to-end: a new device's slim snapshot. The district's school year
// starts today, so everything the demo coach submitted is from before it.
// The coach signs in on a new tablet: the device gets the roster and the
// coach's open work (a draft) but none of the earlier observations.
// Offline, the coach finishes and submits the draft, and the app says that
// earlier observations need the network; back online the submission reaches
// the server by itself, and the coach loads an earlier observation from the
// server and opens it. The real binary with its demo district, Debian's
// Chromium.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Server, accessible, closeContext, coach, dismissOfflineReady, freePort, launch, removeDir, requirePrerequisites, shot, signIn, tempDir } from './harness.mjs';

const T = { timeout: 180_000 };
const admin = { email: 'admin@demo.walkthrough.test', password: 'walkthrough-admin' };

/** The IndexedDB observations on the page's device, as ids and statuses. */
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
            resolve(all.result.map((o) => ({ id: o.id, status: o.data.status })));
          };
          all.onerror = () => reject(all.error);
        };
      }),
  );
}

describe('a new device takes a slim snapshot and loads earlier observations on demand', { timeout: 600_000 }, () => {
  let server;
  let dataDir;
  let profile;
  let ctx;
  let page;
  let draftId;

  before(async () => {
    requirePrerequisites();
    dataDir = tempDir('wt-e2e-slim-data-');
    profile = tempDir('wt-e2e-slim-');
    server = new Server(await freePort(), dataDir);
    await server.start();
    // The administrator moves the school year's start to today (in the
    // district's zone): the demo's visits are all from before it.
    const d = (await server.request(admin, 'GET', '/district')).body;
    const [month, day] = new Intl.DateTimeFormat('en-CA', { timeZone: d.time_zone, month: '2-digit', day: '2-digit' })
      .format(new Date())
      .split('-')
      .map(Number);
    const r = await server.request(admin, 'PATCH', '/district', { rev: d.rev, settings: { ...d.settings, school_year_start_month: month, school_year_start_day: day } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  });

  after(async () => {
    await closeContext(ctx);
    await server?.stop();
    removeDir(profile);
    removeDir(dataDir);
  });

  test('1: the new device holds the coach\'s open work and nothing from before the school year', T, async () => {
    ctx = await launch(profile);
    page = ctx.pages()[0] ?? (await ctx.newPage());
    await page.goto(server.base + '/');
    await signIn(page, coach);
    await page.waitForFunction(() => document.querySelector('[data-testid=last-sync]')?.textContent !== 'Synced never', null, { timeout: 60_000 });
    await dismissOfflineReady(page);

    const earlier = (await server.request(coach, 'GET', '/observations?limit=500')).body.items;
    const submittedOnServer = earlier.filter((o) => o.status === 'submitted');
    assert.ok(submittedOnServer.length > 0, 'the coach reads earlier observations on the server');
    const held = await deviceObservations(page);
    assert.ok(held.length > 0, 'the device holds the coach\'s draft');
    assert.deepEqual(held.filter((o) => o.status !== 'draft'), [], 'no submitted observation from before the school year is on the device');

    const draft = page.getByTestId('draft').first();
    await draft.waitFor();
    draftId = (await draft.getAttribute('href')).split('/').pop();
    assert.ok(held.some((o) => o.id === draftId));
    assert.equal(await page.getByRole('heading', { name: 'Recently submitted' }).count(), 0);
  });

  test('2: offline, the coach finishes and submits the draft; earlier observations need the network', T, async () => {
    await ctx.setOffline(true);
    await page.getByTestId('earlier-offline').waitFor();
    await page.getByTestId('draft').first().click();
    await page.waitForURL(new RegExp(`/observe/${draftId}$`));
    const rows = page.locator('.indicator');
    await rows.first().waitFor();
    for (const i of [0, 1]) {
      await rows.nth(i).locator('button.level[data-level="3"]').click();
      await rows.nth(i).locator('button.level.on').waitFor();
    }
    await page.getByRole('button', { name: /^Review/ }).first().click();
    await page.getByRole('button', { name: 'Submit observation' }).click();
    await page.getByTestId('submit-confirmation').getByText('saved on this device and will be sent when the device is back online').waitFor();

    await page.goto(server.base + '/');
    await page.getByTestId('earlier-offline').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Load earlier observations' }).count(), 0);
    await shot(page, 'slim-offline-today.png');
    await accessible(page, 'today offline, earlier observations need the network');
    assert.equal((await server.request(coach, 'GET', `/observations/${draftId}`)).body.status, 'draft');
  });

  test('3: online, the submission reaches the server and the coach opens an earlier observation loaded on demand', T, async () => {
    await ctx.setOffline(false);
    let got;
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; ) {
      got = await server.request(coach, 'GET', `/observations/${draftId}`);
      if (got.body.status === 'submitted') break;
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.equal(got.body.status, 'submitted', JSON.stringify(got.body));

    await page.getByRole('button', { name: 'Load earlier observations' }).click();
    const first = page.getByTestId('earlier-observation').first();
    await first.waitFor({ timeout: 30_000 });
    await shot(page, 'slim-earlier-observations.png');
    await accessible(page, 'earlier observations loaded from the server');
    const id = (await first.getAttribute('href')).split('/').pop();
    const onServer = (await server.request(coach, 'GET', `/observations/${id}`)).body;
    assert.ok(!(await deviceObservations(page)).some((o) => o.id === id), 'the earlier observation is not on the device');

    await first.click();
    await page.waitForURL(new RegExp(`/review/${id}$`));
    const view = page.getByTestId('server-observation');
    await view.waitFor({ timeout: 30_000 });
    await view.getByText('loaded from the server').waitFor();
    assert.equal(await view.locator('table.scores tbody tr').count(), onServer.scores.length);
    if (onServer.evidence) await view.getByText(onServer.evidence.slice(0, 40)).first().waitFor();
    await shot(page, 'slim-earlier-observation.png');
    await accessible(page, 'an earlier observation loaded from the server');
  });
});
