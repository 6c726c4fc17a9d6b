// The headline of a leader's home: the schools' scores this school year by
// month, and the dimensions that moved between the last two months with
// figures, each a link into Trends. Read from the server (GET /trends, the
// same figures and the same privacy rule as the dashboard); the last answer
// is kept for offline use.
import type { Me, Trend } from '../api/types';
import { ReadState, useServerRead } from '../coach/read';
import { engine, useLive, currentRubric } from '../state';
import { addDays, dateIn } from '../time/zone';

interface Moved {
  key: string;
  name: string;
  from: number;
  to: number;
  fromMonth: string;
  toMonth: string;
  /** The last month is not over yet. */
  soFar: boolean;
}

interface HeadlineData {
  from: string;
  to: string;
  observations: number;
  scores: number;
  lastMonth: { month: string; observations: number } | undefined;
  moved: Moved[];
  steady: string[];
  leftOut: number;
}

const monthName = (m: string) => new Date(`${m.slice(0, 7)}-15T12:00:00Z`).toLocaleDateString([], { month: 'long', timeZone: 'UTC' });

/** Reads the trend by dimension and month since the start of the school year, for schools (all the caller's when empty). */
async function loadHeadline(schools: string[], names: Map<string, string>): Promise<HeadlineData> {
  const me = await engine.getJSON<Me>('/api/v1/me');
  const tz = me.district.time_zone;
  const today = dateIn(Date.now(), tz);
  const s = me.district.settings;
  const pad = (n: number) => String(n).padStart(2, '0');
  let start = `${today.slice(0, 4)}-${pad(s.school_year_start_month)}-${pad(s.school_year_start_day)}`;
  if (start > today) start = `${Number(today.slice(0, 4)) - 1}${start.slice(4)}`;
  const to = addDays(today, 1);
  const q = new URLSearchParams({ from: start, to, bucket: 'month' });
  q.append('group', 'dimension');
  for (const id of schools) q.append('school_id', id);
  const t = await engine.getJSON<Trend>(`/api/v1/trends?${q.toString()}`);
  const byDim = new Map<string, { month: string; mean: number; partial: boolean }[]>();
  const months = new Map<string, number>();
  let observations = 0;
  let scores = 0;
  let leftOut = 0;
  for (const c of t.cells) {
    leftOut += c.left_out ?? 0;
    if (c.suppressed || c.mean === undefined) continue;
    const month = c.bucket.slice(0, 7);
    scores += c.scores;
    // One dimension's observations stand for the month's (each observation scores every dimension).
    months.set(month, Math.max(months.get(month) ?? 0, c.observations ?? 0));
    const key = c.group['dimension'] ?? '';
    const list = byDim.get(key) ?? [];
    list.push({ month, mean: c.mean, partial: c.partial === true || month === today.slice(0, 7) });
    byDim.set(key, list);
  }
  for (const n of months.values()) observations += n;
  const moved: Moved[] = [];
  const steady: string[] = [];
  for (const [key, list] of byDim) {
    list.sort((a, b) => a.month.localeCompare(b.month));
    const last = list.at(-1);
    const before = list.at(-2);
    if (!last || !before) continue;
    const plain = key.replace(/_/g, ' ');
    const name = names.get(key) ?? plain.charAt(0).toUpperCase() + plain.slice(1);
    if (Math.abs(last.mean - before.mean) >= 0.1) moved.push({ key, name, from: before.mean, to: last.mean, fromMonth: before.month, toMonth: last.month, soFar: last.partial });
    else steady.push(name);
  }
  moved.sort((a, b) => Math.abs(b.to - b.from) - Math.abs(a.to - a.from));
  const lastMonth = [...months.keys()].sort().at(-1);
  return { from: start, to, observations, scores, lastMonth: lastMonth ? { month: lastMonth, observations: months.get(lastMonth) ?? 0 } : undefined, moved, steady, leftOut };
}

/** The headline for the caller's schools, or for one school. */
export function Headline({ title, schools = [], inTrends = false }: { title: string; schools?: string[]; inTrends?: boolean }) {
  const names = useLive(async () => {
    const r = await currentRubric();
    return new Map((r?.data.dimensions ?? []).map((d) => [d.key, d.name]));
  }, []);
  const [read, retry] = useServerRead<HeadlineData>('headline', names ? `/api/v1/trends?headline=${schools.join(',')}&names=${names.size}` : undefined, () => loadHeadline(schools, names ?? new Map()));
  const trends = (extra: Record<string, string>) => {
    const q = new URLSearchParams({ bucket: 'month', ...extra });
    if (schools.length > 0) q.set('schools', schools.join(','));
    return `/dashboard?${q.toString()}`;
  };
  return (
    <section aria-labelledby="headline-h" class="panel" data-testid="headline">
      <h2 id="headline-h">{title}</h2>
      <ReadState read={read} what="the headline" retry={retry}>
        {(h) =>
          h.observations === 0 ? (
            <p class="muted" data-testid="headline-empty">
              No submitted observations this school year yet. Figures appear here once walkthroughs are scored and synced.
            </p>
          ) : (
            <>
              <p data-testid="headline-visits">
                <strong>{h.observations}</strong> classroom observations this school year ({h.scores} scores)
                {h.lastMonth && (
                  <>
                    , of which <strong>{h.lastMonth.observations}</strong> in {monthName(h.lastMonth.month)}
                  </>
                )}
                .
              </p>
              {h.moved.length > 0 ? (
                <ul class="cards" aria-label="Dimensions that moved">
                  {h.moved.map((m) => (
                    <li key={m.key}>
                      <a class="card" href={trends({ from: `${m.fromMonth}-01`, dimension: m.key })} data-testid="moved">
                        <strong>
                          {m.name}: {m.to > m.from ? 'up' : 'down'} {Math.abs(m.to - m.from).toFixed(1)}
                        </strong>
                        <span>
                          {m.from.toFixed(2)} in {monthName(m.fromMonth)} → {m.to.toFixed(2)} in {monthName(m.toMonth)}
                          {m.soFar ? ' so far' : ''}
                        </span>
                      </a>
                    </li>
                  ))}
                </ul>
              ) : (
                <p class="muted">No dimension moved by 0.1 or more between the last two months with figures.</p>
              )}
              {h.steady.length > 0 && <p class="muted">Steady: {h.steady.join(', ')}.</p>}
              {h.leftOut > 0 && <p class="muted">Small school periods are left out of these figures, as on the dashboard.</p>}
              {!inTrends && (
                <p>
                  <a class="button" href={trends({})}>
                    Open Trends
                  </a>
                </p>
              )}
            </>
          )
        }
      </ReadState>
    </section>
  );
}
