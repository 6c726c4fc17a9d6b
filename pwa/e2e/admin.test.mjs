// End-to-end: a district administrator runs the district from the browser.
// The real binary with its demo district, Debian's Chromium. The tests run in
// order and share one server; the administrator keeps one browser profile.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { accessible, closeContext, dismissOfflineReady, freePort, launch, removeDir, requirePrerequisites, Server, shot, signIn, tempDir } from './harness.mjs';

const T = { timeout: 180_000 };
const admin = { email: 'admin@demo.walkthrough.test', password: 'walkthrough-admin' };
const newCoach = { email: 'casey.morgan@demo.walkthrough.test', password: 'casey-morgan-coach-2026', name: 'Casey Morgan' };

describe('administration with the real server', { timeout: 900_000 }, () => {
  let server;
  let dataDir;
  let profile;
  let coachProfile;
  let context;
  let coachContext;
  let page;

  before(async () => {
    requirePrerequisites();
    dataDir = tempDir('wt-e2e-admin-data-');
    profile = tempDir('wt-e2e-admin-profile-');
    coachProfile = tempDir('wt-e2e-admin-coach-');
    server = new Server(await freePort(), dataDir);
    await server.start();
    context = await launch(profile);
    page = context.pages()[0] ?? (await context.newPage());
  });

  after(async () => {
    await closeContext(coachContext);
    await closeContext(context);
    await server?.stop();
    removeDir(coachProfile);
    removeDir(profile);
    removeDir(dataDir);
  });

  test('1: the administrator builds a small framework from the published one, previews it and publishes it', T, async () => {
    await page.goto(server.base + '/');
    await signIn(page, admin);
    await dismissOfflineReady(page);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Administration' }).click();
    await page.getByRole('heading', { name: 'Frameworks' }).waitFor();
    const before = (await server.request(admin, 'GET', '/rubrics')).body.items;
    assert.equal(before.length, 1, 'the demo district has one framework');
    const rubric = before[0];
    const published = rubric.versions.filter((v) => v.status === 'published').at(-1);
    const current = (await server.request(admin, 'GET', `/rubrics/${published.id}`)).body;

    await page.getByRole('button', { name: 'Copy into a new draft' }).click();
    await page.getByRole('heading', { name: 'New draft' }).waitFor();
    // Keep only the first dimension.
    for (const dim of current.dimensions.slice(1)) {
      await page.getByRole('button', { name: `Remove dimension ${dim.name}` }).click();
    }
    assert.equal(await page.locator('fieldset.dimension-editor').count(), 1);
    const first = current.dimensions[0];
    await page.getByRole('button', { name: `Add an indicator to ${first.name}` }).click();
    const n = first.indicators.length; // the new indicator's index
    await page.locator(`#ind-0-${n}-name`).fill('Wait time');
    assert.equal(await page.locator(`#ind-0-${n}-key`).inputValue(), 'wait_time', 'a new key follows its name');
    // The empty descriptors are flagged beside their fields, and nothing can be saved.
    const firstLevel = current.levels[0];
    const desc = page.locator(`#desc-0-${n}-${firstLevel.value}`);
    assert.equal(await desc.getAttribute('aria-invalid'), 'true');
    await page.locator(`#desc-0-${n}-${firstLevel.value}-err`).getByText('must not be empty').waitFor();
    assert.ok(await page.getByRole('button', { name: 'Publish…' }).isDisabled());
    await shot(page, 'admin-builder-errors.png');
    await accessible(page, 'admin-builder-errors');
    for (const l of current.levels) {
      await page.locator(`#desc-0-${n}-${l.value}`).fill(`At ${l.label}, the teacher waits before calling on a student.`);
    }
    await page.getByTestId('problem-count').getByText('No problems').waitFor();
    // Move the new indicator to the top with the keyboard.
    // Focus moves after the list re-renders, so each step waits for it: the
    // indicator's next button up (or, at the top, its button down) takes focus.
    for (let i = n; i > 0; i--) {
      await page.locator(`#ind-0-${i}-up`).focus();
      await page.keyboard.press('Enter');
      const next = i - 1 === 0 ? 'ind-0-0-down' : `ind-0-${i - 1}-up`;
      await page.waitForFunction((id) => document.activeElement?.id === id, next, { timeout: 5000 });
      assert.equal(await page.locator(`#ind-0-${i - 1}-name`).inputValue(), 'Wait time', 'the indicator moved up one place');
    }
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'ind-0-0-down', 'focus follows the moved indicator');

    // The preview is the scoring screen's own rendering.
    await page.getByRole('button', { name: 'Preview' }).click();
    const preview = page.locator('section.preview');
    await preview.locator('.indicator').first().waitFor();
    assert.equal(await preview.locator('.indicator').first().getAttribute('data-indicator'), 'wait_time');
    await preview.locator('.indicator[data-indicator="wait_time"] button.level').nth(1).click();
    await preview.locator('.indicator[data-indicator="wait_time"] button.level.on').waitFor();
    await shot(page, 'admin-builder-preview.png');
    await accessible(page, 'admin-builder-preview');

    await page.getByRole('button', { name: 'Publish…' }).click();
    const dialog = page.getByRole('alertdialog');
    await dialog.waitFor();
    const words = await dialog.textContent();
    assert.match(words, /New indicators \(1\): Wait time/);
    const dropped = current.dimensions.slice(1).reduce((k, d) => k + d.indicators.length, 0);
    assert.match(words, new RegExp(`No longer scored \\(${dropped}\\)`));
    assert.match(words, /observations already made keep the version they were scored on/);
    await shot(page, 'admin-publish-confirm.png');
    await accessible(page, 'admin-publish-confirm');
    await dialog.getByRole('button', { name: 'Publish for observers' }).click();
    await page.getByRole('heading', { name: 'Published' }).waitFor();

    // What observers now pull: the new version, in the order built.
    const records = await server.pullAll();
    const versions = records.filter((r) => r.entity === 'rubric_version' && r.data.rubric_id === rubric.id);
    const newest = versions.sort((a, b) => b.data.version - a.data.version)[0];
    assert.equal(newest.data.version, published.version + 1);
    assert.deepEqual(newest.data.dimensions.map((d) => d.key), [first.key]);
    assert.deepEqual(newest.data.dimensions[0].indicators.map((i) => i.key), ['wait_time', ...first.indicators.map((i) => i.key)]);
  });

  test('2: a roster with a bad row is refused with its line and reason; fixed, it imports', T, async () => {
    await page.getByRole('link', { name: 'Roster import' }).click();
    await page.getByLabel('What the file holds').selectOption('schools');
    const bad = 'external_id,name,grade_band\nRUSD-E104,Aspen Ridge Elementary,elementary\nRUSD-M203,,middle\n';
    await page.getByLabel('File', { exact: true }).setInputFiles({ name: 'schools.csv', mimeType: 'text/csv', buffer: Buffer.from(bad) });
    await page.getByRole('button', { name: 'Check the file' }).click();
    const rows = page.locator('table.bad-rows tbody tr');
    await rows.first().waitFor();
    assert.equal(await rows.count(), 1);
    const cells = await rows.first().locator('td').allTextContents();
    assert.equal(cells[1], '3', 'the bad row is on line 3');
    assert.equal(cells[2], 'name');
    assert.ok(cells[3].length > 0, 'with a reason');
    assert.equal(await page.getByRole('button', { name: 'Import', exact: true }).count(), 0, 'nothing can be imported');
    await shot(page, 'admin-roster-bad-row.png');
    await accessible(page, 'admin-roster-bad-row');

    const fixed = bad.replace('RUSD-M203,,middle', 'RUSD-M203,Birch Hill Middle School,middle');
    await page.getByLabel('File', { exact: true }).setInputFiles({ name: 'schools.csv', mimeType: 'text/csv', buffer: Buffer.from(fixed) });
    await page.getByRole('button', { name: 'Check the file' }).click();
    const counts = page.locator('table.import-counts');
    await counts.waitFor();
    const schoolsRow = await counts.locator('tbody tr').first().locator('td').allTextContents();
    assert.deepEqual(schoolsRow, ['2', '0', '0', '0'], 'two schools to be created');
    assert.equal(await page.locator('table.bad-rows').count(), 0);
    // The dry run changed nothing.
    let schools = (await server.request(admin, 'GET', '/schools')).body.items.map((s) => s.name);
    assert.ok(!schools.includes('Aspen Ridge Elementary'));
    await shot(page, 'admin-roster-dry-run.png');
    await accessible(page, 'admin-roster-dry-run');
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByText('Imported. The changes are in the audit log.').waitFor();
    schools = (await server.request(admin, 'GET', '/schools')).body.items.map((s) => s.name);
    assert.ok(schools.includes('Aspen Ridge Elementary') && schools.includes('Birch Hill Middle School'));
    const audit = (await server.request(admin, 'GET', '/audit?action=roster.import')).body.items;
    assert.ok(audit.some((e) => e.detail.mode === 'add' && e.detail.schools.created === 2), 'the import is audited');
  });

  test('3: a coach granted two schools signs in and sees exactly those schools; signed out from the admin screen, the tablet must sign in again', T, async () => {
    await page.getByRole('link', { name: 'People and access' }).click();
    await page.getByRole('button', { name: 'Add a person' }).click();
    await page.getByLabel('Name', { exact: true }).fill(newCoach.name);
    await page.getByLabel('Email').fill(newCoach.email);
    await page.getByLabel(/First password/).fill(newCoach.password);
    await page.locator('#cu-role').selectOption('coach');
    const form = page.locator('form.card');
    await form.getByLabel('Aspen Ridge Elementary').check();
    await form.getByText(`${newCoach.name} will see 1 school: Aspen Ridge Elementary.`).waitFor();
    await page.getByRole('button', { name: 'Add the person' }).click();
    const detail = page.locator('section.user-detail');
    await detail.getByText(`Now ${newCoach.name} will see 1 school: Aspen Ridge Elementary.`).waitFor();

    await detail.locator('#ud-role').selectOption('coach');
    await detail.getByLabel('Cedar Hollow Elementary').check();
    await detail.getByRole('button', { name: 'Add to the changes' }).click();
    const effect = page.getByTestId('access-effect');
    await effect.getByText('will see 2 schools: Aspen Ridge Elementary and Cedar Hollow Elementary').waitFor();
    await shot(page, 'admin-people-access.png');
    await accessible(page, 'admin-people-access');
    await effect.getByRole('button', { name: 'Save access changes' }).click();
    await detail.getByText(`Now ${newCoach.name} will see 2 schools: Aspen Ridge Elementary and Cedar Hollow Elementary.`).waitFor();

    // The coach, on a tablet of their own.
    coachContext = await launch(coachProfile);
    const tablet = coachContext.pages()[0] ?? (await coachContext.newPage());
    await tablet.goto(server.base + '/');
    await signIn(tablet, newCoach);
    await dismissOfflineReady(tablet);
    assert.equal(await tablet.getByRole('link', { name: 'Administration' }).count(), 0, 'no administration link for a coach');
    await tablet.waitForFunction(() => document.querySelector('[data-testid=last-sync]')?.textContent !== 'Synced never', null, { timeout: 30_000 });
    await tablet.getByRole('button', { name: 'Start a walkthrough' }).click();
    const school = tablet.getByLabel('School');
    await school.locator('option').nth(1).waitFor({ state: 'attached' });
    const options = await school.locator('option').allTextContents();
    assert.deepEqual(options.sort(), ['Aspen Ridge Elementary', 'Cedar Hollow Elementary']);
    await shot(tablet, 'coach-two-schools.png');
    await accessible(tablet, 'coach-two-schools');
    // The API refuses the coach the administration routes.
    assert.equal((await server.request(newCoach, 'GET', '/district')).status, 403);
    await tablet.goto(server.base + '/admin');
    await tablet.getByText('Only district administrators may use these screens.').waitFor();

    // The administrator sees the tablet and signs it out.
    await page.reload();
    await page.getByRole('button', { name: `Manage ${newCoach.name}` }).click();
    const devices = page.locator('section.user-detail ul.devices li');
    await devices.first().getByText('signed in').waitFor();
    const before = await devices.count();
    assert.ok(before >= 1);
    // Sign out each device still signed in (the API sign-ins above made some too).
    for (let i = 0; i < before; i++) {
      const b = devices.nth(i).getByRole('button', { name: 'Sign out' });
      if (await b.isEnabled()) {
        await b.click();
        await page.getByText(/^Signed out on /).waitFor();
      }
    }
    await page.waitForFunction(() => [...document.querySelectorAll('section.user-detail ul.devices li')].every((li) => li.textContent.includes('signed out')));
    await shot(page, 'admin-devices.png');
    await accessible(page, 'admin-devices');
    // The tablet syncs as it opens: its session is refused and it asks to sign in again.
    await tablet.goto(server.base + '/');
    await tablet.getByRole('heading', { name: 'Sign in' }).waitFor({ timeout: 30_000 });
  });

  test('4: district settings and the audit log, filtered and exported', T, async () => {
    await page.getByRole('link', { name: 'District settings' }).click();
    const cell = page.getByLabel('Fewest observations in a trend cell');
    await cell.fill('0');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('must be 1 to 100').waitFor();
    assert.equal(await cell.getAttribute('aria-invalid'), 'true');
    await cell.fill('8');
    await page.getByLabel(/Invite the school's principal/).uncheck();
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText(/^Saved\./).waitFor();
    await shot(page, 'admin-settings.png');
    await accessible(page, 'admin-settings');
    const me = (await server.request(admin, 'GET', '/me')).body;
    assert.equal(me.district.settings.min_cell_size, 8);
    assert.equal(me.district.settings.invite_principal_to_follow_ups, false);

    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByLabel('Action').selectOption('role.grant');
    await page.getByRole('button', { name: 'Show' }).click();
    const rows = page.locator('table.audit tbody tr');
    await page.waitForFunction(() => {
      const trs = [...document.querySelectorAll('table.audit tbody tr')];
      return trs.length > 0 && trs.every((tr) => tr.dataset.action === 'role.grant');
    });
    // Names appear once the people list has loaded.
    await rows.filter({ hasText: newCoach.name }).first().waitFor();
    const grantsToCasey = await rows.filter({ hasText: newCoach.name }).count();
    assert.equal(grantsToCasey, 2, 'two grants to the new coach');
    await shot(page, 'admin-audit.png');
    await accessible(page, 'admin-audit');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    const csv = await readFile(await download.path(), 'utf8');
    const lines = csv.trim().split('\n');
    assert.match(lines[0], /^id,at,actor_id,actor_email/);
    assert.equal(lines.length - 1, await rows.count(), 'the export holds the rows on screen');
    assert.ok(lines.slice(1).every((l) => l.includes(',role.grant,')));
  });
});
