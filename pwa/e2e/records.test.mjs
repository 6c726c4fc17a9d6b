// End-to-end: a district administrator adds and changes one school and one
// teacher without a file, and a change made on a stale screen is refused
// rather than written over. The real binary with its demo district,
// Debian's Chromium.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { accessible, closeContext, dismissOfflineReady, freePort, launch, removeDir, requirePrerequisites, Server, shot, signIn, tempDir } from './harness.mjs';

const T = { timeout: 180_000 };
const admin = { email: 'admin@demo.walkthrough.test', password: 'walkthrough-admin' };

describe('single-record screens', { timeout: 600_000 }, () => {
  let server;
  let dataDir;
  let profile;
  let context;
  let page;

  const schools = async () => (await server.request(admin, 'GET', '/schools?limit=500')).body.items;

  before(async () => {
    requirePrerequisites();
    dataDir = tempDir('wt-e2e-records-data-');
    profile = tempDir('wt-e2e-records-profile-');
    server = new Server(await freePort(), dataDir);
    await server.start();
    context = await launch(profile);
    page = context.pages()[0] ?? (await context.newPage());
  });

  after(async () => {
    await closeContext(context);
    await server?.stop();
    removeDir(profile);
    removeDir(dataDir);
  });

  test('1: one school is added and renamed without a file', T, async () => {
    await page.goto(server.base + '/');
    await signIn(page, admin);
    await dismissOfflineReady(page);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Administration' }).click();
    await page.getByRole('link', { name: 'Schools and teachers' }).click();
    await page.getByRole('button', { name: 'Add a school' }).click();
    const add = page.getByRole('form', { name: 'Add a school' });
    await add.getByLabel('School name').fill('Juniper Elementary');
    await add.getByLabel('Grade band').fill('elementary');
    await shot(page, 'admin-records-add-school.png');
    await accessible(page, 'admin-records-add-school');
    await add.getByRole('button', { name: 'Add school' }).click();
    await page.getByText('Juniper Elementary is added.').waitFor();
    const juniper = (await schools()).find((s) => s.name === 'Juniper Elementary');
    assert.ok(juniper, 'the school is on the server');
    assert.equal(juniper.grade_band, 'elementary');

    await page.getByRole('button', { name: 'Edit Juniper Elementary' }).click();
    const edit = page.getByRole('form', { name: 'Edit Juniper Elementary' });
    await edit.getByLabel('School name').fill('Juniper Hill Elementary');
    // Meanwhile someone else changes the school: this screen's revision is stale.
    const other = await server.request(admin, 'PATCH', `/schools/${juniper.id}`, { external_id: 'RUSD-E104', rev: juniper.rev });
    assert.equal(other.status, 200);
    await edit.getByRole('button', { name: 'Save school' }).click();
    await edit.getByText(/Someone else changed this since it was loaded, so nothing was saved/).waitFor();
    await shot(page, 'admin-records-stale.png');
    await accessible(page, 'admin-records-stale');
    assert.equal((await schools()).find((s) => s.id === juniper.id).name, 'Juniper Elementary', 'the stale edit wrote nothing');
    await edit.getByRole('button', { name: 'Cancel' }).click();
  });

  test('2: one teacher is added to the new school and their grades changed', T, async () => {
    await page.reload();
    await page.getByRole('button', { name: 'Edit Juniper Elementary' }).click();
    const edit = page.getByRole('form', { name: 'Edit Juniper Elementary' });
    await edit.getByLabel('School name').fill('Juniper Hill Elementary');
    await edit.getByRole('button', { name: 'Save school' }).click();
    await page.getByText('Juniper Hill Elementary is saved.').waitFor();
    const juniper = (await schools()).find((s) => s.name === 'Juniper Hill Elementary');
    assert.equal(juniper.external_id, 'RUSD-E104', 'the other change stays');

    await page.getByLabel('Teachers of').selectOption({ label: 'Juniper Hill Elementary' });
    await page.getByText('No teachers at this school yet.').waitFor();
    await page.getByRole('button', { name: 'Add a teacher' }).click();
    const add = page.getByRole('form', { name: 'Add a teacher' });
    await add.getByLabel('Grades (commas between)').fill('1, 2');
    await add.getByLabel('Subjects (commas between)').fill('ELA');
    await add.getByRole('button', { name: 'Add teacher' }).click();
    await add.getByText('a teacher needs a name').waitFor();
    assert.equal(await add.getByLabel('Family name').getAttribute('aria-invalid'), 'true');
    await shot(page, 'admin-records-teacher-error.png');
    await accessible(page, 'admin-records-teacher-error');
    await add.getByLabel('Family name').fill('Okafor');
    await add.getByLabel('Given name').fill('Ada');
    await add.getByRole('button', { name: 'Add teacher' }).click();
    await page.getByText('Ada Okafor is added.').waitFor();

    await page.getByRole('button', { name: 'Edit Ada Okafor' }).click();
    const edit2 = page.getByRole('form', { name: 'Edit Ada Okafor' });
    await edit2.getByLabel('Grades (commas between)').fill('2');
    await edit2.getByRole('button', { name: 'Save teacher' }).click();
    await page.getByText('Ada Okafor is saved.').waitFor();
    await shot(page, 'admin-records-teacher-saved.png');
    await accessible(page, 'admin-records-teacher-saved');
    const t = (await server.request(admin, 'GET', `/teachers?school_id=${juniper.id}`)).body.items;
    assert.deepEqual(t.map((x) => [x.given_name, x.family_name, x.grades, x.subjects, x.active]), [['Ada', 'Okafor', ['2'], ['ELA'], true]]);
    const audit = (await server.request(admin, 'GET', '/audit?limit=50')).body.items.map((e) => e.action);
    for (const a of ['school.create', 'school.update', 'teacher.create', 'teacher.update']) assert.ok(audit.includes(a), `${a} is audited`);
  });
});
