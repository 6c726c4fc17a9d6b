// How the scores spread over the levels, per dimension, for the selection
// over the whole range, with the share at proficient or above beside the
// district's. Each level has its own fill pattern and its share in words.
import { getJSON, useLoad } from './api';
import { rubricOf, type Context } from './context';
import type { Trend } from '../api/types';
import { fmtShare, levelShares, proficientLevel, proficientShare, trendSearch, type Filters } from './shape';
import { Status } from './status';

export function Levels({ ctx, filters }: { ctx: Context; filters: Filters }) {
  const path = '/trends' + trendSearch(filters, 'range', ['dimension']);
  const [t, retry] = useLoad(path, () => getJSON<Trend>(path));
  return (
    <section aria-labelledby="levels-h" class="panel">
      <h2 id="levels-h">Level distribution</h2>
      {t.state !== 'ok' ? <Status loaded={t} retry={retry} what="the level distribution" /> : <Body ctx={ctx} t={t.data} />}
    </section>
  );
}

function Body({ ctx, t }: { ctx: Context; t: Trend }) {
  const rubric = rubricOf(ctx, t.rubric_id)?.latest;
  const levels = [...(rubric?.levels ?? [])].sort((a, b) => a.value - b.value);
  if (t.cells.length === 0) return <p class="notice">No submitted scores match these filters.</p>;
  const prof = levels.find((l) => l.value === proficientLevel(levels));
  const dims = rubric?.dimensions ?? [];
  const name = (k: string) => dims.find((d) => d.key === k)?.name ?? k;
  const order = (k: string) => {
    const i = dims.findIndex((d) => d.key === k);
    return i < 0 ? dims.length : i;
  };
  const cells = [...t.cells].sort((a, b) => order(a.group['dimension'] ?? '') - order(b.group['dimension'] ?? ''));
  return (
    <>
      <p class="legend">
        {levels.map((l, i) => (
          <span key={l.value} class="key">
            <span class={`swatch level-${i}`} aria-hidden="true" /> {l.value} {l.label}
          </span>
        ))}
      </p>
      <ul class="levels-list">
        {cells.map((c) => {
          const key = c.group['dimension'] ?? '';
          const d = t.district.find((x) => x.group['dimension'] === key);
          if (c.suppressed) {
            return (
              <li key={key} data-testid="level-row" data-dimension={key} data-suppressed="true">
                <strong>{name(key)}</strong>
                <span class="muted">Suppressed: fewer than {t.min_cell_size} observations.</span>
              </li>
            );
          }
          const shares = levelShares(c, levels);
          const p = proficientShare(c, levels);
          return (
            <li key={key} data-testid="level-row" data-dimension={key} data-proficient={p}>
              <div class="level-head">
                <strong>{name(key)}</strong>
                <span>
                  {prof?.label ?? 'Proficient'} or above: <strong data-testid="proficient-share">{fmtShare(p)}</strong>{' '}
                  <span class="muted">(district {d === undefined || d.suppressed ? '–' : fmtShare(proficientShare(d, levels))}) · {c.scores} scores</span>
                </span>
              </div>
              <div class="level-stack" role="img" aria-label={shares.map((s) => `${s.label} ${fmtShare(s.share)}`).join(', ')}>
                {shares.map((s, i) =>
                  s.share === 0 ? null : (
                    <span key={s.value} class={`seg level-${i}`} style={{ width: `${(s.share * 100).toFixed(2)}%` }}>
                      {s.share >= 0.08 ? fmtShare(s.share) : ''}
                    </span>
                  ),
                )}
              </div>
              <p class="muted small">{shares.map((s) => `${s.label} ${fmtShare(s.share)}`).join(' · ')}</p>
            </li>
          );
        })}
      </ul>
    </>
  );
}
