// What an administrator reads before a framework reaches anyone: which
// schools, which kinds of walkthrough, how many observers, from when. Plain
// words from GET /frameworks/{id}/reach, kept apart from the screens so
// that a unit test reads them.
import type { Assignment, FrameworkReach } from '../api/types';

export const kindLabels: Record<string, string> = {
  classroom: 'team walkthroughs',
  leadership: 'leadership walkthroughs',
  follow_up: 'follow-up visits',
  informal: 'informal visits',
};

export function listWords(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

function when(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

function kindsWords(every: boolean, kinds: string[]): string {
  return every ? 'every kind of walkthrough' : listWords(kinds.map((k) => kindLabels[k] ?? k));
}

function observersWords(n: number): string {
  return n === 1 ? '1 observer' : `${n} observers`;
}

/**
 * The sentences of a confirmation. what says what is about to happen
 * ("Version 3 of K-2 look-fors", "K-2 look-fors").
 */
export function reachSentences(r: FrameworkReach, what: string): string[] {
  return sentences(r, what).map((s) => s.charAt(0).toUpperCase() + s.slice(1));
}

function sentences(r: FrameworkReach, what: string): string[] {
  if (r.schools.length === 0) {
    return [`${what} reaches no one: it is not assigned to any school or kind of walkthrough. It changes nothing until you assign it.`];
  }
  const where = r.every_school ? `every school (${r.schools.length})` : listWords(r.schools.map((s) => s.name));
  const out = [
    `From ${when(r.from)}, ${observersWords(r.observers)} at ${where} score new visits with ${what}, for ${kindsWords(r.every_kind, r.kinds)}.`,
    'Visits scored before keep the version they were scored with; trends follow each indicator across versions by its key.',
  ];
  if (r.others.length > 0) {
    out.push(`There, observers choose between it and ${listWords(r.others.map((o) => (o.main ? `${o.name} (the district framework)` : o.name)))}.`);
  }
  return out;
}

/** One assignment in words: where, for what, since when. */
export function assignmentWords(a: Assignment, schoolName: (id: string) => string): string {
  const where = a.school_ids.length === 0 ? 'every school' : listWords(a.school_ids.map(schoolName));
  const kinds = a.kinds.length === 0 ? 'every kind of walkthrough' : listWords(a.kinds.map((k) => kindLabels[k] ?? k));
  const since = `since ${when(a.starts_at)}`;
  return `${where}, ${kinds}, ${since}${a.ended_at ? `, rolled back ${when(a.ended_at)}` : ''}`;
}

/**
 * The sentences of the confirmation before a framework becomes the
 * district's main one: what changes for whom. reach is the framework's
 * proposed reach at every school and kind.
 */
export function mainSentences(name: string, current: string | undefined, r: FrameworkReach, keep: boolean): string[] {
  const out = [
    `Trends, the dashboard, CSV exports, debriefs, calibration and cycle evidence open on ${name} for every supervisor, principal, coach and administrator; the other frameworks stay one choice away.`,
    `From ${when(r.from)}, ${observersWords(r.observers)} at every school (${r.schools.length}) may score new visits with ${name}, for every kind of walkthrough.`,
  ];
  if (current) {
    out.push(
      keep
        ? `${current} stays on offer at every school and kind, so no observer loses it; observers choose between the two where both apply.`
        : `${current} is no longer offered for new visits, except where it is assigned; visits already scored with it keep it.`,
    );
  }
  out.push('Visits scored before keep the framework they were scored with. You can make the former framework main again at any time.');
  return out;
}
