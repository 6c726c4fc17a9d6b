// End-to-end: a coach chooses which reminders come by e-mail, and the
// unsubscribe page a reminder links to asks before stopping anything.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { accessible, closeContext, coach, dismissOfflineReady, freePort, launch, removeDir, requirePrerequisites, screenshots, Server, shot, signIn, tempDir } from './harness.mjs';

const T = { timeout: 180_000 };
const admin = { email: 'admin@demo.walkthrough.test', password: 'walkthrough-admin' };

describe('messages with the real server', { timeout: 600_000 }, () => {
  let server;
  let dataDir;
  let profile;
  let context;
  let page;
  let adminProfile;
  let adminContext;

  before(async () => {
    requirePrerequisites();
    dataDir = tempDir('wt-e2e-messages-data-');
    profile = tempDir('wt-e2e-messages-profile-');
    server = new Server(await freePort(), dataDir);
    await server.start();
    context = await launch(profile);
    page = context.pages()[0] ?? (await context.newPage());
  });

  after(async () => {
    await closeContext(adminContext);
    await closeContext(context);
    await server?.stop();
    removeDir(adminProfile);
    removeDir(profile);
    removeDir(dataDir);
  });

  test('1: the coach turns a reminder off under Messages, and it stays off', T, async () => {
    await page.goto(server.base + '/');
    await signIn(page, coach);
    await dismissOfflineReady(page);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Messages' }).click();
    await page.getByRole('heading', { name: 'Messages' }).waitFor();
    const due = page.getByRole('checkbox', { name: /A next step of yours falls due/ });
    assert.equal(await due.isChecked(), true, 'every reminder is on at first');
    await due.uncheck();
    await page.getByRole('status').getByText('Saved.').waitFor();
    await accessible(page, 'messages');
    await shot(page, 'messages.png');
    await page.reload();
    await page.getByRole('heading', { name: 'Messages' }).waitFor();
    await page.getByRole('checkbox', { name: /A next step of yours is overdue/ }).waitFor();
    assert.equal(await page.getByRole('checkbox', { name: /A next step of yours falls due/ }).isChecked(), false, 'the choice was not kept');
    const prefs = await server.request(coach, 'GET', '/me/message-preferences');
    assert.equal(prefs.body.messages.find((m) => m.kind === 'next_step_due').on, false);
  });

  test('2: the unsubscribe page asks first, and refuses a link that is not one of ours', T, async () => {
    // The address in a message's List-Unsubscribe header, opened in a browser, lands on the page.
    await page.goto(server.base + '/api/v1/unsubscribe?token=not-a-real-link');
    await page.getByRole('heading', { name: 'Stop these messages' }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/unsubscribe');
    await accessible(page, 'unsubscribe');
    await shot(page, 'unsubscribe.png');
    await page.getByRole('button', { name: 'Stop these messages' }).click();
    await page.getByRole('alert').getByText('This link is not valid.', { exact: false }).waitFor();
  });

  test('3: the administrator chooses the district’s school days', T, async () => {
    adminProfile = tempDir('wt-e2e-messages-admin-');
    adminContext = await launch(adminProfile);
    const a = adminContext.pages()[0] ?? (await adminContext.newPage());
    await a.goto(server.base + '/');
    await signIn(a, admin);
    await dismissOfflineReady(a);
    await a.goto(server.base + '/admin/settings');
    const days = a.getByRole('group', { name: 'School days' });
    await days.waitFor();
    assert.equal(await days.getByRole('checkbox', { name: 'Friday' }).isChecked(), true, 'Monday to Friday at first');
    assert.equal(await days.getByRole('checkbox', { name: 'Saturday' }).isChecked(), false);
    // None at all is refused, beside the days.
    for (const d of ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday']) await days.getByRole('checkbox', { name: d }).uncheck();
    await a.getByRole('button', { name: 'Save settings' }).click();
    await days.getByText('must name at least one day').waitFor();
    for (const d of ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday']) await days.getByRole('checkbox', { name: d }).check();
    await a.getByRole('button', { name: 'Save settings' }).click();
    await a.getByText('Saved. Everyone gets the new settings').waitFor();
    await accessible(a, 'district settings');
    await days.screenshot({ path: join(screenshots, 'school-days.png') });
    const d = await server.request(admin, 'GET', '/district');
    assert.equal(d.body.settings.school_days, '01234');
  });
});

