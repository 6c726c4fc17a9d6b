// /support: support requests. The requester sees the status of theirs (read
// from the device: asked offline, they show as waiting to sync); a coach
// sees those assigned to them and opens a cycle from one; school leaders
// see the requests at their schools; whoever assigns coaches sees the open
// requests with each candidate coach's workload beside them, assigns one or
// declines with a reason, and can undo either (online).
import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import type { components } from '../api/schema';
import { getAll, useLoad } from '../dashboard/api';
import { getMeta, type RefRow } from '../db/schema';
import type { Colleague, SignedInUser, SupportRequestData } from '../db/types';
import { saveSupportRequest } from '../db/writes';
import { currentRubric, db, engine, teacherName, useLive } from '../state';
import { shortDate } from '../time/format';
import { assignsCoaches, seesTeachersAt } from './access';
import { sourceText, statusText } from './words';

type SupportRequest = components['schemas']['SupportRequest'];

interface Names {
  teachers: Map<string, string>;
  schools: Map<string, string>;
  indicators: Map<string, string>;
  people: Map<string, string>;
}

async function names(): Promise<Names> {
  const rubric = await currentRubric();
  const indicators = new Map<string, string>();
  for (const d of rubric?.data.dimensions ?? []) for (const i of d.indicators) indicators.set(i.key, i.name);
  const directory = (await getMeta<Colleague[]>(db, 'directory')) ?? [];
  return {
    teachers: new Map((await db.teachers.toArray()).map((t) => [t.id, teacherName(t)])),
    schools: new Map((await db.schools.toArray()).map((s) => [s.id, s.data.name])),
    indicators,
    people: new Map(directory.map((p) => [p.id, p.name])),
  };
}

/**
 * What a request is for, in words: who, on what, why, by when. A reader who
 * may not see the school's teachers receives none: the request reads as
 * school-level for them, which it says.
 */
function Summary({ d, n, hidden = false }: { d: SupportRequestData; n: Names; hidden?: boolean }) {
  const who =
    d.teacher_ids.length > 0
      ? d.teacher_ids.map((t) => n.teachers.get(t) ?? 'a teacher').join(', ')
      : hidden
        ? 'School-level (any teachers named are not shown to you)'
        : 'The school as a whole';
  return (
    <>
      <strong>
        {who} · {n.schools.get(d.school_id) ?? 'a school'}
      </strong>
      <span>On: {d.indicator_keys.map((k) => n.indicators.get(k) ?? k).join(', ')}</span>
      <span class="muted prewrap">
        Why: {d.reason}
        {d.needed_by ? ` · needed by ${shortDate(d.needed_by)}` : ''}
        {d.source ? ` · asked ${sourceText[d.source] ?? ''}` : ''}
      </span>
    </>
  );
}

export function Requests({ user }: { user: SignedInUser }) {
  const { query } = useLocation();
  const data = useLive(async () => {
    const all = (await db.supportRequests.toArray()).sort((a, b) => b.id.localeCompare(a.id));
    const waiting = new Set((await db.outbox.toArray()).filter((e) => e.entity === 'support_request').map((e) => e.id));
    return { all, waiting, names: await names() };
  }, [user.id]);
  const admin = assignsCoaches(user.grants);
  if (data === undefined) {
    return (
      <main class="screen wide" aria-busy="true">
        <h1>Coaching support</h1>
        <p>Loading…</p>
      </main>
    );
  }
  const mine = data.all.filter((r) => r.data.requester_id === user.id);
  const assigned = data.all.filter((r) => r.data.coach_id === user.id && r.data.status === 'assigned');
  const others = data.all.filter((r) => r.data.requester_id !== user.id && r.data.coach_id !== user.id);
  const status = (r: RefRow<SupportRequestData>) => (
    <span class="request-status" data-testid="request-status">
      {data.waiting.has(r.id) ? 'Saved on this device, waiting to sync' : statusText[r.data.status]}
      {r.data.status === 'assigned' && r.data.coach_id ? `: ${data.names.people.get(r.data.coach_id) ?? 'a coach'}` : ''}
      {r.data.status === 'declined' && r.data.decline_reason ? `: ${r.data.decline_reason}` : ''}
      {r.data.cycle_id ? ' · cycle of support opened' : ''}
    </span>
  );
  return (
    <main class="screen wide">
      <div class="title-row">
        <h1>Coaching support</h1>
        <a class="button" href="/support/new">
          Ask for coaching support
        </a>
      </div>
      {query['asked'] && (
        <p class="notice" role="status">
          Your request is saved. It is sent by itself when the device is online; its status shows here.
        </p>
      )}
      {admin && <OpenRequests />}
      {assigned.length > 0 && (
        <section aria-labelledby="assigned-h">
          <h2 id="assigned-h">Assigned to you</h2>
          <ul class="cards">
            {assigned.map((r) => (
              <li key={r.id} class="card" data-testid="assigned-request">
                <Summary d={r.data} n={data.names} />
                {status(r)}
                {r.data.cycle_id ? (
                  <a href={`/cycles/${r.data.cycle_id}`}>Open the cycle of support</a>
                ) : (
                  <a class="button" href={`/cycles/new?request=${r.id}`}>
                    Open a cycle from this request
                  </a>
                )}
              </li>
            ))}
          </ul>
        </section>
      )}
      <section aria-labelledby="mine-h">
        <h2 id="mine-h">Your requests</h2>
        {mine.length === 0 ? (
          <p class="muted">You have not asked for coaching support. Ask from the teacher view, a trend or a debrief, or with the button above.</p>
        ) : (
          <ul class="cards">
            {mine.map((r) => (
              <Mine key={r.id} r={r} n={data.names} status={status(r)} />
            ))}
          </ul>
        )}
      </section>
      {!admin && others.length > 0 && (
        <section aria-labelledby="others-h">
          <h2 id="others-h">Requests at your schools</h2>
          <ul class="cards">
            {others.map((r) => (
              <li key={r.id} class="card" data-testid="school-request">
                <Summary d={r.data} n={data.names} hidden={!seesTeachersAt(user.grants, r.data.school_id)} />
                {status(r)}
              </li>
            ))}
          </ul>
        </section>
      )}
    </main>
  );
}

