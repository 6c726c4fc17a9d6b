// Undo a roster import: what it deactivated is reactivated, what it created
// deactivated, what it changed changed back. Records changed since the
// import are left alone and named.
import { useState } from 'preact/hooks';
import type { UndoReport } from '../api/types';
import { api, failure } from './api';

type State = { step: 'idle' } | { step: 'asking' } | { step: 'undoing' } | { step: 'done'; report: UndoReport } | { step: 'failed'; message: string };

const entityWords: Record<string, string> = { school: 'school', teacher: 'teacher', user: 'user' };

export function UndoImport({ importId }: { importId: string }) {
  const [state, setState] = useState<State>({ step: 'idle' });
  const undo = async () => {
    setState({ step: 'undoing' });
    try {
      setState({ step: 'done', report: await api<UndoReport>('POST', `/imports/${importId}/undo`) });
    } catch (e) {
      setState({ step: 'failed', message: failure(e) });
    }
  };
  switch (state.step) {
    case 'idle':
      return (
        <button type="button" onClick={() => setState({ step: 'asking' })}>
          Undo this import
        </button>
      );
    case 'asking':
      return (
        <div class="stack" role="group" aria-label="Undo the import">
          <p>Undo this import? Whoever it deactivated is reactivated, whatever it created is deactivated, and whatever it changed is changed back.</p>
          <div class="actions">
            <button type="button" class="danger" onClick={() => void undo()}>
              Yes, undo the import
            </button>
            <button type="button" onClick={() => setState({ step: 'idle' })}>
              Keep it
            </button>
          </div>
        </div>
      );
    case 'undoing':
      return <p aria-busy="true">Undoing…</p>;
    case 'failed':
      return (
        <p class="error" role="alert">
          {state.message}
        </p>
      );
    case 'done': {
      const r = state.report;
      return (
        <div class="stack" role="status">
          <p class="notice">
            Undone: {r.reactivated} reactivated, {r.deactivated} deactivated, {r.restored} changed back.
          </p>
          {r.kept.length > 0 && (
            <>
              <p>These changed after the import and were left as they are:</p>
              <ul>
                {r.kept.map((k) => (
                  <li key={k.id}>
                    {k.name} ({entityWords[k.entity] ?? k.entity})
                  </li>
                ))}
              </ul>
            </>
          )}
        </div>
      );
    }
  }
}
