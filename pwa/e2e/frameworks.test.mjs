// End-to-end: frameworks side by side, as a district administrator and the
// observers would meet them. A second framework ("K-2 look-fors") is
// published (it reaches no one), assigned to one school after a preview of
// whom it reaches; an observer there chooses it on the tablet, offline,
// while an observer elsewhere still scores with the district framework;
// both frameworks have trends and the dashboard is never blank; a new
// version of the district framework leaves its history comparable; the
// assignment is rolled back. The real binary with its demo district,
// Debian's Chromium.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { join } from 'node:path';
import { accessible, closeContext, dismissOfflineReady, freePort, launch, removeDir, requirePrerequisites, screenshots, Server, shot, signIn, tempDir } from './harness.mjs';

const T = { timeout: 180_000 };
const admin = { email: 'admin@demo.walkthrough.test', password: 'walkthrough-admin' };
// Assistant principal at Cedar Hollow Elementary.
const cedar = { email: 'observer@demo.walkthrough.test', password: 'walkthrough-observer' };
// Assistant principal at Harbor View Middle School.
const harbor = { email: 'jamal.wright@demo.walkthrough.test', password: 'walkthrough-team' };

/** A two-indicator rubric document, as a district might write its own look-fors. */
function k2Document() {
  const levels = [
    { value: 1, label: 'Not yet' },
    { value: 2, label: 'Emerging' },
    { value: 3, label: 'In place' },
  ];
  const indicator = (key, name) => ({ key, name, descriptors: levels.map((l) => ({ level: l.value, text: `${name}: ${l.label.toLowerCase()}.` })) });
  return JSON.stringify({
    format: 'walkthrough.rubric/v1',
    name: 'K-2 Look-fors',
    description: 'Early literacy look-fors for kindergarten to grade 2.',
    levels,
    dimensions: [{ key: 'early_literacy', name: 'Early literacy', indicators: [indicator('phonics_routine', 'Explicit phonics routine'), indicator('decodable_text', 'Students read decodable text')] }],
  });
}

/** How many frameworks the device holds (read with the raw IndexedDB API, no app code). */
function deviceFrameworks(page) {
  return page.evaluate(
    () =>
      new Promise((resolve) => {
        const open = indexedDB.open('walkthrough');
        open.onerror = () => resolve(0);
        open.onsuccess = () => {
          const db = open.result;
          if (!db.objectStoreNames.contains('frameworks')) {
            db.close();
            return resolve(0);
          }
          const count = db.transaction('frameworks').objectStore('frameworks').count();
          count.onsuccess = () => {
            db.close();
            resolve(count.result);
          };
          count.onerror = () => resolve(0);
        };
      }),
  );
}

/** Waits until the device's own sync has brought n frameworks. */
async function deviceHasFrameworks(page, n) {
  const deadline = Date.now() + 60_000;
  while ((await deviceFrameworks(page)) < n) {
    if (Date.now() > deadline) throw new Error(`the device did not receive ${n} frameworks in a minute`);
    await page.waitForTimeout(250);
  }
}

