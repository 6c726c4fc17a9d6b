// End-to-end: the trends dashboard on the demo district, in Debian's
// Chromium against the real binary. Every figure on the page is checked
// against what GET /api/v1/trends answers the same user for the same
// filters. The tests run in order and share one server.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { accessible, closeContext, freePort, launch, removeDir, requirePrerequisites, Server, shot, signIn, tempDir } from './harness.mjs';

const T = { timeout: 180_000 };
const supervisor = { email: 'supervisor@demo.walkthrough.test', password: 'walkthrough-supervisor' };
const principal = { email: 'principal@demo.walkthrough.test', password: 'walkthrough-principal' };
const admin = { email: 'admin@demo.walkthrough.test', password: 'walkthrough-admin' };
const laptop = { width: 1366, height: 900 };

/** GET /api/v1/<path> as the user. */
async function api(server, token, path) {
  const r = await fetch(`${server.base}/api/v1${path}`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(r.status, 200, `${path}: HTTP ${r.status}`);
  return path.includes('.csv') ? r.text() : r.json();
}

/** The trend query the page is showing (its URL's filters). */
function trendQuery(pageURL, bucket, group) {
  const u = new URL(pageURL);
  const q = new URLSearchParams();
  q.set('from', u.searchParams.get('from'));
  q.set('to', u.searchParams.get('to'));
  for (const id of (u.searchParams.get('schools') ?? '').split(',')) if (id) q.append('school_id', id);
  for (const k of ['dimension', 'indicator', 'grade_band', 'subject', 'kind']) if (u.searchParams.get(k)) q.set(k, u.searchParams.get(k));
  q.set('bucket', bucket ?? u.searchParams.get('bucket'));
  for (const g of group.split(',')) q.append('group', g);
  return '?' + q.toString();
}

const day = (b) => b.slice(0, 10);

/** Puts away the "ready to work offline" note, then saves a screenshot. */
async function snap(page, name) {
  const ok = page.getByRole('button', { name: 'OK', exact: true });
  if (await ok.isVisible()) await ok.click();
  await shot(page, name);
}

/** The chart's points as the page draws them. */
function chartFigures(page) {
  return page.evaluate(() => ({
    points: [...document.querySelectorAll('[data-testid=chart-point]')].map((e) => [e.dataset.dimension, e.dataset.bucket, Number(e.dataset.mean)]),
    district: [...document.querySelectorAll('[data-testid=district-point]')].map((e) => [e.dataset.dimension, e.dataset.bucket, Number(e.dataset.mean)]),
    suppressed: [...document.querySelectorAll('[data-testid=chart-suppressed]')].map((e) => [e.dataset.dimension, e.dataset.bucket]),
  }));
}

/** The chart's table as the page shows it: per dimension and bucket, the share not observed beside the selection's mean and the district's words. */
function chartTableFigures(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll('[data-testid=chart-table-cell]')].map((e) => ({
      dimension: e.dataset.dimension,
      bucket: e.dataset.bucket,
      own: e.querySelector('[data-testid=chart-not-observed]')?.textContent ?? null,
      district: e.querySelector('[data-testid=chart-district]')?.textContent ?? '',
    })),
  );
}

/** The share not observed in the page's words, or null where the API gives none. */
const notObservedWords = (c) => (c === undefined || c.suppressed || c.not_observed === undefined || c.submitted === undefined ? null : `not observed ${Math.round(c.not_observed * 100)}% of n = ${c.submitted}`);

/** The heat map's cells as the page shows them. */
function heatFigures(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll('[data-testid=heat-cell]')].map((e) => ({
      school: e.dataset.school,
      dimension: e.dataset.dimension,
      mean: e.dataset.mean === undefined ? undefined : Number(e.dataset.mean),
      scores: e.dataset.scores === undefined ? undefined : Number(e.dataset.scores),
      suppressed: e.dataset.suppressed === 'true',
      text: e.textContent,
      notObserved: e.querySelector('[data-testid=not-observed]')?.textContent ?? null,
    })),
  );
}

