import { db, useLive } from '../state';

/** One line on what became of an observation's feedback: shared or not, read, the reply, steps done. For the observer's and coach's screens. */
export function FeedbackLine({ observationId }: { observationId: string }) {
  const fb = useLive(async () => (await db.feedback.where('data.observation_id').equals(observationId).first()) ?? null, [observationId]);
  if (fb === undefined || fb === null || !fb.data.shared) return null;
  const d = fb.data;
  const done = d.next_steps.filter((s) => s.done).length;
  return (
    <span class="muted" data-testid="feedback-line">
      Feedback shared · {d.read ? 'read' : 'not read yet'}
      {d.next_steps.length > 0 ? ` · ${done} of ${d.next_steps.length} next steps done` : ''}
      {d.reply ? ` · reply: “${d.reply}”` : ''}
    </span>
  );
}
