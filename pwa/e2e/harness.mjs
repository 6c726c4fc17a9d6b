// The end-to-end harness: the real binary (built by `make build`, never by
// this file), Debian's Chromium through playwright-core, and a small proxy
// that can pretend a new version of the app was deployed.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createRequire } from 'node:module';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const binary = join(repoRoot, 'bin', 'walkthrough');
export const screenshots = join(repoRoot, 'docs', 'screenshots');
export const chromiumPath = process.env.WALKTHROUGH_TEST_CHROMIUM || '/usr/bin/chromium';

export const coach = { email: 'coach@demo.walkthrough.test', password: 'walkthrough-coach' };

export function tempDir(prefix) {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function freePort() {
  return new Promise((res, rej) => {
    const s = net.createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

/** Fails (never skips) when the binary or the browser is missing. */
export function requirePrerequisites() {
  if (!existsSync(binary)) throw new Error(`${binary} is missing: run make build first`);
  if (!existsSync(chromiumPath)) throw new Error(`Chromium is missing at ${chromiumPath}: install it or set WALKTHROUGH_TEST_CHROMIUM`);
}

/** The Walkthrough binary on a fixed port and data directory; stop and start it again at will. */
export class Server {
  /** env: more of the server's settings, such as WALKTHROUGH_BASE_URL. */
  constructor(port, dataDir, env = {}) {
    this.port = port;
    this.dataDir = dataDir;
    this.env = env;
    this.base = `http://127.0.0.1:${port}`;
    this.proc = undefined;
    this.log = '';
  }

  async start(timeoutMs = 60_000) {
    if (this.proc) return;
    const proc = spawn(binary, ['serve'], {
      env: { ...process.env, WALKTHROUGH_ADDR: `127.0.0.1:${this.port}`, WALKTHROUGH_DATA_DIR: this.dataDir, WALKTHROUGH_LOG_LEVEL: 'warn', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.proc = proc;
    const keep = (b) => {
      this.log = (this.log + b.toString()).slice(-20_000);
    };
    proc.stdout.on('data', keep);
    proc.stderr.on('data', keep);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (proc.exitCode !== null) throw new Error(`the server exited (${proc.exitCode}):\n${this.log}`);
      try {
        const r = await fetch(`${this.base}/healthz`, { signal: AbortSignal.timeout(1000) });
        if (r.ok) return;
      } catch {
        // not up yet
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`the server did not come up in ${timeoutMs} ms:\n${this.log}`);
  }

  async stop() {
    const proc = this.proc;
    if (!proc) return;
    this.proc = undefined;
    if (proc.exitCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }

  /** Signs in through the API and returns a bearer token. */
  async token(who = coach) {
    const r = await fetch(`${this.base}/api/v1/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(who) });
    if (!r.ok) throw new Error(`login: HTTP ${r.status}`);
    return (await r.json()).access_token;
  }

  /** One API request as who (email and password): its status and its body, parsed when JSON. */
  async request(who, method, path, body) {
    const token = await this.token({ email: who.email, password: who.password });
    const r = await fetch(this.base + '/api/v1' + path, {
      method,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    return { status: r.status, body: text.startsWith('{') || text.startsWith('[') ? JSON.parse(text) : text };
  }

  /** Every record the caller may see, as GET /sync/pull hands them out (all pages). */
  async pullAll(who = coach) {
    const token = await this.token(who);
    const out = [];
    let cursor = '';
    for (;;) {
      const r = await fetch(`${this.base}/api/v1/sync/pull?cursor=${encodeURIComponent(cursor)}&limit=2000`, { headers: { Authorization: `Bearer ${token}` } });
      if (!r.ok) throw new Error(`pull: HTTP ${r.status}`);
      const body = await r.json();
      out.push(...body.changes);
      cursor = body.cursor;
      if (!body.more) return out;
    }
  }
}

/**
 * A proxy in front of a Server. When `deployed` is set it serves a changed
 * sw.js, as a new deployment of the app would; when the server is down the
 * connection is dropped, as an unreachable server does.
 */
export class DeployProxy {
  constructor(target) {
    this.target = target;
    this.deployed = false;
    this.server = http.createServer((req, res) => this.#handle(req, res));
  }

  async listen() {
    const port = await freePort();
    await new Promise((r) => this.server.listen(port, '127.0.0.1', r));
    this.base = `http://127.0.0.1:${port}`;
    return this.base;
  }

  #handle(req, res) {
    const headers = { ...req.headers };
    if (this.deployed && req.url.split('?')[0] === '/sw.js') {
      // The new sw.js differs from what the browser holds: never answer 304.
      // It is asked for uncompressed, since a line is added to it below.
      delete headers['if-none-match'];
      delete headers['if-modified-since'];
      delete headers['accept-encoding'];
    }
    const up = http.request(
      { host: '127.0.0.1', port: this.target.port, method: req.method, path: req.url, headers },
      (upRes) => {
        if (this.deployed && req.url.split('?')[0] === '/sw.js' && upRes.statusCode === 200) {
          const chunks = [];
          upRes.on('data', (c) => chunks.push(c));
          upRes.on('end', () => {
            const body = Buffer.concat([Buffer.concat(chunks), Buffer.from('\n// deployed: a new version\n')]);
            const headers = { ...upRes.headers, 'content-length': String(body.length) };
            delete headers.etag;
            delete headers['last-modified'];
            res.writeHead(200, headers);
            res.end(body);
          });
          return;
        }
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      },
    );
    up.on('error', () => req.socket.destroy());
    req.pipe(up);
  }

  close() {
    return new Promise((r) => {
      this.server.closeAllConnections?.();
      this.server.close(() => r());
    });
  }
}

export const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A tablet-sized browser with a profile that survives a restart; options such as timezoneId go to Playwright. */
export async function launch(profileDir, options = {}) {
  const context = await chromium.launchPersistentContext(profileDir, {
    ...options,
    executablePath: chromiumPath,
    headless: true,
    args: chromiumArgs,
    viewport: { width: 1024, height: 1366 },
    deviceScaleFactor: 1,
    hasTouch: true,
    timeout: 30_000,
  });
  context.setDefaultTimeout(15_000);
  context.setDefaultNavigationTimeout(20_000);
  return context;
}

/** Closes a context safely: about:blank first, so no page sends anything as it dies. */
export async function closeContext(context) {
  if (!context) return;
  try {
    for (const p of context.pages()) await p.goto('about:blank', { timeout: 5_000 }).catch(() => undefined);
  } finally {
    await context.close().catch(() => undefined);
  }
}

export function shot(page, name) {
  mkdirSync(screenshots, { recursive: true });
  return page.screenshot({ path: join(screenshots, name), fullPage: false });
}

// axe-core, evaluated through the browser's debugging protocol, which the
// page's Content-Security-Policy (scripts from 'self' only) does not govern.
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Runs axe-core on the page as it stands; fails on any serious or critical violation. */
export async function accessible(page, screen) {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
  });
  assert.deepEqual(violations, [], `${screen}: ${violations.join('; ')}`);
}

export function removeDir(dir) {
  if (dir) rmSync(dir, { recursive: true, force: true });
}

// The helpers below change the app's IndexedDB with the raw API (no app
// code), as a test of what the app does with what it finds there.

/** Breaks both tokens of the stored session: the next request gets 401 and so does the refresh. */
export function corruptSession(page) {
  return page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open('walkthrough');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const tx = db.transaction('meta', 'readwrite');
          const store = tx.objectStore('meta');
          const get = store.get('session');
          get.onsuccess = () => {
            const row = get.result;
            row.value.access_token = 'expired.access.token';
            row.value.refresh_token = 'wtr_expired-refresh-token';
            store.put(row);
          };
          tx.oncomplete = () => {
            db.close();
            resolve();
          };
          tx.onerror = () => reject(tx.error);
        };
      }),
  );
}

/** Adds a level the server's rubric does not have to the device's copy (a stale or tampered rubric). */
export function addRubricLevel(page, value, label) {
  return page.evaluate(
    ({ value, label }) =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open('walkthrough');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const tx = db.transaction('rubricVersions', 'readwrite');
          const store = tx.objectStore('rubricVersions');
          const all = store.getAll();
          all.onsuccess = () => {
            for (const row of all.result) {
              row.data.levels.push({ value, label });
              store.put(row);
            }
          };
          tx.oncomplete = () => {
            db.close();
            resolve();
          };
          tx.onerror = () => reject(tx.error);
        };
      }),
    { value, label },
  );
}

/** Signs in as who and waits for their home. */
export async function signIn(page, who) {
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  // Each role has its home: Today, a supervisor's "Your schools", a teacher's Home.
  await page.locator('main[data-home]').waitFor();
}

/** Answers the "ready to work offline" notice, which would cover the bottom bar. */
export async function dismissOfflineReady(page) {
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 30_000 });
  const ok = page.locator('.toast').getByRole('button', { name: 'OK' });
  try {
    await ok.waitFor({ timeout: 10_000 });
    await ok.click();
  } catch {
    // Not shown on this visit.
  }
}