/** One of the user's own requests; open ones can be withdrawn (and asked again). */
function Mine({ r, n, status }: { r: RefRow<SupportRequestData>; n: Names; status: preact.JSX.Element }) {
  const [confirming, setConfirming] = useState(false);
  const set = (s: 'open' | 'withdrawn') => {
    void saveSupportRequest(db, r.id, { ...r.data, status: s });
    setConfirming(false);
  };
  return (
    <li class="card" data-testid="my-request">
      <Summary d={r.data} n={n} />
      {status}
      {r.data.status === 'open' && !confirming && (
        <button type="button" onClick={() => setConfirming(true)}>
          Withdraw
        </button>
      )}
      {confirming && (
        <div class="confirm" role="group" aria-label="Withdraw the request">
          <p>Withdraw this request? No coach will be assigned. You can ask again from here.</p>
          <button type="button" class="primary" onClick={() => set('withdrawn')}>
            Withdraw the request
          </button>
          <button type="button" onClick={() => setConfirming(false)}>
            Keep it
          </button>
        </div>
      )}
      {r.data.status === 'withdrawn' && (
        <button type="button" onClick={() => set('open')}>
          Ask again
        </button>
      )}
    </li>
  );
}

/** The open requests of the district with the coaches who may take each, and the latest decisions (to undo). */
function OpenRequests() {
  const [round, setRound] = useState(0);
  const [list, retry] = useLoad(`open-${round}`, async () => {
    const open = await getAll<SupportRequest>('/support-requests?status=open', 500);
    const decided = await getAll<SupportRequest>('/support-requests?status=assigned&status=declined', 20);
    return { open: open.items, decided: decided.items.slice(0, 10) };
  });
  const n = useLive(names, []);
  const [done, setDone] = useState<string | undefined>(undefined);
  const reload = (message?: string) => {
    setDone(message);
    setRound(round + 1);
  };
  return (
    <section aria-labelledby="open-h">
      <h2 id="open-h">Open requests</h2>
      {done && (
        <p class="notice" role="status" data-testid="decided">
          {done}
        </p>
      )}
      {(list.state === 'loading' || n === undefined) && <p aria-busy="true">Loading the requests…</p>}
      {list.state === 'offline' && (
        <p class="notice" role="status">
          offline: assigning coaches needs the network. <button type="button" onClick={retry}>Try again</button>
        </p>
      )}
      {list.state === 'error' && (
        <p class="error" role="alert">
          Could not load the requests: {list.message} <button type="button" onClick={retry}>Try again</button>
        </p>
      )}
      {list.state === 'ok' && n !== undefined && (
        <>
          {list.data.open.length === 0 && <p class="muted">No request is waiting for a coach.</p>}
          <ul class="cards">
            {list.data.open.map((r) => (
              <Decide key={r.id} r={r} n={n} onDone={reload} />
            ))}
          </ul>
          {list.data.decided.length > 0 && (
            <>
              <h3>Decided lately</h3>
              <ul class="cards">
                {list.data.decided.map((r) => (
                  <li key={r.id} class="card" data-testid="decided-request">
                    <Summary d={r} n={n} />
                    <span>
                      {statusText[r.status]}
                      {r.coach_id ? `: ${r.coaches?.find((c) => c.id === r.coach_id)?.name ?? n.people.get(r.coach_id) ?? 'a coach'}` : ''}
                      {r.decline_reason ? `: ${r.decline_reason}` : ''}
                      {r.cycle_id ? ' · cycle of support opened' : ''}
                    </span>
                    {!r.cycle_id && <Undo r={r} onDone={reload} />}
                  </li>
                ))}
              </ul>
            </>
          )}
        </>
      )}
    </section>
  );
}