describe('frameworks side by side', { timeout: 900_000 }, () => {
  let server;
  let dataDir;
  const profiles = [];
  const contexts = [];
  let page; // the administrator's
  let mainId; // the district framework
  let k2Id;
  let trendBefore; // the district framework's trend before a new version

  const frameworks = async () => (await server.request(admin, 'GET', '/frameworks?limit=500')).body.items;
  const openBrowser = async () => {
    const dir = tempDir('wt-e2e-frameworks-profile-');
    profiles.push(dir);
    const ctx = await launch(dir);
    contexts.push(ctx);
    return ctx.pages()[0] ?? (await ctx.newPage());
  };
  const trend = (query) => server.request(admin, 'GET', `/trends?from=2025-01-01&to=2027-12-31&bucket=range&group=dimension${query}`);

  before(async () => {
    requirePrerequisites();
    dataDir = tempDir('wt-e2e-frameworks-data-');
    server = new Server(await freePort(), dataDir);
    await server.start();
    page = await openBrowser();
    const fs = await frameworks();
    assert.equal(fs.length, 1, 'the demo district has one framework');
    mainId = fs[0].id;
  });

  after(async () => {
    for (const c of contexts) await closeContext(c);
    await server?.stop();
    for (const p of profiles) removeDir(p);
    removeDir(dataDir);
  });

  test('1: a second framework is published and changes nothing until it is assigned', T, async () => {
    await page.goto(server.base + '/');
    await signIn(page, admin);
    await dismissOfflineReady(page);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Administration' }).click();
    await page.getByRole('heading', { name: 'Frameworks', level: 2 }).waitFor();
    await page.getByText('District framework', { exact: true }).waitFor();
    // The header fits a 1024-pixel tablet: two rows at most, every link on screen.
    const header = page.locator('header.app-header');
    const box = await header.boundingBox();
    assert.ok(box.height <= 112, `the header is at most two rows at 1024 px, not ${box.height} px`);
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), 1024, 'nothing sticks out of the page');
    for (const link of await header.getByRole('link').all()) {
      const b = await link.boundingBox();
      assert.ok(b.x >= 0 && b.x + b.width <= 1024 && b.height >= 44, `${await link.textContent()} is on screen and 44 px tall`);
    }
    await header.screenshot({ path: join(screenshots, 'admin-header-1024.png') });
    await shot(page, 'frameworks-1-list.png');
    await accessible(page, 'frameworks-1-list');

    await page.getByLabel('Import a JSON file').setInputFiles({ name: 'k2-look-fors.json', mimeType: 'application/json', buffer: Buffer.from(k2Document()) });
    await page.getByRole('button', { name: 'Publish…' }).click();
    const confirm = page.getByRole('alertdialog');
    await confirm.getByText(/is a new framework: publishing it changes nothing for anyone until you assign it/).waitFor();
    await shot(page, 'frameworks-2-publish-new.png');
    await accessible(page, 'frameworks-2-publish-new');
    await confirm.getByRole('button', { name: 'Publish for observers' }).click();
    await page.getByRole('heading', { name: 'Published' }).waitFor();
    await page.getByRole('button', { name: 'Back to frameworks' }).click();

    const fs = await frameworks();
    const k2 = fs.find((f) => f.name === 'K-2 Look-fors');
    assert.ok(k2, 'the new framework is listed');
    k2Id = k2.id;
    assert.equal(k2.main, false);
    assert.deepEqual(k2.assignments, [], 'a new framework is assigned nowhere');
    assert.equal(fs.find((f) => f.id === mainId).main, true, 'the district framework stays the main one');
    // The default trend still reads the district framework.
    const t = await trend('');
    assert.equal(t.body.rubric_id, mainId);
    assert.ok(t.body.cells.length > 0, 'the default trend is not blank after a publish');
  });

  test('2: assigning it to one school names that school, the kinds and the observers before it applies', T, async () => {
    const card = page.locator('li.framework-card', { hasText: 'K-2 Look-fors' });
    await card.getByText('Not assigned: no one scores with it.').waitFor();
    await card.getByRole('button', { name: 'Assign to schools or kinds…' }).click();
    await card.getByRole('checkbox', { name: 'Cedar Hollow Elementary' }).check();
    await card.getByRole('button', { name: 'See whom it reaches…' }).click();
    const confirm = card.getByRole('alertdialog', { name: 'Assign K-2 Look-fors?' });
    await confirm.waitFor();
    const words = await confirm.textContent();
    const reach = (await server.request(admin, 'GET', `/frameworks/${k2Id}/reach?proposed=true&school_id=${await cedarId()}`)).body;
    assert.ok(reach.observers > 0, 'someone observes at Cedar Hollow');
    assert.match(words, new RegExp(`${reach.observers} observers at Cedar Hollow Elementary score new visits with K-2 Look-fors, for every kind of walkthrough`));
    assert.match(words, /observers choose between it and Five-dimension instructional framework \(the district framework\)/);
    assert.doesNotMatch(words, /Harbor View/, 'no other school is named');
    await shot(page, 'frameworks-3-assign-confirm.png');
    await accessible(page, 'frameworks-3-assign-confirm');
    assert.deepEqual((await frameworks()).find((f) => f.id === k2Id).assignments, [], 'nothing is assigned before the answer');
    await confirm.getByRole('button', { name: 'Assign' }).click();
    await page.getByText('K-2 Look-fors is assigned.').waitFor();
    await card.getByText(/Cedar Hollow Elementary, every kind of walkthrough, since/).waitFor();
    await shot(page, 'frameworks-4-assigned.png');
    await accessible(page, 'frameworks-4-assigned');
  });

  const cedarId = async () => (await server.request(admin, 'GET', '/schools?limit=500')).body.items.find((s) => s.name === 'Cedar Hollow Elementary').id;

  test('3: at Cedar Hollow the tablet offers both, and the observer scores with K-2 Look-fors while offline', T, async () => {
    const tablet = await openBrowser();
    await tablet.goto(server.base + '/');
    await signIn(tablet, cedar);
    await dismissOfflineReady(tablet);
    // The tablet syncs by itself once signed in; then the classroom has no Wi-Fi.
    await deviceHasFrameworks(tablet, 2);
    await tablet.context().setOffline(true);
    await tablet.getByRole('button', { name: 'Start a walkthrough' }).click();
    await tablet.getByLabel('School').selectOption({ label: 'Cedar Hollow Elementary' });
    const k2 = tablet.getByRole('radio', { name: /K-2 Look-fors/ });
    await k2.waitFor();
    assert.ok(await k2.isChecked(), 'the framework assigned to the school is the default');
    await tablet.getByRole('radio', { name: /Five-dimension instructional framework \(version 1, the district framework\)/ }).waitFor();
    await tablet.getByText('Explicit phonics routine').waitFor();
    await shot(tablet, 'frameworks-5-tablet-choice.png');
    await accessible(tablet, 'frameworks-5-tablet-choice');
    await tablet.getByRole('button', { name: 'Start and pick a classroom' }).click();
    await tablet.getByRole('heading', { name: 'Pick a teacher' }).waitFor();
    await tablet.locator('button.card.pick').first().click();
    await tablet.waitForURL(/\/observe\/[0-9a-f-]{36}$/);
    const id = tablet.url().split('/').pop();
    await tablet.getByText('Scored with K-2 Look-fors (version 1)').waitFor();
    const keys = await tablet.locator('.indicator').evaluateAll((els) => els.map((e) => e.getAttribute('data-indicator')));
    assert.deepEqual(keys, ['phonics_routine', 'decodable_text']);
    for (const key of keys) {
      await tablet.locator(`.indicator[data-indicator="${key}"] button.level[data-level="3"]`).click();
    }
    await tablet.getByRole('button', { name: 'Submit observation' }).click();
    await tablet.getByTestId('submit-confirmation').waitFor();
    await tablet.context().setOffline(false);
    await tablet.getByTestId('submit-confirmation').filter({ hasText: 'It has reached the server.' }).waitFor({ timeout: 60_000 });
    const rec = (await server.pullAll(cedar)).find((r) => r.entity === 'observation' && r.id === id);
    const k2Version = (await frameworks()).find((f) => f.id === k2Id).versions[0].id;
    assert.equal(rec?.data.rubric_version_id, k2Version, 'scored with K-2 Look-fors');
    assert.equal(rec.data.status, 'submitted');
  });

  test('4: at Harbor View an observer still scores with the district framework', T, async () => {
    const tablet = await openBrowser();
    await tablet.goto(server.base + '/');
    await signIn(tablet, harbor);
    await dismissOfflineReady(tablet);
    await tablet.getByRole('button', { name: 'Start a walkthrough' }).click();
    await tablet.getByText(/Scored with Five-dimension instructional framework/).waitFor();
    assert.equal(await tablet.getByRole('radio', { name: /K-2 Look-fors/ }).count(), 0, 'K-2 Look-fors is not offered here');
    await shot(tablet, 'frameworks-6-elsewhere.png');
    await accessible(tablet, 'frameworks-6-elsewhere');
    await tablet.getByRole('button', { name: 'Start and pick a classroom' }).click();
    await tablet.locator('button.card.pick').first().click();
    await tablet.waitForURL(/\/observe\/[0-9a-f-]{36}$/);
    const id = tablet.url().split('/').pop();
    await tablet.getByText('Scored with Five-dimension instructional framework (version 1)').waitFor();
    const keys = await tablet.locator('.indicator').evaluateAll((els) => els.map((e) => e.getAttribute('data-indicator')));
    assert.equal(keys.length, 15, 'the district framework has its fifteen look-fors');
    for (const key of keys) await tablet.locator(`.indicator[data-indicator="${key}"] button.level[data-level="2"]`).click();
    await tablet.getByRole('button', { name: 'Submit observation' }).click();
    await tablet.getByTestId('submit-confirmation').filter({ hasText: 'It has reached the server.' }).waitFor({ timeout: 60_000 });
    const rec = (await server.pullAll(harbor)).find((r) => r.entity === 'observation' && r.id === id);
    const mainVersion = (await frameworks()).find((f) => f.id === mainId).versions[0].id;
    assert.equal(rec?.data.rubric_version_id, mainVersion, 'scored with the district framework');
  });

  test('5: both frameworks have trends; the dashboard opens on the district framework and offers the other', T, async () => {
    const main = await trend('');
    const k2 = await trend(`&rubric_id=${k2Id}`);
    assert.equal(main.body.rubric_id, mainId);
    assert.ok(main.body.cells.length > 0, 'the district framework has figures');
    assert.equal(k2.body.rubric_id, k2Id);
    assert.deepEqual(
      k2.body.cells.map((c) => [c.group.dimension, c.observations]),
      [['early_literacy', 1]],
      'K-2 Look-fors has the one observation scored with it',
    );
    trendBefore = main.body;

    await page.goto(server.base + '/dashboard');
    await page.getByRole('heading', { name: 'Trends', level: 1 }).waitFor();
    const picker = page.getByLabel('Framework');
    await picker.waitFor();
    assert.equal(await picker.inputValue(), mainId, 'the district framework is the default');
    await page.locator('[data-testid=chart]').first().waitFor();
    await shot(page, 'frameworks-7-dashboard-main.png');
    await accessible(page, 'frameworks-7-dashboard-main');
    await picker.selectOption(k2Id);
    await page.locator('[data-testid=chart][data-dimension=early_literacy]').waitFor();
    assert.match(page.url(), new RegExp(`framework=${k2Id}`), 'the address names the framework');
    await shot(page, 'frameworks-8-dashboard-k2.png');
    await accessible(page, 'frameworks-8-dashboard-k2');
  });

  test('6: a new version of the district framework replaces only its own, and its history stays comparable', T, async () => {
    await page.goto(server.base + '/admin/frameworks');
    const card = page.locator('li.framework-card', { hasText: 'Five-dimension instructional framework' });
    await card.getByRole('button', { name: 'Copy into a new draft' }).click();
    await page.getByRole('button', { name: 'Publish…' }).click();
    const confirm = page.getByRole('alertdialog');
    await confirm.getByText(/Version 2 replaces only the earlier versions of Five-dimension instructional framework; other frameworks stay as they are/).waitFor();
    await confirm.getByText(/observers at every school \(6\) score new visits with version 2 of Five-dimension instructional framework, for every kind of walkthrough/).waitFor();
    await confirm.getByText(/Visits scored before keep the version they were scored with/).waitFor();
    await shot(page, 'frameworks-9-publish-version.png');
    await accessible(page, 'frameworks-9-publish-version');
    await confirm.getByRole('button', { name: 'Publish for observers' }).click();
    await page.getByRole('heading', { name: 'Published' }).waitFor();

    const fs = await frameworks();
    assert.equal(fs.find((f) => f.id === mainId).versions.filter((v) => v.status === 'published').length, 2);
    assert.deepEqual(
      fs.find((f) => f.id === k2Id).assignments.map((a) => a.ended_at),
      [undefined],
      'the other framework and its assignment are untouched',
    );
    const after = (await trend('')).body;
    assert.equal(after.rubric_id, mainId, 'trends still read the district framework');
    assert.deepEqual(
      after.cells.map((c) => [c.group.dimension, c.observations, c.mean]),
      trendBefore.cells.map((c) => [c.group.dimension, c.observations, c.mean]),
      'the history reads the same after the new version',
    );
  });

  test('7: the assignment is rolled back; what was scored with it stays', T, async () => {
    await page.getByRole('button', { name: 'Back to frameworks' }).click();
    const card = page.locator('li.framework-card', { hasText: 'K-2 Look-fors' });
    await card.getByRole('button', { name: 'Roll back' }).click();
    await card.getByRole('alertdialog').getByText(/Visits already scored with it stay/).waitFor();
    await shot(page, 'frameworks-10-rollback-confirm.png');
    await accessible(page, 'frameworks-10-rollback-confirm');
    await card.getByRole('alertdialog').getByRole('button', { name: 'Roll back' }).click();
    await page.getByText(/The assignment of K-2 Look-fors is rolled back/).waitFor();
    await card.getByText('Not assigned: no one scores with it.').waitFor();
    await shot(page, 'frameworks-11-rolled-back.png');
    await accessible(page, 'frameworks-11-rolled-back');
    const k2 = (await frameworks()).find((f) => f.id === k2Id);
    assert.ok(k2.assignments[0].ended_at, 'the assignment ended');
    const t = await trend(`&rubric_id=${k2Id}`);
    assert.equal(t.body.cells.length, 1, 'its history stays');
    const audit = JSON.stringify((await server.request(admin, 'GET', `/audit?limit=500`)).body);
    for (const action of ['rubric.publish', 'framework.assign', 'framework.rollback']) assert.ok(audit.includes(`"${action}"`), `${action} is in the audit log`);
  });

  test('8: another framework becomes the main one after a confirmation that names what changes for whom, and back', T, async () => {
    const card = page.locator('li.framework-card', { hasText: 'K-2 Look-fors' });
    await card.getByRole('button', { name: 'Make it the main framework…', exact: true }).click();
    const confirm = card.getByRole('alertdialog', { name: "Make K-2 Look-fors the district's main framework?" });
    await confirm.waitFor();
    await confirm.getByText(/Trends, the dashboard, CSV exports, debriefs, calibration and cycle evidence open on K-2 Look-fors for every supervisor, principal, coach and administrator/).waitFor();
    await confirm.getByText(/observers at every school \(6\) may score new visits with K-2 Look-fors, for every kind of walkthrough/).waitFor();
    await confirm.getByText(/Five-dimension instructional framework stays on offer at every school and kind, so no observer loses it/).waitFor();
    const keep = confirm.getByRole('checkbox', { name: 'Keep offering Five-dimension instructional framework at every school' });
    assert.ok(await keep.isChecked(), 'the former main framework is kept by default');
    await shot(page, 'frameworks-12-main-confirm.png');
    await accessible(page, 'frameworks-12-main-confirm');
    assert.equal((await frameworks()).find((f) => f.id === mainId).main, true, 'nothing changes before the answer');
    await confirm.getByRole('button', { name: 'Make it the main framework', exact: true }).click();
    await page.getByText("K-2 Look-fors is now the district's main framework.").waitFor();
    await page.locator('li.framework-card', { hasText: 'K-2 Look-fors' }).getByText('District framework', { exact: true }).waitFor();
    await shot(page, 'frameworks-13-main-changed.png');
    await accessible(page, 'frameworks-13-main-changed');
    let fs = await frameworks();
    assert.equal(fs.find((f) => f.id === k2Id).main, true);
    const former = fs.find((f) => f.id === mainId);
    assert.equal(former.main, false);
    assert.deepEqual(
      former.assignments.filter((a) => !a.ended_at).map((a) => [a.school_ids, a.kinds]),
      [[[], []]],
      'the former main framework stays on offer at every school and kind',
    );
    const t = await trend('');
    assert.equal(t.body.rubric_id, k2Id, 'trends open on the new main framework');
    assert.ok(t.body.cells.length > 0, 'and are not blank');
    const audit = (await server.request(admin, 'GET', '/audit?limit=500')).body.items.find((e) => e.action === 'framework.main');
    assert.equal(audit?.detail.previous_name, 'Five-dimension instructional framework');

    await page.getByRole('button', { name: 'Undo', exact: true }).click();
    await page.getByText('Undone: the former main framework is the main one again.').waitFor();
    await page.locator('li.framework-card', { hasText: 'Five-dimension instructional framework' }).getByText('District framework', { exact: true }).waitFor();
    await shot(page, 'frameworks-14-main-undone.png');
    await accessible(page, 'frameworks-14-main-undone');
    fs = await frameworks();
    assert.equal(fs.find((f) => f.id === mainId).main, true, 'the way back restores the district framework');
    assert.equal(fs.find((f) => f.id === mainId).assignments.filter((a) => !a.ended_at).length, 0, 'with no assignment left over');
    assert.equal(fs.find((f) => f.id === k2Id).main, false);
    assert.equal((await trend('')).body.rubric_id, mainId);

    await page.goto(server.base + '/admin/audit');
    await page.getByText("made K-2 Look-fors the district's main framework in place of Five-dimension instructional framework, keeping Five-dimension instructional framework on offer at every school").first().waitFor();
    await shot(page, 'frameworks-15-main-audit.png');
    await accessible(page, 'frameworks-15-main-audit');
  });

  test('9: a debrief with observations of two frameworks reads one at a time, the district framework first', T, async () => {
    const school = await cedarId();
    const k2 = (await frameworks()).find((f) => f.id === k2Id);
    assert.equal((await server.request(admin, 'POST', `/frameworks/${k2Id}/assignments`, { school_ids: [school], rev: k2.rev })).status, 201);
    const fs = await frameworks();
    const newest = (f) => f.versions.filter((v) => v.status === 'published').sort((a, b) => b.version - a.version)[0].id;
    const mainVersion = newest(fs.find((f) => f.id === mainId));
    const k2Version = newest(fs.find((f) => f.id === k2Id));
    const mainKey = (await server.request(admin, 'GET', `/rubrics/${mainVersion}`)).body.dimensions[0].indicators[0].key;
    const me = (await server.request(cedar, 'GET', '/me')).body.user.id;
    const teacher = (await server.request(admin, 'GET', `/teachers?school_id=${school}&limit=500`)).body.items[0].id;
    const walk = crypto.randomUUID();
    const now = new Date();
    const observation = (version, key, level) => ({
      change_id: crypto.randomUUID(),
      entity: 'observation',
      op: 'upsert',
      id: crypto.randomUUID(),
      base_rev: 0,
      data: { school_id: school, teacher_id: teacher, walkthrough_id: walk, rubric_version_id: version, kind: 'leadership', started_at: now.toISOString(), status: 'submitted', scores: [{ indicator_key: key, level }] },
    });
    const pushed = await server.request(cedar, 'POST', '/sync/push', {
      device_id: crypto.randomUUID(),
      changes: [
        { change_id: crypto.randomUUID(), entity: 'walkthrough', op: 'upsert', id: walk, base_rev: 0, data: { school_id: school, rubric_version_id: mainVersion, kind: 'leadership', date: now.toISOString().slice(0, 10), team: [me] } },
        observation(mainVersion, mainKey, 3),
        observation(k2Version, 'phonics_routine', 1),
      ],
    });
    assert.deepEqual(pushed.body.results?.map((r) => r.status), ['applied', 'applied', 'applied'], JSON.stringify(pushed.body));

    await page.goto(`${server.base}/walkthroughs/${walk}/debrief`);
    const choice = page.getByLabel('Framework');
    await choice.waitFor();
    assert.equal(await choice.inputValue(), mainId, 'the debrief opens on the district framework');
    assert.equal(await choice.locator('option').count(), 2, 'both frameworks with scores are offered');
    await page.getByTestId('debrief-count').filter({ hasText: '1 observations' }).waitFor();
    assert.equal(await page.getByText('Explicit phonics routine').count(), 0, "K-2 Look-fors' scores stay out of the district framework's figures");
    await shot(page, 'frameworks-16-debrief-main.png');
    await accessible(page, 'frameworks-16-debrief-main');
    await choice.selectOption(k2Id);
    await page.getByText('Explicit phonics routine').first().waitFor();
    await page.getByTestId('debrief-count').filter({ hasText: '1 observations' }).waitFor();
    await shot(page, 'frameworks-17-debrief-k2.png');
    await accessible(page, 'frameworks-17-debrief-k2');
  });
});
