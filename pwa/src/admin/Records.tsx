// One school or one teacher at a time, without a file: add one, or change
// one (each change names the record's revision, so an edit made on a stale
// screen is refused rather than written over someone else's). People are
// added and changed one at a time in People.tsx.
import { useEffect, useState } from 'preact/hooks';
import type { School, Teacher } from '../api/types';
import { api, apiAll, ApiError, failure } from './api';

const list = (s: string) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '');

export function Records() {
  const [schools, setSchools] = useState<School[] | undefined>();
  const [schoolId, setSchoolId] = useState('');
  const [teachers, setTeachers] = useState<Teacher[] | undefined>();
  const [error, setError] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);

  const loadSchools = () =>
    apiAll<School>('/schools').then(
      (l) => setSchools(l.sort((a, b) => a.name.localeCompare(b.name))),
      (e) => setError(failure(e)),
    );
  useEffect(() => {
    void loadSchools();
  }, []);
  const school = schoolId || schools?.[0]?.id || '';
  const loadTeachers = () => {
    if (!school) return;
    setTeachers(undefined);
    apiAll<Teacher>(`/teachers?school_id=${school}`).then(
      (l) => setTeachers(l.sort((a, b) => a.family_name.localeCompare(b.family_name))),
      (e) => setError(failure(e)),
    );
  };
  useEffect(loadTeachers, [school]);
  const done = (m: string) => {
    setMessage(m);
    setError(null);
  };

  return (
    <section aria-labelledby="rec-h" class="stack">
      <h2 id="rec-h">Schools and teachers</h2>
      <p class="muted">Add or change one school or one teacher here; a whole roster goes through Roster import.</p>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {message && (
        <p class="notice" role="status">
          {message}
        </p>
      )}
      <h3>Schools</h3>
      {schools === undefined ? (
        <p aria-busy="true">Loading…</p>
      ) : (
        <ul class="cards">
          {schools.map((s) => (
            <li key={s.id} class="card">
              <SchoolForm
                school={s}
                onSaved={(x) => {
                  done(`${x.name} is saved.`);
                  void loadSchools();
                }}
              />
            </li>
          ))}
          <li class="card">
            <SchoolForm
              onSaved={(x) => {
                done(`${x.name} is added.`);
                void loadSchools();
              }}
            />
          </li>
        </ul>
      )}
      <h3>Teachers</h3>
      {schools !== undefined && schools.length > 0 && (
        <div class="field">
          <label for="rec-school">Teachers of</label>
          <select id="rec-school" value={school} onChange={(e) => setSchoolId(e.currentTarget.value)}>
            {schools.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        </div>
      )}
      {teachers === undefined ? (
        schools?.length === 0 ? <p class="muted">Add a school first.</p> : <p aria-busy="true">Loading…</p>
      ) : (
        <ul class="cards">
          {teachers.length === 0 && <li class="muted">No teachers at this school yet.</li>}
          {teachers.map((t) => (
            <li key={t.id} class="card">
              <TeacherForm
                teacher={t}
                schoolId={school}
                onSaved={(x) => {
                  done(`${x.given_name} ${x.family_name} is saved.`);
                  loadTeachers();
                }}
              />
            </li>
          ))}
          <li class="card">
            <TeacherForm
              schoolId={school}
              onSaved={(x) => {
                done(`${x.given_name} ${x.family_name} is added.`);
                loadTeachers();
              }}
            />
          </li>
        </ul>
      )}
    </section>
  );
}

/** Problems by field from a refusal, and its words. */
function useRefusal() {
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const fail = (e: unknown) => {
    setError(failure(e));
    setProblems(e instanceof ApiError ? e.problems : {});
  };
  const clear = () => {
    setError(null);
    setProblems({});
  };
  return { problems, error, fail, clear };
}

function SchoolForm({ school, onSaved }: { school?: School; onSaved: (s: School) => void }) {
  const [open, setOpen] = useState(false);
  const [name, setName] = useState(school?.name ?? '');
  const [band, setBand] = useState(school?.grade_band ?? '');
  const [ext, setExt] = useState(school?.external_id ?? '');
  const [active, setActive] = useState(school?.active ?? true);
  const [busy, setBusy] = useState(false);
  const r = useRefusal();
  const id = school?.id ?? 'new-school';
  if (!open) {
    return school ? (
      <div class="row-actions record-row">
        <span>
          <strong>{school.name}</strong> <span class="muted">{[school.grade_band, school.external_id].filter(Boolean).join(' · ')}</span>
          {!school.active && <span class="badge danger">Inactive</span>}
        </span>
        <button type="button" onClick={() => setOpen(true)} aria-label={`Edit ${school.name}`}>
          Edit
        </button>
      </div>
    ) : (
      <button type="button" onClick={() => setOpen(true)}>
        Add a school
      </button>
    );
  }
  const save = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    r.clear();
    try {
      const body = { name, grade_band: band, external_id: ext, active };
      const saved = school ? await api<School>('PATCH', `/schools/${school.id}`, { ...body, rev: school.rev }) : await api<School>('POST', '/schools', body);
      setOpen(false);
      onSaved(saved);
    } catch (err) {
      r.fail(err);
    } finally {
      setBusy(false);
    }
  };
  const err = (f: string) => r.problems[f] && <p class="field-error" id={`${id}-${f}-err`}>{r.problems[f]}</p>;
  return (
    <form class="stack" onSubmit={save} aria-label={school ? `Edit ${school.name}` : 'Add a school'}>
      {r.error && (
        <p class="error" role="alert">
          {r.error}
        </p>
      )}
      <div class="field">
        <label for={`${id}-name`}>School name</label>
        <input id={`${id}-name`} value={name} onInput={(e) => setName(e.currentTarget.value)} aria-invalid={!!r.problems['name']} required />
        {err('name')}
      </div>
      <div class="field">
        <label for={`${id}-band`}>Grade band</label>
        <input id={`${id}-band`} value={band} onInput={(e) => setBand(e.currentTarget.value)} placeholder="elementary, middle, high, k-8" aria-invalid={!!r.problems['grade_band']} />
        {err('grade_band')}
      </div>
      <div class="field">
        <label for={`${id}-ext`}>Id in the district's records (optional)</label>
        <input id={`${id}-ext`} value={ext} onInput={(e) => setExt(e.currentTarget.value)} aria-invalid={!!r.problems['external_id']} />
        {err('external_id')}
      </div>
      {school && (
        <label class="choice">
          <input type="checkbox" checked={active} onChange={(e) => setActive(e.currentTarget.checked)} />
          Active (unticked: the school leaves observers' lists; its history stays)
        </label>
      )}
      <div class="actions">
        <button type="button" onClick={() => setOpen(false)}>
          Cancel
        </button>
        <button type="submit" class="primary" disabled={busy} aria-busy={busy}>
          {school ? 'Save school' : 'Add school'}
        </button>
      </div>
    </form>
  );
}

