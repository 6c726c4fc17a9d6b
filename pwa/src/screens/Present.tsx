// The debrief to project: full screen, large type, the patterns across
// classrooms first (the indicators strongest and weakest across the visit),
// then one classroom at a time. Arrow keys or the buttons move on; Escape closes.
import { useEffect, useRef, useState } from 'preact/hooks';
import { agreementSymbol, agreementText, type Debrief, type DebriefIndicator } from '../api/debrief';

const levelOf = (d: Debrief, v: number | null) => (v === null ? 'Not observed' : `${v} · ${d.levels.find((l) => l.value === v)?.label ?? ''}`);
const mean = (i: DebriefIndicator) => (i.mean === null ? '—' : i.mean.toFixed(1));

export function Present({ d, close }: { d: Debrief; close: () => void }) {
  const [slide, setSlide] = useState(0);
  const ref = useRef<HTMLDivElement>(null);
  const slides = 1 + d.classrooms.length;
  const closing = useRef(close);
  closing.current = close;
  useEffect(() => {
    ref.current?.focus();
    // Full screen where the browser allows it; the overlay fills the window anyway.
    void ref.current?.requestFullscreen?.().catch(() => undefined);
    const key = (e: KeyboardEvent) => {
      if (e.key === 'ArrowRight' || e.key === 'PageDown') setSlide((s) => Math.min(s + 1, slides - 1));
      if (e.key === 'ArrowLeft' || e.key === 'PageUp') setSlide((s) => Math.max(s - 1, 0));
      if (e.key === 'Escape') closing.current();
    };
    addEventListener('keydown', key);
    return () => {
      removeEventListener('keydown', key);
      if (document.fullscreenElement) void document.exitFullscreen().catch(() => undefined);
    };
  }, [slides]);

  const scored = d.indicators.filter((i) => i.mean !== null).sort((a, b) => (b.mean ?? 0) - (a.mean ?? 0));
  const strong = scored.slice(0, 3);
  const weak = scored.slice(-3).reverse().filter((i) => !strong.includes(i));
  const room = slide > 0 ? d.classrooms[slide - 1] : undefined;

  return (
    <div class="present" role="dialog" aria-modal="true" aria-label="Debrief, presented" tabIndex={-1} ref={ref} data-testid="present">
      <div class="present-bar">
        <span>
          {d.school_name} · {slide + 1} of {slides}
        </span>
        <span class="actions">
          <button type="button" onClick={() => setSlide(Math.max(slide - 1, 0))} disabled={slide === 0}>
            Previous
          </button>
          <button type="button" onClick={() => setSlide(Math.min(slide + 1, slides - 1))} disabled={slide === slides - 1}>
            Next
          </button>
          <button type="button" onClick={close}>
            Close
          </button>
        </span>
      </div>
      {room === undefined ? (
        <section aria-labelledby="present-h">
          <h2 id="present-h">Across {d.classrooms.length} {d.classrooms.length === 1 ? 'classroom' : 'classrooms'}</h2>
          {scored.length === 0 ? (
            <p>No scores yet.</p>
          ) : (
            <div class="present-patterns">
              <div>
                <h3>Strongest</h3>
                <ol data-testid="present-strong">
                  {strong.map((i) => (
                    <li key={i.key}>
                      {i.name} <span class="present-mean">average {mean(i)}</span>
                    </li>
                  ))}
                </ol>
              </div>
              {weak.length > 0 && (
                <div>
                  <h3>To work on</h3>
                  <ol data-testid="present-weak">
                    {weak.map((i) => (
                      <li key={i.key}>
                        {i.name} <span class="present-mean">average {mean(i)}</span>
                      </li>
                    ))}
                  </ol>
                </div>
              )}
            </div>
          )}
        </section>
      ) : (
        <section aria-labelledby="present-h">
          <h2 id="present-h">{room.label}</h2>
          <table class="present-table">
            <thead>
              <tr>
                <th scope="col">Indicator</th>
                {room.observations.map((o) => (
                  <th scope="col" key={o.id}>
                    {o.observer_name}
                  </th>
                ))}
                <th scope="col">Together</th>
              </tr>
            </thead>
            <tbody>
              {room.indicators.map((i) => (
                <tr key={i.key}>
                  <th scope="row">{i.name}</th>
                  {room.observations.map((o) => (
                    <td key={o.id}>{levelOf(d, i.marks.find((m) => m.observation_id === o.id)?.level ?? null)}</td>
                  ))}
                  <td>
                    <span class={`agreement agreement-${i.label}`}>
                      <span aria-hidden="true" class="symbol">
                        {agreementSymbol(i.label)}
                      </span>{' '}
                      {agreementText(i)}
                    </span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
    </div>
  );
}
