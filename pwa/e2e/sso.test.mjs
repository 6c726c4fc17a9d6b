// End-to-end: single sign-on against a real OpenID provider run inside the
// test (oidc-provider.mjs, on 127.0.0.1). The administrator connects it in
// the Sign-in screen and turns passwords off; a coach then signs in with the
// district's button, lands in the app and keeps working with the server
// gone; an address with no account, or one the provider does not vouch
// for, gets a clear page. The tests run in
// order and share one server.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { accessible, closeContext, coach, dismissOfflineReady, freePort, launch, removeDir, requirePrerequisites, Server, shot, signIn, tempDir } from './harness.mjs';
import { OIDCProvider } from './oidc-provider.mjs';

const T = { timeout: 180_000 };
const admin = { email: 'admin@demo.walkthrough.test', password: 'walkthrough-admin' };

describe('single sign-on with a real OpenID provider', { timeout: 900_000 }, () => {
  let server;
  let provider;
  let dataDir;
  let adminProfile;
  let coachProfile;
  let adminContext;
  let coachContext;

  before(async () => {
    requirePrerequisites();
    provider = new OIDCProvider();
    await provider.start();
    dataDir = tempDir('wt-e2e-sso-data-');
    adminProfile = tempDir('wt-e2e-sso-admin-');
    coachProfile = tempDir('wt-e2e-sso-coach-');
    // The provider sends the browser back to the server's public URL.
    const port = await freePort();
    server = new Server(port, dataDir, { WALKTHROUGH_BASE_URL: `http://127.0.0.1:${port}` });
    await server.start();
  });

  after(async () => {
    await closeContext(coachContext);
    await closeContext(adminContext);
    await server?.stop();
    await provider?.stop();
    removeDir(coachProfile);
    removeDir(adminProfile);
    removeDir(dataDir);
  });

  test('1: the administrator connects the provider, its secret never shown back, and turns passwords off', T, async () => {
    adminContext = await launch(adminProfile);
    const page = adminContext.pages()[0] ?? (await adminContext.newPage());
    await page.goto(server.base + '/');
    await signIn(page, admin);
    await dismissOfflineReady(page);
    await page.goto(server.base + '/admin/sign-in');
    await page.getByRole('heading', { name: 'Sign-in' }).waitFor();
    await page.getByText('Single sign-on is not set up').waitFor();

    // A wrong issuer is refused by the field, and nothing is connected.
    await page.getByLabel('Provider').selectOption('google');
    await page.getByLabel('Issuer URL').fill('http://127.0.0.1:1/nothing-here');
    await page.getByLabel('Client ID').fill(provider.clientId);
    await page.getByLabel('Client secret').fill(provider.clientSecret);
    await page.getByLabel('Allowed e-mail domains').fill('demo.walkthrough.test');
    await page.getByRole('button', { name: 'Check and connect' }).click();
    await page.getByRole('alertdialog', { name: 'Connect Google?' }).waitFor();
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    await page.locator('#err-issuer').getByText('has no OpenID discovery document').waitFor();
    assert.equal((await server.request(admin, 'GET', '/district/identity-provider')).body.connected, false);

    await page.getByLabel('Issuer URL').fill(provider.issuer);
    await page.getByRole('button', { name: 'Check and connect' }).click();
    const confirm = page.getByRole('alertdialog', { name: 'Connect Google?' });
    await confirm.getByText('Passwords keep working for everyone.').waitFor();
    await accessible(page, 'connect confirmation');
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    await page.getByRole('status').getByText('“Sign in with Google” to addresses at demo.walkthrough.test').waitFor();

    // The secret is write-only: neither the screen nor the API answers it.
    await page.reload();
    await page.getByText('A secret is saved and never shown.').waitFor();
    assert.equal(await page.getByLabel('Client secret').inputValue(), '');
    const read = await server.request(admin, 'GET', '/district/identity-provider');
    assert.equal(read.body.client_secret_set, true);
    assert.ok(!JSON.stringify(read.body).includes(provider.clientSecret), 'the secret is never answered');

    await page.getByLabel('Turn passwords off').check();
    await page.getByRole('button', { name: 'Save' }).click();
    await page
      .getByRole('alertdialog', { name: 'Turn passwords off?' })
      .getByText('Coaches, principals, supervisors and teachers can no longer sign in with a password. District administrators still can.')
      .waitFor();
    await accessible(page, 'passwords off confirmation');
    await page.getByRole('button', { name: 'Turn passwords off' }).click();
    await page.getByRole('status').getByText('Passwords are off for everyone but district administrators.').waitFor();
    await accessible(page, 'sign-in settings');
    await shot(page, 'sso-settings.png');
    // The administrator keeps a password, so the district can always get back in.
    assert.equal(typeof (await server.token(admin)), 'string');
  });

  test('2: a coach is refused a password, an unknown or unverified address gets a clear page, then the coach signs in with Google', T, async () => {
    coachContext = await launch(coachProfile);
    const page = coachContext.pages()[0] ?? (await coachContext.newPage());
    await page.goto(server.base + '/');
    await page.getByLabel('Email').fill(coach.email);
    const button = page.getByRole('button', { name: 'Sign in with Google' });
    await button.waitFor();
    await page.getByText('Your district signs in with Google. Only district administrators use a password.').waitFor();
    await accessible(page, 'sign-in with the district button');
    await dismissOfflineReady(page);
    await shot(page, 'sso-sign-in.png');

    // Passwords are off for coaches: the screen says what to do instead.
    await page.getByLabel('Password').fill(coach.password);
    await page.getByRole('button', { name: 'Sign in with a password' }).click();
    await page.getByRole('alert').getByText('use the “Sign in with Google” button').waitFor();

    // Someone the district has no account for is turned away by a page of the app.
    await button.click();
    await page.getByRole('heading', { name: 'Test identity provider' }).waitFor();
    await page.getByLabel('Signed in as').fill('nobody@demo.walkthrough.test');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'You are not signed in' }).waitFor();
    await page.getByTestId('sso-refused').getByText('There is no Walkthrough account for that e-mail address.').waitFor();
    assert.equal(new URL(page.url()).pathname, '/sso');
    await accessible(page, 'single sign-on refused');
    await shot(page, 'sso-refused.png');

    // An address the provider does not vouch for is turned away too, though it is the coach's.
    await page.getByRole('link', { name: 'Back to sign in' }).click();
    await page.getByLabel('Email').fill(coach.email);
    await page.getByRole('button', { name: 'Sign in with Google' }).click();
    await page.getByLabel('Signed in as').fill(coach.email);
    await page.getByLabel('The address is verified').uncheck();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByTestId('sso-refused').getByText('does not confirm that this e-mail address is yours').waitFor();

    // The coach signs in with the district's account and lands in the app.
    await page.getByRole('link', { name: 'Back to sign in' }).click();
    await page.getByLabel('Email').fill(coach.email);
    await page.getByRole('button', { name: 'Sign in with Google' }).click();
    await page.getByLabel('Signed in as').fill(coach.email);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.locator('main[data-home]').waitFor();
    await page.getByRole('heading', { name: 'Today' }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/', 'the one-time code leaves the address bar');
    await page.waitForFunction(() => document.querySelector('[data-testid=last-sync]')?.textContent !== 'Synced never', null, { timeout: 30_000 });
    await dismissOfflineReady(page);
  });

  test('3: with the server gone, the coach signed in by single sign-on keeps working', T, async () => {
    const page = coachContext.pages()[0];
    await server.stop();
    await page.reload();
    await page.getByRole('heading', { name: 'Today' }).waitFor();
    await page.getByRole('button', { name: 'Start a walkthrough' }).click();
    const team = page.getByRole('group', { name: 'Team' }).getByRole('checkbox');
    await team.first().waitFor({ timeout: 10_000 });
    await page.getByRole('button', { name: 'Start and pick a classroom' }).click();
    await page.getByRole('heading', { name: 'Pick a teacher' }).waitFor();
    await page.locator('button.card.pick').first().click();
    await page.waitForURL(/\/observe\/[0-9a-f-]{36}$/);
    await page.locator('.indicator').first().waitFor();
    await page.locator('.indicator').first().locator('button.level[data-level="3"]').click();
    await page.locator('.indicator').first().locator('button.level.on').waitFor();
    // Back online, what was scored offline reaches the server with the session single sign-on opened.
    await server.start();
    await page.waitForFunction(() => document.querySelector('[data-testid=pending-count]')?.textContent === '0 pending', null, { timeout: 60_000 });
  });
});
