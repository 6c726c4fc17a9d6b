// Roster import: choose a file and its kind of import, see what it would
// do (a dry run, naming everyone it would deactivate), confirm, then import
// it; an import can be undone. The server changes nothing when any row is
// bad.
import { useState } from 'preact/hooks';
import type { ImportDeactivation, ImportReport } from '../api/types';
import { ApiError, failure, upload } from './api';
import { UndoImport } from './UndoImport';

const modes = [
  { value: 'add', label: 'Add and update only', hint: 'New records are added and changed ones updated; nobody is deactivated.' },
  { value: 'full', label: 'Full roster', hint: 'The file is the whole roster: teachers missing from it are deactivated, and users lose roles it no longer gives them.' },
] as const;

/** More than this share of the active teachers deactivated asks a second time. */
const largeShare = 1 / 5;

const kinds = [
  { value: 'schools', label: 'Schools (CSV)', accept: '.csv,text/csv' },
  { value: 'teachers', label: 'Teachers (CSV)', accept: '.csv,text/csv' },
  { value: 'users', label: 'Users (CSV)', accept: '.csv,text/csv' },
  { value: 'oneroster', label: 'OneRoster 1.1 bundle (zip)', accept: '.zip,application/zip' },
] as const;

type Phase =
  | { step: 'choose' }
  | { step: 'checking' | 'importing'; sent: number; total: number }
  | { step: 'checked'; report: ImportReport }
  | { step: 'confirm'; report: ImportReport; round: 1 | 2 }
  | { step: 'imported'; report: ImportReport }
  | { step: 'failed'; message: string; rows?: ImportReport['problems'] };

function size(n: number): string {
  return n < 1024 ? `${n} bytes` : n < 1 << 20 ? `${(n / 1024).toFixed(0)} KB` : `${(n / (1 << 20)).toFixed(1)} MB`;
}

