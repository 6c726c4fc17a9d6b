// Records older than what a new device keeps: its snapshot holds open work
// and this school year's observations (docs/decisions.md, "A new device's
// snapshot holds open work and this school year"); what came before is read
// from the server when the device is online, and never kept.
import { useState } from 'preact/hooks';
import { ClockNote } from '../components/ClockNote';
import { useOnline } from '../components/useOnline';
import { getJSON, useLoad, type Loaded } from '../dashboard/api';
import { schoolYearStart } from '../dashboard/shape';
import { db, teacherName, useLive } from '../state';
import { dateIn } from '../time/zone';
import { dayAndTime } from '../time/format';
import type { Me, Observation, ObservationList } from '../api/types';
import type { SignedInUser } from '../db/types';

/** The first day of the district's current school year, read from the server. */
async function yearStart(): Promise<{ start: string; tz: string }> {
  const me = await getJSON<Me>('/me');
  const s = me.district.settings;
  return { start: schoolYearStart(dateIn(Date.now(), me.district.time_zone), s.school_year_start_month, s.school_year_start_day), tz: me.district.time_zone };
}

interface Earlier {
  start: string;
  tz: string;
  items: Observation[];
  cursor: string;
  more: boolean;
}

function Failed({ loaded, what, retry }: { loaded: Loaded<unknown>; what: string; retry: () => void }) {
  if (loaded.state === 'loading') return <p aria-busy="true" class="muted">Loading {what} from the server…</p>;
  if (loaded.state === 'offline') return <OfflineEarlier />;
  if (loaded.state !== 'error') return null;
  return (
    <p class="error" role="alert">
      Could not load {what}: {loaded.message}{' '}
      <button type="button" onClick={retry}>
        Try again
      </button>
    </p>
  );
}

function OfflineEarlier() {
  return (
    <p class="notice" role="status" data-testid="earlier-offline">
      This device keeps your open work and this school year's observations. Older observations stay on the server: connect to the network to load them.
    </p>
  );
}

/** Today's list of observations at the user's schools from before this school year, loaded on demand. */
export function EarlierObservations({ user }: { user: SignedInUser }) {
  const online = useOnline();
  const [asked, setAsked] = useState(false);
  const [pages, setPages] = useState<string[]>(['']);
  const [loaded, retry] = useLoad<Earlier>(asked && online ? `earlier:${pages.length}` : undefined, async () => {
    const { start, tz } = await yearStart();
    const out: Earlier = { start, tz, items: [], cursor: '', more: false };
    for (const cursor of pages) {
      const q = new URLSearchParams({ to: start, limit: '20', ...(cursor ? { cursor } : {}) });
      const page = await getJSON<ObservationList>(`/observations?${q.toString()}`);
      out.items.push(...page.items);
      out.cursor = page.cursor;
      out.more = page.more;
    }
    return out;
  });
  const teachers = useLive(async () => new Map((await db.teachers.toArray()).map((t) => [t.id, t])), []);

  return (
    <section aria-labelledby="earlier-h" data-testid="earlier">
      <h2 id="earlier-h">Earlier observations</h2>
      {!online ? (
        <OfflineEarlier />
      ) : !asked ? (
        <p>
          <span class="muted">Observations at your schools from before this school year stay on the server. </span>
          <button type="button" onClick={() => setAsked(true)}>
            Load earlier observations
          </button>
        </p>
      ) : loaded.state !== 'ok' ? (
        <Failed loaded={loaded} what="earlier observations" retry={retry} />
      ) : loaded.data.items.length === 0 ? (
        <p class="muted">No observations at your schools from before {loaded.data.start}.</p>
      ) : (
        <>
          <p class="muted">From before {loaded.data.start}, loaded from the server:</p>
          <ul class="cards">
            {loaded.data.items.map((o) => (
              <li key={o.id}>
                <a class="card" href={`/review/${o.id}`} data-testid="earlier-observation">
                  <strong>{o.teacher_id ? teacherName(teachers?.get(o.teacher_id)) : 'Teacher not shown to your role'}</strong>
                  <span>
                    {dayAndTime(Date.parse(o.started_at), loaded.data.tz)} · {o.status === 'draft' ? 'Draft' : 'Submitted'}
                    {o.observer_id === user.id ? ' · yours' : ''}
                    <ClockNote o={o} timeZone={loaded.data.tz} />
                  </span>
                </a>
              </li>
            ))}
          </ul>
          {loaded.data.more && (
            <button type="button" onClick={() => setPages([...pages, loaded.data.cursor])}>
              Load more
            </button>
          )}
        </>
      )}
    </section>
  );
}

/** An observation the device does not hold, read from the server when online; read-only. */
export function ServerObservation({ id }: { id: string }) {
  const online = useOnline();
  const [loaded, retry] = useLoad<{ o: Observation; tz: string }>(online ? `observation:${id}` : undefined, async () => {
    const [o, me] = await Promise.all([getJSON<Observation>(`/observations/${id}`), getJSON<Me>('/me')]);
    return { o, tz: me.district.time_zone };
  });
  const local = useLive(async () => {
    if (loaded.state !== 'ok') return undefined;
    const o = loaded.data.o;
    return { rubric: await db.rubricVersions.get(o.rubric_version_id), teacher: o.teacher_id ? await db.teachers.get(o.teacher_id) : undefined };
  }, [loaded.state]);

  if (!online) {
    return (
      <main class="screen">
        <h1>Observation not on this device</h1>
        <OfflineEarlier />
      </main>
    );
  }
  if (loaded.state !== 'ok') {
    const notFound = loaded.state === 'error' && (loaded.status === 404 || loaded.status === 403);
    return (
      <main class="screen">
        <h1>Observation</h1>
        {notFound ? <p class="error" role="alert">Observation not found.</p> : <Failed loaded={loaded} what="the observation" retry={retry} />}
      </main>
    );
  }
  const { o, tz } = loaded.data;
  const rubric = local?.rubric;
  const names = new Map((rubric?.data.dimensions ?? []).flatMap((d) => d.indicators.map((i) => [i.key, i.name] as const)));
  const levelLabel = (v: number | null) => (v === null ? 'Not observed' : `${v} · ${rubric?.data.levels.find((l) => l.value === v)?.label ?? ''}`);
  return (
    <main class="screen wide" data-testid="server-observation">
      <h1>Review: {o.teacher_id ? teacherName(local?.teacher) : 'Observation'}</h1>
      <p class="muted">
        {o.grade ? `Grade ${o.grade}` : 'No grade'} · {o.subject || 'No subject'} · started {dayAndTime(Date.parse(o.started_at), tz)}
        <ClockNote o={o} timeZone={tz} />
      </p>
      <p class="notice" role="status">
        {o.status === 'submitted' ? 'Submitted' : 'Draft'} · loaded from the server: this device does not keep observations from before this school year, so it is shown read-only and only while online.
      </p>
      <table class="scores">
        <caption>Scores</caption>
        <thead>
          <tr>
            <th scope="col">Indicator</th>
            <th scope="col">Level</th>
            <th scope="col">Evidence</th>
          </tr>
        </thead>
        <tbody>
          {o.scores.map((s) => (
            <tr key={s.indicator_key}>
              <th scope="row">{names.get(s.indicator_key) ?? s.indicator_key}</th>
              <td>{levelLabel(s.level ?? null)}</td>
              <td>{s.evidence ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {o.evidence && (
        <>
          <h2>Overall evidence</h2>
          <p class="prewrap">{o.evidence}</p>
        </>
      )}
      <p>
        <a href="/">Back to home</a>
      </p>
    </main>
  );
}
