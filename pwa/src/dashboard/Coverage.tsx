// Is attention spread fairly: the teachers of the selected schools not
// visited since a day, school by school.
import { useState } from 'preact/hooks';
import type { CoverageItem } from '../api/types';
import { getAll, useLoad } from './api';
import type { Context } from './context';
import type { View } from './shape';
import { Status } from './status';

/** The roles that see teachers, for whom coverage names them (the server decides). */
const teacherRoles: readonly string[] = ['district_admin', 'principal', 'coach'];

export function Coverage({ ctx, view, go }: { ctx: Context; view: View; go: (v: View) => void }) {
  if (!ctx.me.user.grants.some((g) => teacherRoles.includes(g.role))) {
    return (
      <section aria-labelledby="coverage-h" class="panel">
        <h2 id="coverage-h">Coverage</h2>
        <p class="muted" data-testid="coverage-not-yours">
          Coverage names teachers and when they were last visited, so it is shown to principals and coaches of a school, not to supervisors.
        </p>
      </section>
    );
  }
  return <CoverageOfTeachers ctx={ctx} view={view} go={go} />;
}

function CoverageOfTeachers({ ctx, view, go }: { ctx: Context; view: View; go: (v: View) => void }) {
  const path = `/coverage?from=${view.since}`;
  const [c, retry] = useLoad(path, () => getAll<CoverageItem>(path, Infinity));
  const [since, setSince] = useState(view.since);
  const [seen, setSeen] = useState(view.since);
  if (seen !== view.since) {
    setSeen(view.since);
    setSince(view.since);
  }
  const wanted = (id: string) => view.filters.schools.length === 0 || view.filters.schools.includes(id);
  return (
    <section aria-labelledby="coverage-h" class="panel">
      <h2 id="coverage-h">Coverage</h2>
      <div class="field inline">
        <label for="f-since">Teachers not visited since</label>
        <input
          id="f-since"
          type="date"
          value={since}
          onInput={(e) => setSince(e.currentTarget.value)}
          onChange={(e) => /^\d{4}-\d{2}-\d{2}$/.test(e.currentTarget.value) && go({ ...view, since: e.currentTarget.value })}
        />
      </div>
      {c.state !== 'ok' ? (
        <Status loaded={c} retry={retry} what="coverage" />
      ) : (
        <CoverageList ctx={ctx} items={c.data.items.filter((i) => wanted(i.teacher.school_id))} since={view.since} />
      )}
    </section>
  );
}

function CoverageList({ ctx, items, since }: { ctx: Context; items: CoverageItem[]; since: string }) {
  if (items.length === 0) return <p class="muted">Every teacher of these schools has been visited since {since}.</p>;
  const bySchool = new Map<string, CoverageItem[]>();
  for (const i of items) bySchool.set(i.teacher.school_id, [...(bySchool.get(i.teacher.school_id) ?? []), i]);
  const name = (id: string) => ctx.schools.find((s) => s.id === id)?.name ?? 'School';
  return (
    <ul class="cards coverage">
      {[...bySchool.entries()]
        .sort((a, b) => name(a[0]).localeCompare(name(b[0])))
        .map(([id, ts]) => (
          <li key={id} class="card" data-testid="coverage-school">
            <details>
              <summary>
                <strong>{name(id)}</strong>: {ts.length} {ts.length === 1 ? 'teacher' : 'teachers'} not visited since {since}
              </summary>
              <ul>
                {ts.map((i) => (
                  <li key={i.teacher.id}>
                    {i.teacher.given_name} {i.teacher.family_name}{' '}
                    <span class="muted">
                      {i.teacher.grades.length > 0 ? `grade ${i.teacher.grades.join(', ')} · ` : ''}
                      {i.last_observed ? `last visited ${new Date(i.last_observed).toLocaleDateString([], { timeZone: ctx.me.district.time_zone })}` : 'never visited'}
                    </span>
                  </li>
                ))}
              </ul>
            </details>
          </li>
        ))}
    </ul>
  );
}
