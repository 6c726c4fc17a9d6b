// End-to-end: a district administrator imports teacher files from the
// browser. The default import adds and updates and deactivates no one; a
// full roster names everyone it would deactivate and asks twice when that
// is more than a fifth of the teachers; the import is undone from its
// audit entry. The real binary with its demo district, Debian's Chromium.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { accessible, closeContext, dismissOfflineReady, freePort, launch, removeDir, requirePrerequisites, Server, shot, signIn, tempDir } from './harness.mjs';

const T = { timeout: 180_000 };
const admin = { email: 'admin@demo.walkthrough.test', password: 'walkthrough-admin' };

describe('roster imports that say whom they remove', { timeout: 900_000 }, () => {
  let server;
  let dataDir;
  let profile;
  let context;
  let page;
  let teachers; // the demo district's teachers, as the API lists them
  let threeRows; // a teachers file of three new teachers

  const active = async () => (await server.request(admin, 'GET', '/teachers?limit=500')).body.items.filter((t) => t.active);

  before(async () => {
    requirePrerequisites();
    dataDir = tempDir('wt-e2e-roster-data-');
    profile = tempDir('wt-e2e-roster-profile-');
    server = new Server(await freePort(), dataDir);
    await server.start();
    context = await launch(profile);
    page = context.pages()[0] ?? (await context.newPage());
    teachers = await active();
    // Three teachers new to Cedar Hollow Elementary, as a school's office
    // might send them.
    threeRows = [
      'external_id,school_external_id,given_name,family_name,email,grades,subjects',
      'T-2001,RUSD-E101,Nora,Quinlan,,K,General',
      'T-2002,RUSD-E101,Omar,Pereira,,1,General',
      'T-2003,RUSD-E101,Lena,Whitfield,,2,General',
      '',
    ].join('\n');
  });

  after(async () => {
    await closeContext(context);
    await server?.stop();
    removeDir(profile);
    removeDir(dataDir);
  });

  const check = async (mode) => {
    await page.getByLabel('What the file holds').selectOption('teachers');
    await page.getByRole('radio', { name: new RegExp(mode) }).check();
    await page.getByLabel('File', { exact: true }).setInputFiles({ name: 'teachers.csv', mimeType: 'text/csv', buffer: Buffer.from(threeRows) });
    await page.getByRole('button', { name: 'Check the file' }).click();
    await page.locator('table.import-counts').waitFor();
  };
  const teacherCounts = async () => page.locator('table.import-counts tbody tr').nth(1).locator('td').allTextContents();

  test('1: the default import of a three-row teachers file deactivates no one', T, async () => {
    assert.equal(teachers.length, 60, 'the demo district has 60 active teachers');
    await page.goto(server.base + '/');
    await signIn(page, admin);
    await dismissOfflineReady(page);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Administration' }).click();
    await page.getByRole('link', { name: 'Roster import' }).click();
    assert.ok(await page.getByRole('radio', { name: /Add and update only/ }).isChecked(), 'add and update only is the default');
    await check('Add and update only');
    assert.deepEqual(await teacherCounts(), ['3', '0', '0', '0'], 'three created, none deactivated');
    assert.equal(await page.locator('.deactivations').count(), 0, 'nobody is listed for deactivation');
    await shot(page, 'admin-roster-add-only.png');
    await accessible(page, 'admin-roster-add-only');
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByText('Imported. The changes are in the audit log.').waitFor();
    const now = await active();
    assert.equal(now.length, 63, 'every teacher is still active, and the three are added');
    teachers = now;
  });

  test('2: a full roster of three rows names the sixty it would deactivate and asks twice', T, async () => {
    await check('Full roster');
    assert.deepEqual(await teacherCounts(), ['0', '0', '60', '3']);
    const names = page.locator('.deactivations li');
    assert.equal(await names.count(), 60, 'the dry run names all sixty');
    const listed = await names.allTextContents();
    for (const t of teachers.filter((x) => !['T-2001', 'T-2002', 'T-2003'].includes(x.external_id))) {
      assert.ok(
        listed.some((l) => l.startsWith(`${t.given_name} ${t.family_name}`)),
        `${t.given_name} ${t.family_name} is named`,
      );
    }
    await shot(page, 'admin-roster-full-dry-run.png');
    await accessible(page, 'admin-roster-full-dry-run');
    assert.equal((await active()).length, 63, 'the dry run changed nothing');

    await page.getByRole('button', { name: 'Import', exact: true }).click();
    const dialog = page.getByRole('alertdialog');
    await dialog.getByRole('heading', { name: 'Deactivate 60 teachers?' }).waitFor();
    assert.equal(await dialog.locator('.deactivations li').count(), 60, 'the confirmation repeats the names');
    await shot(page, 'admin-roster-full-confirm.png');
    await accessible(page, 'admin-roster-full-confirm');
    await dialog.getByRole('button', { name: 'Deactivate 60 and import' }).click();
    await dialog.getByRole('heading', { name: /Are you sure\? This deactivates 95% of the active teachers/ }).waitFor();
    assert.equal((await active()).length, 63, 'nothing is imported before the second answer');
    await shot(page, 'admin-roster-full-second-ask.png');
    await accessible(page, 'admin-roster-full-second-ask');
    await dialog.getByRole('button', { name: 'Yes, deactivate 60 of 63' }).click();
    await page.getByText('Imported. The changes are in the audit log.').waitFor();
    assert.equal((await active()).length, 3, 'the sixty are deactivated');
    assert.equal((await server.request(admin, 'GET', '/teachers?limit=500')).body.items.length, 63, 'and not deleted');
    await shot(page, 'admin-roster-full-imported.png');
    await accessible(page, 'admin-roster-full-imported');
  });

  test('3: the import is undone from its audit entry and the roster is restored', T, async () => {
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByLabel('Action').selectOption('roster.import');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForFunction(() => {
      const trs = [...document.querySelectorAll('table.audit tbody tr')];
      return trs.length === 2 && trs.every((tr) => tr.dataset.action === 'roster.import');
    });
    // Newest first: the full roster.
    const row = page.locator('table.audit tbody tr').first();
    await row.getByRole('button', { name: 'Undo this import' }).click();
    await shot(page, 'admin-roster-undo-ask.png');
    await accessible(page, 'admin-roster-undo-ask');
    await row.getByRole('button', { name: 'Yes, undo the import' }).click();
    await row.getByText('Undone: 60 reactivated, 0 deactivated, 0 changed back.').waitFor();
    await shot(page, 'admin-roster-undone.png');
    await accessible(page, 'admin-roster-undone');
    const now = await active();
    assert.equal(now.length, 63, 'all 63 teachers are active again');
    assert.deepEqual(now.map((t) => t.id).sort(), teachers.map((t) => t.id).sort());
    // Undone once: a second undo, from the log shown again, is refused.
    await page.getByRole('button', { name: 'Show' }).click();
    await row.getByRole('button', { name: 'Undo this import' }).waitFor();
    await row.getByRole('button', { name: 'Undo this import' }).click();
    await row.getByRole('button', { name: 'Yes, undo the import' }).click();
    await row.getByText('this import was already undone').waitFor();
  });

  test('4: the district settings state how long an import can be undone; the time zone is picked from real zones', T, async () => {
    await page.getByRole('link', { name: 'District settings' }).click();
    const zone = page.getByLabel('Time zone');
    await zone.waitFor();
    const before = (await server.request(admin, 'GET', '/district')).body;
    assert.equal(await zone.inputValue(), before.time_zone, 'the picker shows the district zone');
    const options = await zone.locator('option').evaluateAll((os) => os.map((o) => o.value));
    assert.ok(options.length > 300 && options.includes('America/Chicago') && options.includes('Europe/Berlin'), 'real IANA zones to pick from');
    const undo = page.getByLabel('Days a roster import can be undone');
    assert.equal(await undo.inputValue(), '14');
    await undo.fill('0');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('must be 1 to 365').waitFor();
    await undo.fill('30');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText(/^Saved\./).waitFor();
    await shot(page, 'admin-settings-undo-window.png');
    await accessible(page, 'admin-settings-undo-window');
    assert.equal((await server.request(admin, 'GET', '/district')).body.settings.import_undo_days, 30);
  });
});
