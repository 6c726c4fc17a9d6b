// Roster import: choose a file, see what it would do (a dry run), then
// import it. The server changes nothing when any row is bad.
import { useState } from 'preact/hooks';
import type { ImportReport } from '../api/types';
import { ApiError, failure, upload } from './api';

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
  | { step: 'imported'; report: ImportReport }
  | { step: 'failed'; message: string; rows?: ImportReport['problems'] };

function size(n: number): string {
  return n < 1024 ? `${n} bytes` : n < 1 << 20 ? `${(n / 1024).toFixed(0)} KB` : `${(n / (1 << 20)).toFixed(1)} MB`;
}

export function RosterImport() {
  const [kind, setKind] = useState<string>('teachers');
  const [file, setFile] = useState<File | null>(null);
  const [phase, setPhase] = useState<Phase>({ step: 'choose' });
  const contentType = kind === 'oneroster' ? 'application/zip' : 'text/csv';

  const send = async (dryRun: boolean) => {
    if (file === null) return;
    setPhase({ step: dryRun ? 'checking' : 'importing', sent: 0, total: file.size });
    try {
      const report = await upload<ImportReport>(`/imports/roster?kind=${kind}&dry_run=${dryRun}`, file, contentType, (sent, total) =>
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
        Records are matched by their SIS id: new ones are created, changed ones updated, teachers missing from a teacher file deactivated (never deleted). A file
        with any bad row changes nothing.
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
          onImport={() => void send(false)}
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
        <p class="notice" role="status">
          Imported. The changes are in the audit log.
        </p>
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
