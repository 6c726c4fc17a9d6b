// The framework builder: copy the built-in template or a version into a
// draft, edit it, preview it as observers will score it, publish it. The
// state and its rules live in builder.ts; this file only draws them.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ObservationRow } from '../db/schema';
import type { ObservationData } from '../db/types';
import { Rubric } from '../screens/Observe';
import type { Framework, FrameworkReach, RubricSummary, RubricVersion, School } from '../api/types';
import { api, apiAll, ApiError, download, failure, saveFile, sendText } from './api';
import * as b from './builder';
import { Places } from './Places';
import { reachSentences } from './reach';

interface Editing {
  draft: b.Draft;
  /** The saved draft's id, once the server has it. */
  draftId?: string;
  /** The saved draft's revision: an edit made on an older one is refused, not written over another's. */
  draftRev?: number;
  /** The rubric the draft will be the next version of; none for a new framework. */
  rubricId?: string;
  from: string;
}

/** A framework as the builder's list shows it. */
function summary(f: Framework): RubricSummary {
  return { id: f.id, name: f.name, main: f.main, retired: f.retired_at !== undefined, versions: f.versions };
}

export function Builder() {
  const [frameworks, setFrameworks] = useState<Framework[] | undefined>();
  const [schools, setSchools] = useState<School[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [undo, setUndo] = useState<(() => Promise<void>) | null>(null);
  const [editing, setEditing] = useState<Editing | null>(null);
  const [busy, setBusy] = useState(false);
  const list = frameworks?.map(summary);

  const load = () =>
    Promise.all([apiAll<Framework>('/frameworks'), apiAll<School>('/schools')]).then(
      ([l, sc]) => {
        setFrameworks(l);
        setSchools(sc.filter((x) => x.active));
        setError(null);
      },
      (e) => setError(failure(e)),
    );
  useEffect(() => {
    void load();
  }, []);

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
  const fromTemplate = () =>
    run(async () => {
      const blob = await download('/rubrics/template');
      setEditing({ draft: b.parseDocument(await blob.text()), from: 'the built-in five-dimension template' });
    });
  const copy = (r: RubricSummary, id: string, version: number) =>
    run(async () => {
      const v = await api<RubricVersion>('GET', `/rubrics/${id}`);
      setEditing({ draft: b.fromVersion(v), rubricId: r.id, from: `${r.name}, version ${version}` });
    });
  const edit = (r: RubricSummary, id: string, version: number) =>
    run(async () => {
      const v = await api<RubricVersion>('GET', `/rubrics/${id}`);
      setEditing({ draft: b.fromVersion(v), draftId: id, draftRev: v.rev, rubricId: r.id, from: `${r.name}, draft version ${version}` });
    });
  const exportVersion = (id: string, version: number) =>
    run(async () => {
      saveFile(await download(`/rubrics/${id}/export`), `rubric-v${version}.json`);
    });
  const importFile = (f: File) =>
    run(async () => {
      try {
        setEditing({ draft: b.parseDocument(await f.text()), from: f.name });
      } catch (e) {
        throw new ApiError(0, `${f.name}: ${(e as Error).message}`);
      }
    });

  if (editing) {
    return (
      <Editor
        editing={editing}
        setEditing={setEditing}
        list={list ?? []}
        close={() => {
          setEditing(null);
          void load();
        }}
      />
    );
  }
  return (
    <section aria-labelledby="fw-h">
      <h2 id="fw-h">Frameworks</h2>
      <p class="muted">Frameworks live side by side. The district framework applies everywhere; another applies only where you assign it, and observers there choose.</p>
      {error && <p class="error" role="alert">{error}</p>}
      {message && (
        <p class="notice" role="status">
          {message}
          {undo && (
            <>
              {' '}
              <button
                type="button"
                disabled={busy}
                onClick={() =>
                  void run(async () => {
                    await undo();
                    setUndo(null);
                    setMessage('Undone: the former main framework is the main one again.');
                    await load();
                  })
                }
              >
                Undo
              </button>
            </>
          )}
        </p>
      )}
      <div class="actions">
        <button type="button" onClick={() => void fromTemplate()} disabled={busy}>
          Start from the built-in template
        </button>
        <label class="button file-button">
          Import a JSON file
          <input
            type="file"
            accept="application/json,.json"
            class="visually-hidden"
            onChange={(e) => {
              const f = e.currentTarget.files?.[0];
              if (f) void importFile(f);
              e.currentTarget.value = '';
            }}
          />
        </label>
      </div>
      {list === undefined ? (
        <p aria-busy="true">Loading…</p>
      ) : list.length === 0 ? (
        <p class="muted">No framework yet. Start from the built-in template or import a rubric document.</p>
      ) : (
        <ul class="cards">
          {list.map((r, i) => (
            <li key={r.id} class="card framework-card">
              <strong>
                {r.name}
                {r.main && <span class="badge">District framework</span>}
                {r.retired && <span class="badge danger">Retired</span>}
              </strong>
              <table class="scores versions">
                <caption class="visually-hidden">Versions of {r.name}</caption>
                <thead>
                  <tr>
                    <th scope="col">Version</th>
                    <th scope="col">Status</th>
                    <th scope="col">Actions</th>
                  </tr>
                </thead>
                <tbody>
                  {[...r.versions].reverse().map((v) => (
                    <tr key={v.id}>
                      <td>{v.version}</td>
                      <td>{v.status === 'published' ? `Published ${v.published_at ? new Date(v.published_at).toLocaleDateString() : ''}` : 'Draft'}</td>
                      <td class="row-actions">
                        {v.status === 'draft' ? (
                          <button type="button" onClick={() => void edit(r, v.id, v.version)} disabled={busy}>
                            Edit draft
                          </button>
                        ) : (
                          <button type="button" onClick={() => void copy(r, v.id, v.version)} disabled={busy}>
                            Copy into a new draft
                          </button>
                        )}
                        <button type="button" onClick={() => void exportVersion(v.id, v.version)} disabled={busy}>
                          Export JSON
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <Places
                framework={frameworks![i]!}
                schools={schools}
                current={frameworks!.find((x) => x.main && x.id !== r.id)}
                onChanged={(m, u) => {
                  setMessage(m);
                  setUndo(() => u ?? null);
                  void load();
                }}
              />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

interface EditorProps {
  editing: Editing;
  setEditing: (e: Editing) => void;
  list: RubricSummary[];
  close: () => void;
}

function Editor({ editing, setEditing, list, close }: EditorProps) {
  const { draft } = editing;
  const [flow, setFlow] = useState<b.PublishState>({ step: 'editing' });
  const [message, setMessage] = useState<string | null>(null);
  const [preview, setPreview] = useState(false);
  const [focusId, setFocusId] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const step = (e: b.PublishEvent) => setFlow((s) => b.publishStep(s, e));
  const problems = { ...(flow.step === 'failed' ? flow.problems : {}), ...b.validate(draft) };
  const count = Object.keys(b.validate(draft)).length;
  const update = (d: b.Draft) => {
    setMessage(null);
    setEditing({ ...editing, draft: d });
    if (flow.step === 'failed' || flow.step === 'published') step({ type: 'edit' });
  };

  useEffect(() => {
    if (focusId === null) return;
    document.getElementById(focusId)?.focus();
    setFocusId(null);
  }, [focusId]);

  const save = async (): Promise<RubricVersion> => {
    const doc = b.toDocument(draft);
    const v = editing.draftId
      ? await sendText<RubricVersion>('PUT', `/rubrics/${editing.draftId}${editing.draftRev ? `?rev=${editing.draftRev}` : ''}`, doc, 'application/json')
      : await sendText<RubricVersion>('POST', `/rubrics${editing.rubricId ? `?rubric_id=${editing.rubricId}` : ''}`, doc, 'application/json');
    setEditing({ ...editing, draftId: v.id, draftRev: v.rev, rubricId: v.rubric_id });
    return v;
  };
  const saveOnly = async () => {
    setBusy(true);
    try {
      const v = await save();
      setMessage(`Draft version ${v.version} saved. Observers do not see it until it is published.`);
    } catch (e) {
      setMessage(null);
      step({ type: 'request' });
      step({ type: 'error', message: failure(e), problems: e instanceof ApiError ? e.problems : {} });
    } finally {
      setBusy(false);
    }
  };
  const requestPublish = async () => {
    step({ type: 'request' });
    try {
      const v = await save();
      const published = list.find((r) => r.id === v.rubric_id)?.versions.filter((x) => x.status === 'published').at(-1);
      const current = published ? await api<RubricVersion>('GET', `/rubrics/${published.id}`) : undefined;
      const total = draft.dimensions.reduce((n, d) => n + d.indicators.length, 0);
      const summary = b.describeChanges(b.changes(current, draft), current === undefined, total);
      step({ type: 'saved', draftId: v.id, summary: [...summary, ...(await publishReach(v, list))] });
    } catch (e) {
      step({ type: 'error', message: failure(e), problems: e instanceof ApiError ? e.problems : {} });
    }
  };
  const confirmPublish = async (draftId: string) => {
    step({ type: 'confirm' });
    try {
      const v = await api<RubricVersion>('POST', `/rubrics/${draftId}/publish`);
      step({ type: 'done', versionId: v.id, version: v.version });
    } catch (e) {
      step({ type: 'error', message: failure(e), problems: e instanceof ApiError ? e.problems : {} });
    }
  };

  if (flow.step === 'published') {
    return (
      <section aria-labelledby="pub-h" class="stack">
        <h2 id="pub-h">Published</h2>
        <p class="notice" role="status">
          {draft.name}, version {flow.version}, is published. Observers score on it from their next sync.
        </p>
        <button type="button" class="primary" onClick={close}>
          Back to frameworks
        </button>
      </section>
    );
  }

  const err = (f: string) =>
    problems[f] ? (
      <p class="field-error" id={`err-${f}`}>
        {problems[f]}
      </p>
    ) : null;
  const inv = (f: string) => (problems[f] ? { 'aria-invalid': true, 'aria-describedby': `err-${f}` } : {});
  const moveButtons = (what: string, id: string, i: number, n: number, move: (delta: number) => void, remove: () => void, removeDisabled = false) => (
    <span class="row-actions">
      <button type="button" id={`${id}-up`} aria-label={`Move ${what} up`} disabled={i === 0} onClick={() => { move(-1); setFocusId(i - 1 === 0 ? `${id.replace(/\d+$/, String(i - 1))}-down` : `${id.replace(/\d+$/, String(i - 1))}-up`); }}>
        ↑
      </button>
      <button type="button" id={`${id}-down`} aria-label={`Move ${what} down`} disabled={i === n - 1} onClick={() => { move(1); setFocusId(i + 1 === n - 1 ? `${id.replace(/\d+$/, String(i + 1))}-up` : `${id.replace(/\d+$/, String(i + 1))}-down`); }}>
        ↓
      </button>
      <button type="button" class="danger" aria-label={`Remove ${what}`} disabled={removeDisabled} onClick={remove}>
        Remove
      </button>
    </span>
  );

  return (
    <section aria-labelledby="ed-h" class="builder">
      <div class="title-row">
        <h2 id="ed-h">{editing.draftId ? 'Edit draft' : 'New draft'}</h2>
        <button type="button" onClick={close}>
          Back to frameworks
        </button>
      </div>
      <p class="muted">Started from {editing.from}.</p>
      <div class="field">
        <label for="fw-name">Framework name</label>
        <input id="fw-name" value={draft.name} onInput={(e) => update(b.setName(draft, e.currentTarget.value))} {...inv('name')} />
        {err('name')}
      </div>
      <div class="field">
        <label for="fw-desc">Description</label>
        <textarea id="fw-desc" rows={2} value={draft.description} onInput={(e) => update(b.setDescription(draft, e.currentTarget.value))} />
      </div>

      <fieldset class="levels-editor">
        <legend>Levels (the scale, lowest first)</legend>
        {err('levels')}
        {draft.levels.map((l, li) => (
          <div class="level-row" key={li}>
            <div class="field small">
              <label for={`lv-${li}-value`}>Score</label>
              <input id={`lv-${li}-value`} type="number" min={0} max={10} value={l.value} onInput={(e) => update(b.setLevelValue(draft, li, Number(e.currentTarget.value)))} {...inv(`levels[${li}].value`)} />
              {err(`levels[${li}].value`)}
            </div>
            <div class="field">
              <label for={`lv-${li}-label`}>Label of level {li + 1}</label>
              <input id={`lv-${li}-label`} value={l.label} onInput={(e) => update(b.setLevelLabel(draft, li, e.currentTarget.value))} {...inv(`levels[${li}].label`)} />
              {err(`levels[${li}].label`)}
            </div>
            {moveButtons(`level ${l.label || li + 1}`, `lv-${li}`, li, draft.levels.length, (d) => update(b.moveLevel(draft, li, d)), () => update(b.removeLevel(draft, li)))}
          </div>
        ))}
        <button type="button" onClick={() => update(b.addLevel(draft))}>
          Add a level
        </button>
      </fieldset>

      {err('dimensions')}
      {draft.dimensions.map((dim, di) => {
        const f = `dimensions[${di}]`;
        return (
          <fieldset class="dimension-editor" key={di} data-dimension={di}>
            <legend>
              Dimension {di + 1}: {dim.name || 'unnamed'}
            </legend>
            <div class="grid-2">
              <div class="field">
                <label for={`dim-${di}-name`}>Dimension name</label>
                <input id={`dim-${di}-name`} value={dim.name} onInput={(e) => update(b.renameDimension(draft, di, e.currentTarget.value))} {...inv(`${f}.name`)} />
                {err(`${f}.name`)}
              </div>
              <div class="field">
                <label for={`dim-${di}-key`}>Dimension key</label>
                <input id={`dim-${di}-key`} value={dim.key} onInput={(e) => update(b.setDimensionKey(draft, di, e.currentTarget.value))} {...inv(`${f}.key`)} />
                {err(`${f}.key`)}
              </div>
            </div>
            {moveButtons(`dimension ${dim.name}`, `dim-${di}`, di, draft.dimensions.length, (d) => update(b.moveDimension(draft, di, d)), () => update(b.removeDimension(draft, di)))}
            {err(`${f}.indicators`)}
            {dim.indicators.map((ind, ii) => {
              const g = `${f}.indicators[${ii}]`;
              return (
                <div class="indicator-editor" key={ii} data-indicator={ind.key}>
                  <div class="grid-2">
                    <div class="field">
                      <label for={`ind-${di}-${ii}-name`}>Indicator name</label>
                      <input id={`ind-${di}-${ii}-name`} value={ind.name} onInput={(e) => update(b.renameIndicator(draft, di, ii, e.currentTarget.value))} {...inv(`${g}.name`)} />
                      {err(`${g}.name`)}
                    </div>
                    <div class="field">
                      <label for={`ind-${di}-${ii}-key`}>Indicator key</label>
                      <input id={`ind-${di}-${ii}-key`} value={ind.key} onInput={(e) => update(b.setIndicatorKey(draft, di, ii, e.currentTarget.value))} {...inv(`${g}.key`)} />
                      {err(`${g}.key`)}
                    </div>
                  </div>
                  {err(`${g}.descriptors`)}
                  <div class="descriptors">
                    {draft.levels.map((l) => {
                      const id = `desc-${di}-${ii}-${l.value}`;
                      const p = b.descriptorProblem(draft, problems, di, ii, l.value);
                      return (
                        <div class="field" key={l.value}>
                          <label for={id}>
                            {ind.name || 'Indicator'} at {l.value} · {l.label || 'unnamed level'}
                          </label>
                          <textarea id={id} rows={2} value={ind.descriptors.find((x) => x.level === l.value)?.text ?? ''} onInput={(e) => update(b.setDescriptor(draft, di, ii, l.value, e.currentTarget.value))} aria-invalid={p ? true : undefined} aria-describedby={p ? `${id}-err` : undefined} />
                          {p && (
                            <p class="field-error" id={`${id}-err`}>
                              {p}
                            </p>
                          )}
                        </div>
                      );
                    })}
                  </div>
                  {moveButtons(`indicator ${ind.name}`, `ind-${di}-${ii}`, ii, dim.indicators.length, (d) => update(b.moveIndicator(draft, di, ii, d)), () => update(b.removeIndicator(draft, di, ii)))}
                </div>
              );
            })}
            <button type="button" onClick={() => update(b.addIndicator(draft, di))}>
              Add an indicator to {dim.name || 'this dimension'}
            </button>
          </fieldset>
        );
      })}
      <button type="button" onClick={() => update(b.addDimension(draft))}>
        Add a dimension
      </button>

      {preview && <Preview draft={draft} />}

      {flow.step === 'confirming' && (
        <ConfirmPublish summary={flow.summary} name={draft.name} onCancel={() => step({ type: 'cancel' })} onConfirm={() => void confirmPublish(flow.draftId)} />
      )}

      <div class="actions sticky builder-bar">
        <span class={count ? 'reason' : 'muted'} role="status" data-testid="problem-count">
          {count === 0 ? 'No problems' : `${count} ${count === 1 ? 'problem' : 'problems'} to fix before saving`}
        </span>
        {flow.step === 'failed' && (
          <span class="error" role="alert">
            {flow.message}
          </span>
        )}
        {message && <span role="status">{message}</span>}
        <button type="button" onClick={() => setPreview(!preview)} aria-pressed={preview}>
          {preview ? 'Hide preview' : 'Preview'}
        </button>
        <button type="button" onClick={() => saveFile(new Blob([b.toDocument(draft)], { type: 'application/json' }), `${b.keyFromName(draft.name) || 'rubric'}.json`)}>
          Export JSON
        </button>
        <button type="button" onClick={() => void saveOnly()} disabled={count > 0 || busy || flow.step === 'saving' || flow.step === 'publishing'}>
          Save draft
        </button>
        <button type="button" class="primary" onClick={() => void requestPublish()} disabled={count > 0 || busy || flow.step === 'saving' || flow.step === 'publishing' || flow.step === 'confirming'} aria-busy={flow.step === 'saving' || flow.step === 'publishing'}>
          {flow.step === 'publishing' ? 'Publishing…' : 'Publish…'}
        </button>
      </div>
    </section>
  );
}

/** Who a published version reaches: its framework's schools, kinds and observers, from now. */
async function publishReach(v: RubricVersion, list: RubricSummary[]): Promise<string[]> {
  const anyPublished = list.some((r) => r.versions.some((x) => x.status === 'published'));
  if (!anyPublished) return ['It becomes the district framework: every observer at every school scores every kind of walkthrough with it.'];
  const own = list.find((r) => r.id === v.rubric_id);
  if (own === undefined || !own.versions.some((x) => x.status === 'published')) {
    return [`${v.name} is a new framework: publishing it changes nothing for anyone until you assign it to schools or kinds of walkthrough.`];
  }
  const reach = await api<FrameworkReach>('GET', `/frameworks/${v.rubric_id}/reach`);
  return [`Version ${v.version} replaces only the earlier versions of ${own.name}; other frameworks stay as they are.`, ...reachSentences(reach, `version ${v.version} of ${own.name}`)];
}

function ConfirmPublish({ summary, name, onCancel, onConfirm }: { summary: string[]; name: string; onCancel: () => void; onConfirm: () => void }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return (
    <div class="confirm" role="alertdialog" aria-modal="false" aria-labelledby="confirm-h" aria-describedby="confirm-what">
      <h3 id="confirm-h" tabIndex={-1} ref={ref}>
        Publish {name}?
      </h3>
      <ul id="confirm-what">
        {summary.map((s) => (
          <li key={s}>{s}</li>
        ))}
      </ul>
      <div class="actions">
        <button type="button" onClick={onCancel}>
          Keep editing
        </button>
        <button type="button" class="primary" onClick={onConfirm}>
          Publish for observers
        </button>
      </div>
    </div>
  );
}

/** The draft as an observer will see it on the scoring screen, with taps that go nowhere. */
function Preview({ draft }: { draft: b.Draft }) {
  const [data, setData] = useState<ObservationData>({ school_id: '', teacher_id: '', rubric_version_id: '', kind: 'classroom', started_at: new Date().toISOString(), status: 'draft', scores: [] });
  const row: ObservationRow = { id: 'preview', rev: 0, data, updated_at: 0 };
  return (
    <section class="preview observe" aria-labelledby="preview-h">
      <h2 id="preview-h">Preview: what observers will see</h2>
      <p class="muted">Try the levels; nothing is saved.</p>
      <Rubric rubric={b.asVersion(draft)} o={row} focus={[]} save={(ch) => setData(ch(structuredClone(data)))} />
    </section>
  );
}