async function patch(r: SupportRequest, body: Record<string, unknown>): Promise<string | undefined> {
  try {
    const res = await engine.request('PATCH', `/api/v1/support-requests/${r.id}`, { ...body, rev: r.rev });
    if (res.ok) return undefined;
    const p = (await res.json().catch(() => ({}))) as { detail?: string; title?: string };
    if (res.status === 409) return 'Someone changed this request meanwhile; the list is read again.';
    return p.detail || p.title || `HTTP ${res.status}`;
  } catch {
    return 'offline: the decision needs the network.';
  }
}

/** Assign a coach (the confirmation names who supports whom) or decline with a reason. */
function Decide({ r, n, onDone }: { r: SupportRequest; n: Names; onDone: (message?: string) => void }) {
  const coaches = r.coaches ?? [];
  const [coach, setCoach] = useState<string>('');
  const [mode, setMode] = useState<'idle' | 'confirm' | 'decline'>('idle');
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const who = r.teacher_ids.length > 0 ? r.teacher_ids.map((t) => n.teachers.get(t) ?? 'a teacher').join(', ') : `the school as a whole`;
  const coachName = coaches.find((c) => c.id === coach)?.name ?? '';
  const act = async (body: Record<string, unknown>, message: string) => {
    setBusy(true);
    const err = await patch(r, body);
    setBusy(false);
    if (err) {
      setError(err);
      return;
    }
    onDone(message);
  };
  const id = `coach-${r.id}`;
  return (
    <li class="card" data-testid="open-request">
      <Summary d={r} n={n} />
      <span class="muted">Asked by {n.people.get(r.requester_id ?? '') ?? 'a school leader'} on {new Date(r.created_at).toLocaleDateString()}</span>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {coaches.length === 0 ? (
        <p class="notice">No coach works at this school: give a coach a grant there, or decline the request with a reason.</p>
      ) : (
        <table class="scores workload">
          <caption>Coaches of {n.schools.get(r.school_id) ?? 'the school'} and their workload</caption>
          <thead>
            <tr>
              <th scope="col">Coach</th>
              <th scope="col">Open cycles</th>
              <th scope="col">Follow-ups, next two weeks</th>
              <th scope="col">Requests waiting for a cycle</th>
            </tr>
          </thead>
          <tbody>
            {coaches.map((c) => (
              <tr key={c.id} data-testid="coach-load">
                <th scope="row">
                  <label class="choice">
                    <input type="radio" name={id} value={c.id} checked={coach === c.id} onChange={() => setCoach(c.id)} />
                    {c.name}
                  </label>
                </th>
                <td class="num">{c.open_cycles}</td>
                <td class="num">{c.follow_ups_ahead}</td>
                <td class="num">{c.requests_waiting}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {mode === 'idle' && (
        <div class="actions">
          {coaches.length > 0 && (
            <button type="button" class="primary" disabled={coach === ''} onClick={() => setMode('confirm')}>
              Assign the coach
            </button>
          )}
          <button type="button" onClick={() => setMode('decline')}>
            Decline…
          </button>
        </div>
      )}
      {mode === 'confirm' && (
        <div class="confirm" role="group" aria-label="Assign the coach">
          <p data-testid="assign-confirm">
            Assign {coachName} to support {who} at {n.schools.get(r.school_id) ?? 'the school'} on {r.indicator_keys.map((k) => n.indicators.get(k) ?? k).join(', ')}?{' '}
            {coachName} sees the request and can open a cycle of support from it; the requester sees the status. You can undo it until a cycle is opened.
          </p>
          <button type="button" class="primary" disabled={busy} onClick={() => void act({ status: 'assigned', coach_id: coach }, `Assigned ${coachName}. Undo it under “Decided lately”.`)}>
            Assign {coachName}
          </button>
          <button type="button" onClick={() => setMode('idle')}>
            Cancel
          </button>
        </div>
      )}
      {mode === 'decline' && (
        <form class="stack" onSubmit={(e) => {
          e.preventDefault();
          if (reason.trim() === '') {
            setError('Say why the request is declined: the requester reads it.');
            return;
          }
          void act({ status: 'declined', decline_reason: reason.trim() }, 'Declined. Undo it under “Decided lately”.');
        }}>
          <div class="field">
            <label for={`decline-${r.id}`}>Why is it declined? The requester reads this.</label>
            <textarea id={`decline-${r.id}`} rows={2} value={reason} onInput={(e) => setReason((e.target as HTMLTextAreaElement).value)} />
          </div>
          <div class="actions">
            <button type="submit" class="primary" disabled={busy}>
              Decline the request
            </button>
            <button type="button" onClick={() => setMode('idle')}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </li>
  );
}

/** The way back from an assignment or a refusal: the request is open again. */
function Undo({ r, onDone }: { r: SupportRequest; onDone: (message?: string) => void }) {
  const [error, setError] = useState<string | undefined>(undefined);
  return (
    <>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <button type="button" onClick={async () => {
        const err = await patch(r, { status: 'open' });
        if (err) setError(err);
        else onDone('The request is open again.');
      }}>
        Undo: open the request again
      </button>
    </>
  );
}
