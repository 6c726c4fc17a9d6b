// End-to-end: a coach forgot their password. They ask for a link; with no
// mail server set the message lands in the district's mailbox, where the
// administrator finds it in the app and passes the link on; the coach
// chooses a new password with it and signs in. The old password and the
// used link no longer work.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { accessible, closeContext, coach, dismissOfflineReady, freePort, launch, removeDir, requirePrerequisites, Server, shot, signIn, tempDir } from './harness.mjs';

const T = { timeout: 180_000 };
const admin = { email: 'admin@demo.walkthrough.test', password: 'walkthrough-admin' };
const newPassword = 'a new password for the coach';

describe('a forgotten password with the real server', { timeout: 600_000 }, () => {
  let server;
  let dataDir;
  let coachProfile;
  let adminProfile;
  let coachContext;
  let adminContext;
  let page;
  let adminPage;
  let link;

  before(async () => {
    requirePrerequisites();
    dataDir = tempDir('wt-e2e-reset-data-');
    coachProfile = tempDir('wt-e2e-reset-coach-');
    adminProfile = tempDir('wt-e2e-reset-admin-');
    server = new Server(await freePort(), dataDir);
    await server.start();
    coachContext = await launch(coachProfile);
    page = coachContext.pages()[0] ?? (await coachContext.newPage());
  });

  after(async () => {
    await closeContext(adminContext);
    await closeContext(coachContext);
    await server?.stop();
    removeDir(adminProfile);
    removeDir(coachProfile);
    removeDir(dataDir);
  });

  test('1: the coach asks for a link from the sign-in screen', T, async () => {
    await page.goto(server.base + '/');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByRole('link', { name: 'Get a link to choose a new one' }).click();
    await page.getByRole('heading', { name: 'Forgot password' }).waitFor();
    await accessible(page, 'forgot password');
    await page.getByLabel('Email').fill(coach.email);
    await page.getByRole('button', { name: 'Send the link' }).click();
    const sent = await page.getByTestId('reset-sent').textContent();
    assert.match(sent, /a message with a link to choose a new password is on its way/);
    await shot(page, 'forgot-password.png');
    // An address nobody has gets the same answer.
    const r = await fetch(server.base + '/api/v1/auth/forgot-password', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: 'nobody@demo.walkthrough.test' }),
    });
    assert.equal(r.status, 202);
  });

  test('2: the administrator finds the message in the mailbox', T, async () => {
    adminContext = await launch(adminProfile);
    adminPage = adminContext.pages()[0] ?? (await adminContext.newPage());
    await adminPage.goto(server.base + '/');
    await signIn(adminPage, admin);
    await dismissOfflineReady(adminPage);
    await adminPage.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Administration' }).click();
    await adminPage.getByRole('navigation', { name: 'Administration' }).getByRole('link', { name: 'Mailbox' }).click();
    await adminPage.getByRole('heading', { name: 'Mailbox' }).waitFor();
    const row = adminPage.getByRole('row').filter({ hasText: coach.email });
    const deadline = Date.now() + 30_000;
    while ((await row.count()) === 0) {
      assert.ok(Date.now() < deadline, 'the reset message never reached the mailbox');
      await adminPage.waitForTimeout(500);
      await adminPage.getByRole('button', { name: 'Check for new messages' }).click();
    }
    assert.equal(await adminPage.getByRole('row').filter({ hasText: 'nobody@demo.walkthrough.test' }).count(), 0, 'an address nobody has got a message');
    await row.getByRole('button', { name: 'Reset your Walkthrough password' }).click();
    const message = adminPage.getByRole('article');
    await message.getByRole('heading', { name: 'Reset your Walkthrough password' }).waitFor();
    link = await message.getByRole('link').first().getAttribute('href');
    assert.match(link, /\/reset-password#token=wtp_/);
    await accessible(adminPage, 'mailbox');
    await shot(adminPage, 'mailbox.png');
    // The mailbox API answers the same message to the district's administrator.
    const list = await server.request(admin, 'GET', '/mailbox');
    assert.equal(list.status, 200);
    const mine = list.body.items.filter((m) => m.to === coach.email && m.kind === 'password_reset');
    assert.equal(mine.length, 1, 'one reset message for the coach');
    const one = await server.request(admin, 'GET', `/mailbox/${mine[0].id}`);
    assert.ok(one.body.body.includes(link.replace(/^https?:\/\/[^/]+/, '')), 'the message holds the link the screen shows');
  });

  test('3: the coach chooses a new password with the link, once', T, async () => {
    const url = new URL(link);
    await page.goto(server.base + url.pathname + url.hash);
    await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    await accessible(page, 'choose a new password');
    await page.getByLabel('New password', { exact: true }).fill(newPassword);
    await page.getByLabel('New password again').fill(newPassword + ' typo');
    await page.getByRole('button', { name: 'Save the new password' }).click();
    await page.getByRole('alert').getByText('The two passwords are not the same.').waitFor();
    await page.getByLabel('New password again').fill(newPassword);
    await page.getByRole('button', { name: 'Save the new password' }).click();
    await page.getByTestId('reset-done').waitFor();
    await shot(page, 'choose-new-password.png');

    // The same link again is refused.
    await page.goto('about:blank');
    await page.goto(server.base + url.pathname + url.hash);
    await page.getByLabel('New password', { exact: true }).fill('yet another password here');
    await page.getByLabel('New password again').fill('yet another password here');
    await page.getByRole('button', { name: 'Save the new password' }).click();
    const refused = await page.getByRole('alert').textContent();
    assert.match(refused, /invalid, used or expired/);
  });

  test('4: the new password signs in; the old one no longer does', T, async () => {
    const old = await fetch(server.base + '/api/v1/auth/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: coach.email, password: coach.password }),
    });
    assert.equal(old.status, 401, 'the old password still signs in');
    await page.goto(server.base + '/');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await signIn(page, { email: coach.email, password: newPassword });
  });
});
