import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { getMeta } from '../db/schema';
import type { Colleague, WalkthroughKind } from '../db/types';
import { uuidv7 } from '../db/uuid';
import { saveWalkthrough } from '../db/writes';
import { frameworksFor } from '../db/frameworks';
import { db, districtZone, useLive, useWho } from '../state';
import { dateIn } from '../time/zone';

const kinds: { value: WalkthroughKind; label: string }[] = [
  { value: 'classroom', label: 'Team walkthrough' },
  { value: 'leadership', label: 'Leadership walkthrough' },
  { value: 'informal', label: 'Informal visit' },
];

export function Start() {
  const { route } = useLocation();
  const who = useWho();
  const ref = useLive(
    async () => ({
      schools: await db.schools.toArray(),
      frameworks: await db.frameworks.toArray(),
      versions: await db.rubricVersions.toArray(),
      directory: (await getMeta<Colleague[]>(db, 'directory')) ?? [],
      tz: await districtZone(),
    }),
    [],
  );
  const [team, setTeam] = useState<string[]>([]);
  const [school, setSchool] = useState('');
  const [kind, setKind] = useState<WalkthroughKind>('classroom');
  const [focus, setFocus] = useState<string[]>([]);
  const [picked, setPicked] = useState('');
  const [error, setError] = useState<string | null>(null);
  const me = who?.session?.user;

  if (ref === undefined) return <main class="screen" aria-busy="true">Loading…</main>;
  if (ref.versions.length === 0 || ref.schools.length === 0) {
    return (
      <main class="screen">
        <h1>Start a walkthrough</h1>
        <p class="notice">Schools and the rubric have not reached this device yet. Connect and sync first.</p>
      </main>
    );
  }
  const schoolId = school || ref.schools[0]!.id;
  // The frameworks that apply at this school for this kind; the first is the default.
  const choices = frameworksFor(ref.frameworks, ref.versions, schoolId, kind);
  const framework = choices.find((c) => c.rubricId === picked) ?? choices[0];
  const rubric = framework === undefined ? undefined : { id: framework.versionId, data: framework.data };
  // Colleagues who work at the chosen school (or district-wide), not me.
  const colleagues = ref.directory.filter(
    (c) => c.id !== me?.id && c.grants.some((g) => g.role === 'district_admin' || g.school_id === schoolId),
  );

  const start = async (e: Event) => {
    e.preventDefault();
    if (me === undefined || rubric === undefined) return;
    try {
      const id = uuidv7();
      await saveWalkthrough(db, id, { school_id: schoolId, rubric_version_id: rubric.id, kind, date: dateIn(Date.now(), ref.tz), lead_id: me.id, team: [me.id, ...team.filter((t) => colleagues.some((c) => c.id === t))], focus });
      route(`/observe/new?walkthrough=${id}`, true);
    } catch (err) {
      setError(`Could not save on this device: ${String(err)}`);
    }
  };

  return (
    <main class="screen">
      <h1>Start a walkthrough</h1>
      <form class="stack" onSubmit={start}>
        {error && <p class="error" role="alert">{error}</p>}
        <div class="field">
          <label for="start-school">School</label>
          <select id="start-school" value={schoolId} onChange={(e) => { setSchool(e.currentTarget.value); setFocus([]); }}>
            {ref.schools.map((s) => (
              <option key={s.id} value={s.id}>
                {s.data.name}
              </option>
            ))}
          </select>
        </div>
        <fieldset>
          <legend>Kind</legend>
          {kinds.map((k) => (
            <label key={k.value} class="choice">
              <input type="radio" name="kind" value={k.value} checked={kind === k.value} onChange={() => { setKind(k.value); setFocus([]); }} />
              {k.label}
            </label>
          ))}
        </fieldset>
        <fieldset>
          <legend>Framework</legend>
          {framework === undefined ? (
            <p class="error" role="alert">No framework applies at this school for this kind of walkthrough. Ask your district administrator to assign one.</p>
          ) : choices.length === 1 ? (
            <p>
              Scored with <strong>{framework.name}</strong> <span class="muted">(version {framework.version})</span>
            </p>
          ) : (
            <>
              <p class="muted">More than one framework applies here. Choose the one this visit is scored with.</p>
              {choices.map((c) => (
                <label key={c.rubricId} class="choice">
                  <input
                    type="radio"
                    name="framework"
                    value={c.rubricId}
                    checked={framework.rubricId === c.rubricId}
                    onChange={() => {
                      setPicked(c.rubricId);
                      setFocus([]);
                    }}
                  />
                  {c.name} <span class="muted">(version {c.version}{c.main ? ', the district framework' : ''})</span>
                </label>
              ))}
            </>
          )}
        </fieldset>
        <fieldset>
          <legend>Team</legend>
          <p class="muted">You lead this walkthrough ({me?.name ?? me?.email}). Team members score on their own devices.</p>
          {colleagues.length === 0 ? (
            <p class="muted">No colleagues at this school have reached this device yet; sync while connected to invite them.</p>
          ) : (
            colleagues.map((c) => (
              <label key={c.id} class="choice">
                <input
                  type="checkbox"
                  checked={team.includes(c.id)}
                  onChange={(e) => setTeam(e.currentTarget.checked ? [...team, c.id] : team.filter((t) => t !== c.id))}
                />
                {c.name} <span class="muted">({[...new Set(c.grants.map((g) => g.role.replace('_', ' ')))].join(', ')})</span>
              </label>
            ))
          )}
        </fieldset>
        <fieldset>
          <legend>Focus indicators (optional)</legend>
          {(rubric?.data.dimensions ?? []).map((d) => (
            <div key={d.key}>
              <p class="dimension-name">{d.name}</p>
              {d.indicators.map((i) => (
                <label key={i.key} class="choice">
                  <input
                    type="checkbox"
                    checked={focus.includes(i.key)}
                    onChange={(e) => setFocus(e.currentTarget.checked ? [...focus, i.key] : focus.filter((k) => k !== i.key))}
                  />
                  {i.name}
                </label>
              ))}
            </div>
          ))}
        </fieldset>
        <button type="submit" class="primary" disabled={rubric === undefined}>
          Start and pick a classroom
        </button>
      </form>
    </main>
  );
}