const sortRows = (rows) => [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

/** The chart equals the API's cells for the page's filters. */
async function assertChart(page, server, token) {
  await page.locator('[data-testid=chart], [data-testid=chart-empty]').first().waitFor();
  const want = await api(server, token, '/trends' + trendQuery(page.url(), undefined, 'dimension'));
  const got = await chartFigures(page);
  const visible = want.cells.filter((c) => !c.suppressed && c.mean !== undefined);
  assert.deepEqual(sortRows(got.points), sortRows(visible.map((c) => [c.group.dimension, day(c.bucket), c.mean])), 'chart points equal the API');
  assert.deepEqual(sortRows(got.suppressed), sortRows(want.cells.filter((c) => c.suppressed).map((c) => [c.group.dimension, day(c.bucket)])), 'suppressed points are marked');
  assert.deepEqual(sortRows(got.district), sortRows(want.district.filter((c) => c.mean !== undefined).map((c) => [c.group.dimension, day(c.bucket), c.mean])), 'district line equals the API');
  // The chart's table says the share not observed with its n in each cell
  // where the API gives it, for the selection and the district, and only there.
  const table = await chartTableFigures(page);
  assert.ok(table.length > 0 || want.cells.length === 0, 'the chart has its table');
  const at = (cells) => new Map(cells.map((c) => [`${c.group.dimension}/${day(c.bucket)}`, c]));
  const own = at(want.cells);
  const district = at(want.district);
  for (const g of table) {
    const mine = notObservedWords(own.get(`${g.dimension}/${g.bucket}`));
    assert.equal(g.own, mine, `table ${g.dimension} ${g.bucket}`);
    const theirs = notObservedWords(district.get(`${g.dimension}/${g.bucket}`));
    if (theirs === null) assert.ok(!g.district.includes('not observed'), `table ${g.dimension} ${g.bucket} district: ${g.district}`);
    else assert.ok(g.district.endsWith(`, ${theirs})`), `table ${g.dimension} ${g.bucket} district: ${g.district}, want ${theirs}`);
  }
  return { ...want, table };
}

/** The heat map equals the API's cells for the page's filters. */
async function assertHeatMap(page, server, token) {
  await page.locator('table.heatmap, [data-testid=heat-empty]').first().waitFor();
  const want = await api(server, token, '/trends' + trendQuery(page.url(), 'range', 'school,dimension'));
  const got = await heatFigures(page);
  const wantRows = [
    ...want.cells.map((c) => ({ school: c.group.school, dimension: c.group.dimension, c })),
    ...want.district.map((c) => ({ school: 'district', dimension: c.group.dimension, c })),
  ].map(({ school, dimension, c }) => (c.suppressed ? { school: c.group.school ?? '', dimension, suppressed: true } : { school, dimension, mean: c.mean, scores: c.scores, suppressed: false }));
  const gotRows = got.map(({ school, dimension, mean, scores, suppressed }) => (suppressed ? { school, dimension, suppressed } : { school, dimension, mean, scores, suppressed }));
  assert.deepEqual(sortRows(gotRows), sortRows(wantRows), 'heat-map cells equal the API');
  for (const g of got) {
    if (g.suppressed) assert.match(g.text, new RegExp(`Suppressed.*fewer than ${want.min_cell_size} observations`));
    else assert.ok(g.text.includes(g.mean.toFixed(2)), `the cell prints its mean: ${g.text}`);
  }
  // The share not observed, with its n, where the API gives it, and only there.
  const byCell = new Map([...want.cells.map((c) => [`${c.group.school}/${c.group.dimension}`, c]), ...want.district.map((c) => [`district/${c.group.dimension}`, c])]);
  for (const g of got) {
    const c = byCell.get(`${g.school}/${g.dimension}`);
    assert.equal(g.notObserved, notObservedWords(c), `${g.school} ${g.dimension}`);
  }
  return want;
}

describe('the trends dashboard on the demo district', { timeout: 900_000 }, () => {
  let server;
  let dataDir;
  const profiles = [];
  const contexts = [];
  let supToken;

  before(async () => {
    requirePrerequisites();
    dataDir = tempDir('wt-e2e-dash-data-');
    server = new Server(await freePort(), dataDir);
    await server.start();
    supToken = await server.token(supervisor);
  });

  after(async () => {
    for (const c of contexts) await closeContext(c);
    await server?.stop();
    for (const p of profiles) removeDir(p);
    removeDir(dataDir);
  });

  async function open(who, viewport = laptop) {
    const profile = tempDir('wt-e2e-dash-profile-');
    profiles.push(profile);
    const context = await launch(profile);
    contexts.push(context);
    const page = context.pages()[0] ?? (await context.newPage());
    await page.setViewportSize(viewport);
    await page.goto(server.base + '/');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await signIn(page, who);
    return { context, page };
  }

  let sup;

  test('1: a supervisor opens the dashboard from the header; the chart and heat map show what the API answers', T, async () => {
    sup = await open(supervisor);
    const { page } = sup;
    await page.getByRole('link', { name: 'Trends', exact: true }).click();
    await page.getByRole('heading', { name: 'Trends', level: 1 }).waitFor();
    // The address names the whole view: by default this school year, from
    // the district's settings, by week.
    await page.waitForURL(/\/dashboard\?from=.*bucket=week/);
    const me = await api(server, supToken, '/me');
    await page.locator('[data-testid=chart]').first().waitFor();
    // It opens on a headline, its filters folded away under a line that
    // names the range and what is set.
    await page.getByTestId('headline-visits').waitFor();
    assert.equal(await page.getByTestId('filters-fold').getAttribute('open'), null);
    assert.equal(await page.locator('#f-dimension').isVisible(), false);
    assert.match(await page.getByTestId('filters-fold').locator('summary').textContent(), /Filters · \d{4}-\d{2}-\d{2} to \d{4}-\d{2}-\d{2} · by week/);
    await snap(page, 'dashboard-headline.png');
    await accessible(page, 'trends');
    const from = await page.getByLabel('From').inputValue();
    assert.equal(new URL(page.url()).searchParams.get('from'), from);
    assert.match(from, new RegExp(`-${String(me.district.settings.school_year_start_month).padStart(2, '0')}-${String(me.district.settings.school_year_start_day).padStart(2, '0')}$`));
    const chart = await assertChart(page, server, supToken);
    assert.ok(chart.cells.length > 0, 'the demo district has scores this year');
    const heat = await assertHeatMap(page, server, supToken);
    // A supervisor, whose figures are whole school periods, is given the
    // share not observed of those periods, in the heat map and the chart's table.
    assert.ok([...heat.cells, ...heat.district].some((c) => c.not_observed !== undefined && c.submitted > 0), 'the supervisor is shown the share not observed in the heat map');
    assert.ok(chart.table.some((g) => g.own !== null), 'the supervisor is shown the share not observed in the chart’s table');
    // Only the supervisor's schools, never another.
    for (const c of heat.cells) assert.ok(me.school_ids.includes(c.group.school));
    await page.evaluate(() => document.getElementById('chart-h').scrollIntoView());
    await snap(page, 'dashboard-chart.png');
    await page.evaluate(() => document.getElementById('heat-h').scrollIntoView());
    await snap(page, 'dashboard-heatmap.png');
    await page.evaluate(() => document.getElementById('levels-h').scrollIntoView());
    await snap(page, 'dashboard-levels.png');

    // Coverage names teachers with their last visit: not for a supervisor,
    // who is told so, and whom the API refuses.
    await page.getByTestId('coverage-not-yours').waitFor();
    assert.match(await page.getByTestId('coverage-not-yours').textContent(), /principals and coaches/);
    const cov = await fetch(`${server.base}/api/v1/coverage?from=2026-01-01`, { headers: { authorization: `Bearer ${supToken}` } });
    assert.equal(cov.status, 403);
    await page.evaluate(() => document.getElementById('coverage-h').scrollIntoView());
    await snap(page, 'dashboard-coverage.png');

    // The level bars: share at proficient or above equals the API's levels.
    const levels = await api(server, supToken, '/trends' + trendQuery(page.url(), 'range', 'dimension'));
    for (const c of levels.cells.filter((c) => !c.suppressed)) {
      const total = Object.values(c.levels).reduce((a, b) => a + b, 0);
      const at = Object.entries(c.levels).filter(([l]) => Number(l) >= 3).reduce((a, [, n]) => a + n, 0);
      const shown = await page.locator(`[data-testid=level-row][data-dimension="${c.group.dimension}"] [data-testid=proficient-share]`).textContent();
      assert.equal(shown, `${Math.round((at / total) * 100)}%`);
    }
  });

  test('1b: an administrator reads the share not observed in the chart’s table, each cell as the API gives it', T, async () => {
    const { page } = await open(admin);
    const token = await server.token(admin);
    await page.getByRole('link', { name: 'Trends', exact: true }).click();
    await page.getByRole('heading', { name: 'Trends', level: 1 }).waitFor();
    await page.locator('[data-testid=chart]').first().waitFor();
    const chart = await assertChart(page, server, token);
    const shown = chart.table.filter((g) => g.own !== null);
    assert.ok(shown.length > 0, 'the administrator is shown the share not observed in the chart’s table');
    assert.ok(chart.table.some((g) => g.district.includes('not observed')), 'and the district’s beside it');
    await page.getByText("The chart's figures as a table").click();
    await page.locator('[data-testid=chart-not-observed]').first().waitFor();
    await page.locator('details.figures').evaluate((e) => e.scrollIntoView());
    await snap(page, 'dashboard-chart-table.png');
  });

  test('2: changing a filter changes the URL and the figures; a reload shows the same view', T, async () => {
    const { page } = sup;
    const before = page.url();
    await page.getByTestId('filters-fold').locator('summary').click();
    await page.locator('#f-dimension').waitFor();
    await accessible(page, 'trends, filters open');
    // Filters below the dimension are not the supervisor's: disabled, with the reason.
    for (const name of ['Kind of visit', 'Grade band', 'Subject', 'Indicator']) assert.equal(await page.getByLabel(name).isDisabled(), true, name);
    await page.getByTestId('filters-for-teachers').waitFor();
    await page.locator('#f-dimension').selectOption({ index: 1 });
    await page.waitForURL(/dimension=/);
    assert.notEqual(page.url(), before);
    await assertChart(page, server, supToken);
    await assertHeatMap(page, server, supToken);
    await page.getByLabel('Chart by').selectOption('month');
    await page.waitForURL(/bucket=month/);
    const monthly = await assertChart(page, server, supToken);
    assert.equal(monthly.bucket, 'month');
    const shared = page.url();
    await page.reload();
    await page.locator('[data-testid=chart]').first().waitFor();
    assert.equal(page.url(), shared);
    assert.match(page.url(), /dimension=/);
    assert.equal(await page.getByLabel('Chart by').inputValue(), 'month');
    await assertChart(page, server, supToken);
  });

  test('3: the CSV export saves the same cells the API exports for the filters', T, async () => {
    const { page } = sup;
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    const saved = readFileSync(await download.path(), 'utf8');
    const want = await api(server, supToken, '/trends.csv' + trendQuery(page.url(), undefined, 'school,dimension'));
    assert.equal(saved, want);
    assert.match(saved.split('\n')[0], /^scope,bucket,school,dimension,observations,scores,mean/);
    assert.ok(saved.trim().split('\n').length > 1);
  });

  test('4: a heat-map cell opens on the observations behind it, then one observation, without the teacher', T, async () => {
    const { page } = sup;
    await page.goto(server.base + '/dashboard');
    await page.locator('table.heatmap').waitFor();
    const heat = await api(server, supToken, '/trends' + trendQuery(page.url(), 'range', 'school,dimension'));
    const target = heat.cells.find((c) => !c.suppressed && c.left_out > 0 && c.group.dimension === 'student_engagement') ?? heat.cells.find((c) => !c.suppressed && c.left_out > 0);
    assert.ok(target, 'a cell with small school periods left out');
    await page.locator(`[data-testid=heat-cell][data-school="${target.group.school}"][data-dimension="${target.group.dimension}"] button`).click();
    await page.waitForURL(/cell_span=range.*cell_school=/);
    await page.locator('[data-testid=drill-observation]').first().waitFor();
    // The observations listed make up the cell exactly.
    const fig = page.getByTestId('drill-figures');
    // A cell with small school periods left out counts only the periods
    // kept, and the drill-down lists only their observations.
    assert.equal(Number(await fig.getAttribute('data-scores')), target.scores);
    assert.equal(Number(await fig.getAttribute('data-mean')), target.mean);
    const n = Number(await fig.getAttribute('data-observations'));
    assert.equal(await page.locator('[data-testid=drill-observation]').count(), n);
    assert.ok(n > 0);
    // A supervisor reads the evidence without the teacher (except in his own observations).
    const listed = await page.locator('[data-testid=drill-observation]').evaluateAll((els) => els.map((e) => [e.dataset.observation, e.textContent.includes('teacher not shown to your role')]));
    const byID = new Map();
    for (let cursor = ''; ; ) {
      const p = await api(server, supToken, `/observations?status=submitted&school_id=${target.group.school}&limit=500${cursor ? '&cursor=' + encodeURIComponent(cursor) : ''}`);
      for (const o of p.items) byID.set(o.id, o);
      if (!p.more) break;
      cursor = p.cursor;
    }
    const supID = (await api(server, supToken, '/me')).user.id;
    for (const [id, hidden] of listed) {
      assert.equal(hidden, byID.get(id).teacher_id === '', `observation ${id}`);
      assert.equal(hidden, byID.get(id).observer_id !== supID);
    }
    assert.ok(listed.some(([, hidden]) => hidden));
    await snap(page, 'dashboard-drilldown.png');
    await accessible(page, 'drill-down');

    const other = listed.find(([, hidden]) => hidden)[0];
    await page.locator(`[data-observation="${other}"]`).getByRole('button', { name: 'Open observation' }).click();
    await page.waitForURL(/observation=/);
    await page.getByTestId('observation').waitFor();
    const id = new URL(page.url()).searchParams.get('observation');
    const o = await api(server, supToken, `/observations/${id}`);
    assert.equal(await page.getByTestId('observation-score').count(), o.scores.length);
    assert.equal(o.teacher_id, '');
    await page.getByTestId('teacher-hidden').waitFor();
    await snap(page, 'dashboard-observation.png');
    await accessible(page, 'observation from the drill-down');
    // Back returns to the list, then to the dashboard.
    await page.getByRole('button', { name: 'Back to the observations' }).click();
    await page.locator('[data-testid=drill-observation]').first().waitFor();
    await page.getByRole('button', { name: 'Back to the dashboard' }).click();
    await page.locator('table.heatmap').waitFor();
  });

  /**
   * A filter of the demo data under which the API suppresses some of the
   * supervisor's cells but not all, one of them at the given school. The
   * demo district grows by a day of visits each day, so the search also
   * narrows the date range to the last weeks before `to`.
   */
  async function suppressingFilter(token, from, to, school) {
    return (await smallFilter(token, from, to, school)) ?? (await smallFilter(token, from, to, undefined));
  }

  async function smallFilter(token, from, to, school) {
    const day = 24 * 3600 * 1000;
    const ranges = [{ from, to }];
    for (const weeks of [1, 2, 3, 4, 6, 8, 12]) {
      const start = new Date(Date.parse(to) - weeks * 7 * day).toISOString().slice(0, 10);
      if (start > from) ranges.push({ from: start, to });
    }
    const filters = [];
    // A supervisor asks by school and dimension only: ranges are the filter.
    filters.push({ kind: '', subject: '' });
    for (const r of ranges) {
      for (const f of filters) {
        const q = new URLSearchParams([['from', r.from], ['to', r.to], ['bucket', 'range'], ['group', 'school'], ['group', 'dimension']]);
        if (f.kind) q.set('kind', f.kind);
        if (f.subject) q.set('subject', f.subject);
        const t = await api(server, token, '/trends?' + q.toString());
        if (!t.cells.some((x) => !x.suppressed)) continue;
        if (t.cells.some((x) => (x.suppressed || (x.left_out ?? 0) > 0) && (school === undefined || x.group.school === school))) return { ...r, ...f };
      }
    }
    return undefined;
  }

  let small;
  let supHidden = [];

  test('5: a supervisor sees a small cell suppressed, marked as such, where the API suppresses it', T, async () => {
    const { page } = sup;
    const u = new URL(page.url());
    const from = u.searchParams.get('from') ?? (await page.getByLabel('From').inputValue());
    const to = u.searchParams.get('to') ?? '';
    // Preferably one that hides a cell of the principal's school (test 6).
    const pri = await api(server, await server.token(principal), '/me');
    small = await suppressingFilter(supToken, from, to, pri.school_ids[0]);
    assert.ok(small, 'the demo district has a range in which some cells of the principal’s school are too small for a supervisor, and others are not');
    const q = new URLSearchParams({ from: small.from, to: small.to });
    if (small.kind) q.set('kind', small.kind);
    if (small.subject) q.set('subject', small.subject);
    await page.goto(`${server.base}/dashboard?${q}`);
    const heat = await assertHeatMap(page, server, supToken);
    supHidden = heat.cells.filter((c) => c.suppressed || (c.left_out ?? 0) > 0);
    for (const hidden of supHidden) {
      const cell = page.locator(`[data-testid=heat-cell][data-school="${hidden.group.school}"][data-dimension="${hidden.group.dimension}"]`);
      await cell.waitFor();
      if (hidden.suppressed) {
        assert.equal(await cell.getAttribute('data-suppressed'), 'true');
        assert.match(await cell.textContent(), new RegExp(`Suppressed\\s*every week had fewer than ${heat.min_cell_size} observations`));
        // A suppressed cell does not open.
        assert.equal(await cell.locator('button').count(), 0);
      }
      assert.match(await cell.textContent(), new RegExp(`${hidden.left_out} small weeks? left out`));
    }
    await page.evaluate(() => document.getElementById('heat-h').scrollIntoView());
    await snap(page, 'dashboard-suppressed.png');
  });

  test('6: on a tablet, the principal sees her own school under the same filter, opens a cell by keyboard and sees the teacher', T, async () => {
    const pri = await open(principal, { width: 1024, height: 1366 });
    const { page } = pri;
    const token = await server.token(principal);
    const me = await api(server, token, '/me');
    const u = new URL(sup.page.url());
    await page.getByRole('link', { name: 'Trends', exact: true }).click();
    await page.locator('[data-testid=chart], [data-testid=chart-empty]').first().waitFor();
    await page.goto(`${server.base}/dashboard${u.search}`);
    const heat = await assertHeatMap(page, server, token);
    // Her school's cells say how often each dimension was not observed.
    assert.ok(heat.cells.some((c) => c.not_observed !== undefined && c.submitted > 0), 'the principal is shown the share not observed');
    for (const c of heat.cells) {
      assert.ok(me.school_ids.includes(c.group.school), 'only her school');
      assert.equal(c.suppressed ?? false, false, 'a principal sees her own school’s small cells');
    }
    // What the supervisor saw suppressed at her school, she sees with its figures.
    const mine = supHidden.filter((c) => me.school_ids.includes(c.group.school));
    // (The demo's weeks at her school are all large enough; where the
    // supervisor missed some, she sees them.)
    assert.ok(supHidden.length > 0, 'the filter left something out for the supervisor');
    for (const c of mine) {
      const cell = page.locator(`[data-testid=heat-cell][data-school="${c.group.school}"][data-dimension="${c.group.dimension}"]`);
      assert.equal(await cell.getAttribute('data-suppressed'), null);
      assert.equal(await cell.getAttribute('data-left-out'), '0');
      assert.ok(Number(await cell.getAttribute('data-scores')) > 0);
    }
    await assertChart(page, server, token);
    const target = heat.cells.find((c) => !c.suppressed);
    assert.ok(target);
    await page.evaluate(() => document.getElementById('heat-h').scrollIntoView());
    await snap(page, 'dashboard-tablet.png');
    await page.locator(`[data-testid=heat-cell][data-school="${target.group.school}"][data-dimension="${target.group.dimension}"] button`).focus();
    await page.keyboard.press('Enter');
    await page.locator('[data-testid=drill-observation]').first().waitFor();
    const fig = page.getByTestId('drill-figures');
    assert.equal(Number(await fig.getAttribute('data-scores')), target.scores);
    assert.equal(await page.getByText('teacher not shown to your role').count(), 0);
    await snap(page, 'dashboard-drilldown-principal.png');
  });

  test('6b: the principal asks from a Thursday by month; a clipped month and the heat map\'s range cell are labelled by the whole range of days behind them', T, async () => {
    const pri = await open(principal);
    const { page } = pri;
    const token = await server.token(principal);
    await page.getByRole('link', { name: 'Trends', exact: true }).click();
    await page.locator('[data-testid=chart], [data-testid=chart-empty]').first().waitFor();
    // From a Thursday past the 10th, two weeks or more into the default range: mid-week, mid-month.
    const start = new URL(page.url()).searchParams.get('from') ?? (await page.locator('#f-from').inputValue());
    let from = new Date(start + 'T00:00:00Z');
    from.setUTCDate(from.getUTCDate() + 14);
    while (from.getUTCDay() !== 4 || from.getUTCDate() < 10) from.setUTCDate(from.getUTCDate() + 1);
    from = from.toISOString().slice(0, 10);
    const fold = page.getByTestId('filters-fold');
    if ((await fold.getAttribute('open')) === null) await fold.locator('summary').click();
    await page.locator('#f-from').fill(from);
    await page.locator('#f-from').dispatchEvent('change');
    await page.waitForURL((u) => u.searchParams.get('from') === from);
    await page.locator('#f-bucket').selectOption('month');
    await page.waitForURL((u) => u.searchParams.get('bucket') === 'month');
    const trend = await assertChart(page, server, token);
    // The server widened the Thursday to the start of its rollup period.
    assert.ok(trend.from <= from && trend.from > start, `the trend covers from ${trend.from}`);
    const nextDay = (d, n = 1) => {
      const x = new Date(d + 'T00:00:00Z');
      x.setUTCDate(x.getUTCDate() + n);
      return x.toISOString().slice(0, 10);
    };
    const monthEnd = (d) => {
      const x = new Date(d.slice(0, 7) + '-01T00:00:00Z');
      x.setUTCMonth(x.getUTCMonth() + 1);
      return nextDay(x.toISOString().slice(0, 10), -1);
    };
    const first = trend.cells.filter((c) => !c.suppressed && c.mean !== undefined).map((c) => day(c.bucket)).sort()[0];
    assert.ok(first && first < trend.from, `the first month ${first} begins before the days asked: a clipped cell`);
    // Open that month's cell from the chart's table, as the user does.
    await page.getByText("The chart's figures as a table").click();
    await page.getByRole('row', { name: new RegExp(`^${first}`) }).getByRole('button').first().click();
    await page.waitForURL(/cell_span=month/);
    await page.locator('[data-testid=drill-observation], [data-testid=drill-figures]').first().waitFor();
    const clipped = `${trend.from} to ${monthEnd(first)}`;
    await page.getByTestId('drill-title').filter({ hasText: clipped }).waitFor();
    assert.ok((await page.getByTestId('drill-title').textContent()).endsWith(`· ${clipped}`), await page.getByTestId('drill-title').textContent());
    await snap(page, 'dashboard-drilldown-clipped-month.png');
    // Back on the dashboard, the heat map's cell covers the whole range.
    await page.getByRole('button', { name: '← Back to the dashboard' }).click();
    const heat = await assertHeatMap(page, server, token);
    const target = heat.cells.find((c) => !c.suppressed);
    assert.ok(target);
    await page.locator(`[data-testid=heat-cell][data-school="${target.group.school}"][data-dimension="${target.group.dimension}"] button`).click();
    await page.waitForURL(/cell_span=range/);
    const whole = `${heat.from} to ${nextDay(heat.to, -1)}`;
    await page.getByTestId('drill-title').filter({ hasText: whole }).waitFor();
    assert.ok((await page.getByTestId('drill-title').textContent()).endsWith(`· ${whole}`));
    // The observations listed are those of exactly those days.
    const fig = page.getByTestId('drill-figures');
    await fig.waitFor();
    assert.equal(Number(await fig.getAttribute('data-scores')), target.scores);
    await snap(page, 'dashboard-drilldown-range.png');
  });

  test('7: offline, the dashboard says it needs the network', T, async () => {
    const { page, context } = sup;
    await page.goto(server.base + '/dashboard');
    await page.locator('[data-testid=chart]').first().waitFor();
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 30_000 });
    await context.setOffline(true);
    try {
      await page.getByTestId('offline').waitFor();
      assert.match(await page.getByTestId('offline').textContent(), /offline: the dashboard needs the network/);
      await snap(page, 'dashboard-offline.png');
    } finally {
      await context.setOffline(false);
    }
    await page.locator('[data-testid=chart]').first().waitFor();
  });
});