function TeacherForm({ teacher, schoolId, onSaved }: { teacher?: Teacher; schoolId: string; onSaved: (t: Teacher) => void }) {
  const [open, setOpen] = useState(false);
  const [given, setGiven] = useState(teacher?.given_name ?? '');
  const [family, setFamily] = useState(teacher?.family_name ?? '');
  const [email, setEmail] = useState(teacher?.email ?? '');
  const [grades, setGrades] = useState(teacher?.grades.join(', ') ?? '');
  const [subjects, setSubjects] = useState(teacher?.subjects.join(', ') ?? '');
  const [active, setActive] = useState(teacher?.active ?? true);
  const [busy, setBusy] = useState(false);
  const r = useRefusal();
  const id = teacher?.id ?? 'new-teacher';
  if (!open) {
    return teacher ? (
      <div class="row-actions record-row">
        <span>
          <strong>
            {teacher.given_name} {teacher.family_name}
          </strong>{' '}
          <span class="muted">{[teacher.grades.length ? `${teacher.grades.length === 1 ? 'grade' : 'grades'} ${teacher.grades.join(', ')}` : '', teacher.subjects.join(', ')].filter(Boolean).join(' · ')}</span>
          {!teacher.active && <span class="badge danger">Inactive</span>}
        </span>
        <button type="button" onClick={() => setOpen(true)} aria-label={`Edit ${teacher.given_name} ${teacher.family_name}`}>
          Edit
        </button>
      </div>
    ) : (
      <button type="button" onClick={() => setOpen(true)}>
        Add a teacher
      </button>
    );
  }
  const save = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    r.clear();
    try {
      const body = { given_name: given, family_name: family, email, grades: list(grades), subjects: list(subjects), active };
      const saved = teacher
        ? await api<Teacher>('PATCH', `/teachers/${teacher.id}`, { ...body, rev: teacher.rev })
        : await api<Teacher>('POST', '/teachers', { ...body, school_id: schoolId });
      setOpen(false);
      onSaved(saved);
    } catch (err) {
      r.fail(err);
    } finally {
      setBusy(false);
    }
  };
  const err = (f: string) => r.problems[f] && <p class="field-error">{r.problems[f]}</p>;
  return (
    <form class="stack" onSubmit={save} aria-label={teacher ? `Edit ${teacher.given_name} ${teacher.family_name}` : 'Add a teacher'}>
      {r.error && (
        <p class="error" role="alert">
          {r.error}
        </p>
      )}
      <div class="grid-2">
        <div class="field">
          <label for={`${id}-given`}>Given name</label>
          <input id={`${id}-given`} value={given} onInput={(e) => setGiven(e.currentTarget.value)} aria-invalid={!!r.problems['given_name']} />
          {err('given_name')}
        </div>
        <div class="field">
          <label for={`${id}-family`}>Family name</label>
          <input id={`${id}-family`} value={family} onInput={(e) => setFamily(e.currentTarget.value)} aria-invalid={!!r.problems['family_name']} />
          {err('family_name')}
        </div>
        <div class="field">
          <label for={`${id}-grades`}>Grades (commas between)</label>
          <input id={`${id}-grades`} value={grades} onInput={(e) => setGrades(e.currentTarget.value)} placeholder="K, 1, 2" aria-invalid={!!r.problems['grades']} />
          {err('grades')}
        </div>
        <div class="field">
          <label for={`${id}-subjects`}>Subjects (commas between)</label>
          <input id={`${id}-subjects`} value={subjects} onInput={(e) => setSubjects(e.currentTarget.value)} placeholder="ELA, Mathematics" aria-invalid={!!r.problems['subjects']} />
          {err('subjects')}
        </div>
        <div class="field">
          <label for={`${id}-email`}>Email (optional)</label>
          <input id={`${id}-email`} type="email" value={email} onInput={(e) => setEmail(e.currentTarget.value)} aria-invalid={!!r.problems['email']} />
          {err('email')}
        </div>
      </div>
      {teacher && (
        <label class="choice">
          <input type="checkbox" checked={active} onChange={(e) => setActive(e.currentTarget.checked)} />
          Active (unticked: the teacher leaves observers' lists; their history stays)
        </label>
      )}
      <div class="actions">
        <button type="button" onClick={() => setOpen(false)}>
          Cancel
        </button>
        <button type="submit" class="primary" disabled={busy} aria-busy={busy}>
          {teacher ? 'Save teacher' : 'Add teacher'}
        </button>
      </div>
    </form>
  );
}
