// Where a framework applies: its assignments to schools and kinds of
// walkthrough, each with a roll-back; a new assignment after a preview of
// whom it reaches; retirement. Every write names the framework's revision,
// so a decision made on a stale screen is refused, not applied.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Framework, FrameworkReach, School } from '../api/types';
import { api, failure } from './api';
import { assignmentWords, kindLabels, mainSentences, reachSentences } from './reach';

type Mode =
  | { kind: 'idle' }
  | { kind: 'assigning' }
  | { kind: 'confirm-assign'; reach: FrameworkReach }
  | { kind: 'confirm-rollback'; id: string }
  | { kind: 'confirm-retire' }
  | { kind: 'confirm-main'; reach: FrameworkReach };

const allKinds = ['classroom', 'leadership', 'follow_up', 'informal'] as const;

export function Places({
  framework: f,
  schools,
  current,
  onChanged,
}: {
  framework: Framework;
  schools: School[];
  /** The district's main framework now, if another. */
  current?: Framework | undefined;
  onChanged: (message: string, undo?: () => Promise<void>) => void;
}) {
  const [mode, setMode] = useState<Mode>({ kind: 'idle' });
  const [keep, setKeep] = useState(true);
  const [picked, setPicked] = useState<string[]>([]);
  const [kinds, setKinds] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const confirmRef = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (mode.kind.startsWith('confirm')) confirmRef.current?.focus();
  }, [mode.kind]);

  const schoolName = (id: string) => schools.find((s) => s.id === id)?.name ?? 'a school you cannot see';
  const active = f.assignments.filter((a) => a.ended_at === undefined);
  const published = f.versions.some((v) => v.status === 'published');
  const retired = f.retired_at !== undefined;
  const slug = f.id.slice(-6);

  const run = async (fn: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
    } catch (e) {
      setError(failure(e));
    } finally {
      setBusy(false);
    }
  };
  const preview = () =>
    run(async () => {
      const q = new URLSearchParams({ proposed: 'true' });
      for (const s of picked) q.append('school_id', s);
      for (const k of kinds) q.append('kind', k);
      setMode({ kind: 'confirm-assign', reach: await api<FrameworkReach>('GET', `/frameworks/${f.id}/reach?${q}`) });
    });
  const assign = () =>
    run(async () => {
      await api<Framework>('POST', `/frameworks/${f.id}/assignments`, { school_ids: picked, kinds, rev: f.rev });
      setMode({ kind: 'idle' });
      setPicked([]);
      setKinds([]);
      onChanged(`${f.name} is assigned. Observers there get it on their next sync.`);
    });
  const rollback = (id: string) =>
    run(async () => {
      await api<Framework>('POST', `/frameworks/${f.id}/assignments/${id}/rollback`, { rev: f.rev });
      setMode({ kind: 'idle' });
      onChanged(`The assignment of ${f.name} is rolled back. Visits already scored with it stay.`);
    });
  const retire = () =>
    run(async () => {
      await api<Framework>('POST', `/frameworks/${f.id}/retire`, { rev: f.rev });
      setMode({ kind: 'idle' });
      onChanged(`${f.name} is retired. Its history stays in trends.`);
    });

  const previewMain = () =>
    run(async () => {
      setKeep(true);
      setMode({ kind: 'confirm-main', reach: await api<FrameworkReach>('GET', `/frameworks/${f.id}/reach?proposed=true`) });
    });
  const makeMain = () =>
    run(async () => {
      await api<Framework>('POST', `/frameworks/${f.id}/main`, { rev: f.rev, keep_previous: keep });
      setMode({ kind: 'idle' });
      const before = current;
      onChanged(
        `${f.name} is now the district's main framework.`,
        before
          ? async () => {
              await api<Framework>('POST', `/frameworks/${before.id}/main`, { keep_previous: false });
            }
          : undefined,
      );
    });

  return (
    <div class="places">
      <h3 class="places-h">Where it applies</h3>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {retired ? (
        <p>Retired on {new Date(f.retired_at!).toLocaleDateString()}: no new visits are scored with it. Its history stays in trends.</p>
      ) : f.main ? (
        <p>The district framework: every school and every kind of walkthrough, unless an observer chooses another framework assigned there.</p>
      ) : !published ? (
        <p class="muted">Not published yet. Publish a version, then assign it.</p>
      ) : active.length === 0 ? (
        <p class="muted">Not assigned: no one scores with it. Assign it to schools or kinds of walkthrough to use it.</p>
      ) : null}
      {active.length > 0 && (
        <ul class="assignments">
          {active.map((a) => (
            <li key={a.id}>
              <span>{assignmentWords(a, schoolName)}</span>
              {!retired && (
                <button type="button" onClick={() => setMode({ kind: 'confirm-rollback', id: a.id })} disabled={busy}>
                  Roll back
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {mode.kind === 'confirm-rollback' && (
        <div class="confirm" role="alertdialog" aria-labelledby={`rb-h-${slug}`}>
          <h4 id={`rb-h-${slug}`} tabIndex={-1} ref={confirmRef}>
            Roll back this assignment of {f.name}?
          </h4>
          <p>From now on, observers there no longer score new visits with it. Visits already scored with it stay, and so do their trends.</p>
          <div class="actions">
            <button type="button" onClick={() => setMode({ kind: 'idle' })}>
              Keep it
            </button>
            <button type="button" class="primary" onClick={() => void rollback(mode.id)} disabled={busy}>
              Roll back
            </button>
          </div>
        </div>
      )}
      {mode.kind === 'confirm-retire' && (
        <div class="confirm" role="alertdialog" aria-labelledby={`rt-h-${slug}`}>
          <h4 id={`rt-h-${slug}`} tabIndex={-1} ref={confirmRef}>
            Retire {f.name}?
          </h4>
          <p>From now on no one scores new visits with it, wherever it is assigned. Visits already scored stay, and so do their trends. This cannot be undone.</p>
          <div class="actions">
            <button type="button" onClick={() => setMode({ kind: 'idle' })}>
              Keep it
            </button>
            <button type="button" class="primary danger" onClick={() => void retire()} disabled={busy}>
              Retire
            </button>
          </div>
        </div>
      )}
      {mode.kind === 'confirm-main' && (
        <div class="confirm" role="alertdialog" aria-labelledby={`mn-h-${slug}`} aria-describedby={`mn-what-${slug}`}>
          <h4 id={`mn-h-${slug}`} tabIndex={-1} ref={confirmRef}>
            Make {f.name} the district's main framework?
          </h4>
          <ul id={`mn-what-${slug}`}>
            {mainSentences(f.name, current?.name, mode.reach, keep).map((s) => (
              <li key={s}>{s}</li>
            ))}
          </ul>
          {current && (
            <label class="choice">
              <input type="checkbox" checked={keep} onChange={(e) => setKeep(e.currentTarget.checked)} />
              Keep offering {current.name} at every school
            </label>
          )}
          <div class="actions">
            <button type="button" onClick={() => setMode({ kind: 'idle' })}>
              Keep {current?.name ?? 'it as it is'}
            </button>
            <button type="button" class="primary" onClick={() => void makeMain()} disabled={busy}>
              Make it the main framework
            </button>
          </div>
        </div>
      )}
      {(mode.kind === 'assigning' || mode.kind === 'confirm-assign') && (
        <form
          class="stack assign-form"
          onSubmit={(e) => {
            e.preventDefault();
            void preview();
          }}
        >
          <fieldset disabled={mode.kind === 'confirm-assign'}>
            <legend>Schools</legend>
            <p class="muted">None ticked: every school.</p>
            {schools.map((s) => (
              <label key={s.id} class="choice">
                <input type="checkbox" checked={picked.includes(s.id)} onChange={(e) => setPicked(e.currentTarget.checked ? [...picked, s.id] : picked.filter((x) => x !== s.id))} />
                {s.name}
              </label>
            ))}
          </fieldset>
          <fieldset disabled={mode.kind === 'confirm-assign'}>
            <legend>Kinds of walkthrough</legend>
            <p class="muted">None ticked: every kind.</p>
            {allKinds.map((k) => (
              <label key={k} class="choice">
                <input type="checkbox" checked={kinds.includes(k)} onChange={(e) => setKinds(e.currentTarget.checked ? [...kinds, k] : kinds.filter((x) => x !== k))} />
                {kindLabels[k]![0]!.toUpperCase() + kindLabels[k]!.slice(1)}
              </label>
            ))}
          </fieldset>
          {mode.kind === 'assigning' && (
            <div class="actions">
              <button type="button" onClick={() => setMode({ kind: 'idle' })}>
                Cancel
              </button>
              <button type="submit" class="primary" disabled={busy} aria-busy={busy}>
                See whom it reaches…
              </button>
            </div>
          )}
        </form>
      )}
      {mode.kind === 'confirm-assign' && (
        <div class="confirm" role="alertdialog" aria-labelledby={`as-h-${slug}`} aria-describedby={`as-what-${slug}`}>
          <h4 id={`as-h-${slug}`} tabIndex={-1} ref={confirmRef}>
            Assign {f.name}?
          </h4>
          <ul id={`as-what-${slug}`}>
            {reachSentences(mode.reach, f.name).map((s) => (
              <li key={s}>{s}</li>
            ))}
          </ul>
          <div class="actions">
            <button type="button" onClick={() => setMode({ kind: 'assigning' })}>
              Change schools or kinds
            </button>
            <button type="button" class="primary" onClick={() => void assign()} disabled={busy}>
              Assign
            </button>
          </div>
        </div>
      )}
      {mode.kind === 'idle' && !retired && published && (
        <div class="actions">
          <button type="button" onClick={() => setMode({ kind: 'assigning' })}>
            Assign to schools or kinds…
          </button>
          {!f.main && (
            <button type="button" onClick={() => void previewMain()} disabled={busy}>
              Make it the main framework…
            </button>
          )}
          {!f.main && (
            <button type="button" onClick={() => setMode({ kind: 'confirm-retire' })}>
              Retire…
            </button>
          )}
        </div>
      )}
    </div>
  );
}