export function RosterImport() {
  const [kind, setKind] = useState<string>('teachers');
  const [mode, setMode] = useState<'add' | 'full'>('add');
  const [file, setFile] = useState<File | null>(null);
  const [phase, setPhase] = useState<Phase>({ step: 'choose' });
  const contentType = kind === 'oneroster' ? 'application/zip' : 'text/csv';

  const send = async (dryRun: boolean) => {
    if (file === null) return;
    setPhase({ step: dryRun ? 'checking' : 'importing', sent: 0, total: file.size });
    try {
      const report = await upload<ImportReport>(`/imports/roster?kind=${kind}&mode=${mode}&dry_run=${dryRun}`, file, contentType, (sent, total) =>
        setPhase({ step: dryRun ? 'checking' : 'importing', sent, total }),
      );
      setPhase(dryRun ? { step: 'checked', report } : { step: 'imported', report });
    } catch (e) {
      // A real run with bad rows answers 422 naming each row as file:line:field.
      const rows =
        e instanceof ApiError
          ? Object.entries(e.problems).map(([k, message]) => {
              const [f = '', line = '0', field = ''] = k.split(':');
              return { file: f, line: Number(line), field, message };
            })
          : undefined;
      setPhase({ step: 'failed', message: failure(e), ...(rows && rows.length ? { rows } : {}) });
    }
  };

  const busy = phase.step === 'checking' || phase.step === 'importing';
  return (
    <section aria-labelledby="ri-h" class="stack">
      <h2 id="ri-h">Roster import</h2>
      <p class="muted">
        Records are matched by their SIS id: new ones are created, changed ones updated. Only a full roster deactivates (never deletes) whoever is missing from
        it. A file with any bad row changes nothing, and an import can be undone from here or from its entry in the audit log.
      </p>
      <div class="grid-2">
        <div class="field">
          <label for="ri-kind">What the file holds</label>
          <select
            id="ri-kind"
            value={kind}
            disabled={busy}
            onChange={(e) => {
              setKind(e.currentTarget.value);
              setPhase({ step: 'choose' });
            }}
          >
            {kinds.map((k) => (
              <option key={k.value} value={k.value}>
                {k.label}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="ri-file">File</label>
          <input
            id="ri-file"
            type="file"
            disabled={busy}
            accept={kinds.find((k) => k.value === kind)?.accept}
            onChange={(e) => {
              setFile(e.currentTarget.files?.[0] ?? null);
              setPhase({ step: 'choose' });
              // Choosing the same file again, once fixed, must count as a change.
              e.currentTarget.value = '';
            }}
          />
          {file && (
            <p class="muted">
              {file.name}, {size(file.size)}
            </p>
          )}
        </div>
      </div>
      <fieldset class="import-mode">
        <legend>Kind of import</legend>
        {modes.map((m) => (
          <label key={m.value} class="choice">
            <input
              type="radio"
              name="ri-mode"
              value={m.value}
              checked={mode === m.value}
              disabled={busy}
              onChange={() => {
                setMode(m.value);
                setPhase({ step: 'choose' });
              }}
            />
            <span>
              <strong>{m.label}</strong>
              <span class="muted"> {m.hint}</span>
            </span>
          </label>
        ))}
      </fieldset>
      <div class="actions">
        <button type="button" class="primary" disabled={file === null || busy} onClick={() => void send(true)}>
          Check the file
        </button>
      </div>

      {busy && (
        <div role="status" class="progress">
          <label for="ri-progress">{phase.step === 'checking' ? 'Checking' : 'Importing'}: sending {size(phase.sent)} of {size(phase.total)}</label>
          <progress id="ri-progress" max={phase.total || 1} value={phase.sent} />
          {phase.sent >= phase.total && <p class="muted">Sent; the server is reading the file…</p>}
        </div>
      )}

      {phase.step === 'failed' && (
        <>
          <p class="error" role="alert">
            {phase.message}
          </p>
          {phase.rows && <BadRows rows={phase.rows} />}
        </>
      )}

      {(phase.step === 'checked' || phase.step === 'imported') && (
        <Report
          report={phase.report}
          imported={phase.step === 'imported'}
          onImport={() => (phase.report.deactivations.length > 0 ? setPhase({ step: 'confirm', report: phase.report, round: 1 }) : void send(false))}
        />
      )}

      {phase.step === 'confirm' && (
        <Confirm
          report={phase.report}
          round={phase.round}
          onYes={() => {
            const r = phase.report;
            if (phase.round === 1 && r.deactivations.length > r.active_teachers * largeShare) setPhase({ step: 'confirm', report: r, round: 2 });
            else void send(false);
          }}
          onNo={() => setPhase({ step: 'checked', report: phase.report })}
        />
      )}
    </section>
  );
}

function Report({ report, imported, onImport }: { report: ImportReport; imported: boolean; onImport: () => void }) {
  const kinds = [
    ['Schools', report.schools],
    ['Teachers', report.teachers],
    ['Users', report.users],
  ] as const;
  const bad = report.problems.length;
  return (
    <div class="stack" data-testid="import-report">
      {imported ? (
        <>
          <p class="notice" role="status">
            Imported. The changes are in the audit log.
          </p>
          {report.import_id && <UndoImport importId={report.import_id} />}
        </>
      ) : bad > 0 ? (
        <p class="error" role="alert">
          {bad} bad {bad === 1 ? 'row' : 'rows'}: nothing can be imported until the file is fixed. Fix the rows below, then choose the file again.
        </p>
      ) : (
        <p class="notice" role="status">
          The file is good. This is what importing it will do:
        </p>
      )}
      <table class="scores import-counts">
        <caption>{imported ? 'What the import did' : 'What the import will do'}</caption>
        <thead>
          <tr>
            <th scope="col">Records</th>
            <th scope="col">Created</th>
            <th scope="col">Updated</th>
            <th scope="col">Deactivated</th>
            <th scope="col">Unchanged</th>
          </tr>
        </thead>
        <tbody>
          {kinds.map(([name, c]) => (
            <tr key={name}>
              <th scope="row">{name}</th>
              <td>{c.created}</td>
              <td>{c.updated}</td>
              <td>{c.deactivated}</td>
              <td>{c.unchanged}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {report.skipped > 0 && <p class="muted">{report.skipped} empty rows were skipped.</p>}
      {bad > 0 && <BadRows rows={report.problems} />}
      {report.deactivations.length > 0 && (
        <Deactivations list={report.deactivations} caption={imported ? 'Deactivated by this import' : 'Will be deactivated'} />
      )}
      {!imported && bad === 0 && (
        <div class="actions">
          <button type="button" class="primary" onClick={onImport}>
            Import
          </button>
        </div>
      )}
    </div>
  );
}

function BadRows({ rows }: { rows: ImportReport['problems'] }) {
  return (
    <table class="scores bad-rows">
      <caption>Bad rows</caption>
      <thead>
        <tr>
          <th scope="col">File</th>
          <th scope="col">Line</th>
          <th scope="col">Column</th>
          <th scope="col">Reason</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r, i) => (
          <tr key={i}>
            <td>{r.file}</td>
            <td>{r.line || ''}</td>
            <td>{r.field}</td>
            <td class="reason">{r.message}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Deactivations({ list, caption }: { list: ImportDeactivation[]; caption: string }) {
  return (
    <details open class="deactivations">
      <summary>
        {caption}: {list.length} {list.length === 1 ? 'teacher' : 'teachers'}
      </summary>
      <ul class="name-list">
        {list.map((d) => (
          <li key={d.id}>
            {d.name}
            {d.school && <span class="muted">, {d.school}</span>}
          </li>
        ))}
      </ul>
    </details>
  );
}

/**
 * Asks before an import that deactivates anyone, naming them again; when it
 * would deactivate more than a fifth of the active teachers it asks twice.
 */
function Confirm({ report, round, onYes, onNo }: { report: ImportReport; round: 1 | 2; onYes: () => void; onNo: () => void }) {
  const n = report.deactivations.length;
  const share = report.active_teachers > 0 ? Math.round((100 * n) / report.active_teachers) : 100;
  return (
    <div class="stack confirm" role="alertdialog" aria-labelledby="ri-confirm-h" aria-describedby="ri-confirm-d">
      {round === 1 ? (
        <>
          <h3 id="ri-confirm-h">
            Deactivate {n} {n === 1 ? 'teacher' : 'teachers'}?
          </h3>
          <p id="ri-confirm-d">
            This full roster deactivates everyone below: they leave every observer&apos;s list of teachers. Their observations stay, and the import can be undone.
          </p>
          <Deactivations list={report.deactivations} caption="Will be deactivated" />
        </>
      ) : (
        <>
          <h3 id="ri-confirm-h">Are you sure? This deactivates {share}% of the active teachers.</h3>
          <p id="ri-confirm-d" class="error">
            {n} of the district&apos;s {report.active_teachers} active teachers will be deactivated. If the file holds only some schools or some teachers, choose
            &ldquo;Add and update only&rdquo; instead.
          </p>
        </>
      )}
      <div class="actions">
        <button type="button" class="danger" onClick={onYes}>
          {round === 1 ? `Deactivate ${n} and import` : `Yes, deactivate ${n} of ${report.active_teachers}`}
        </button>
        <button type="button" onClick={onNo}>
          Cancel
        </button>
      </div>
    </div>
  );
}
