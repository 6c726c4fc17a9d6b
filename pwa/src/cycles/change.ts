// How a change on a rubric's levels is said on a screen: its size, its likely
// range (the 95% interval) and what that range allows, in plain words.

/** A signed number on the levels, two decimals: "+0.50", "−0.25", "0.00". */
export function signed(v: number): string {
  const r = Math.round(v * 100) / 100;
  if (r === 0) return '0.00';
  return `${r > 0 ? '+' : '−'}${Math.abs(r).toFixed(2)}`;
}

/** What a change and its likely range allow a reader to say. */
export function reading(low: number | null, high: number | null): string {
  if (low === null || high === null) return 'no likely range';
  if (low > 0) return 'likely a rise';
  if (high < 0) return 'likely a fall';
  return 'could be no change';
}

/** "+0.50, likely range −0.20 to +1.20 (could be no change)"; "Too few to judge" when there is no change. */
export function changeText(change: number | null, low: number | null, high: number | null): string {
  if (change === null) return 'Too few to judge';
  if (low === null || high === null) return `${signed(change)} (no likely range from so few)`;
  return `${signed(change)}, likely range ${signed(low)} to ${signed(high)} (${reading(low, high)})`;
}

/** Who scored a teacher's follow-ups: "all by the coach", "1 of 3 by the coach", "none by the coach". */
export function byCoachText(byCoach: number, total: number): string {
  if (total === 0) return 'no follow-ups yet';
  if (byCoach === total) return total === 1 ? 'by the coach' : 'all by the coach';
  if (byCoach === 0) return 'not by the coach';
  return `${byCoach} of ${total} by the coach`;
}

/** How many of n rose, in words, with the share's likely range; "too few to judge" below min scores. */
export function roseText(rose: number, n: number, low: number | null, high: number | null, min: number): string {
  const count = `${rose} of ${n} rose`;
  if (n < min) return `${count}: too few to judge`;
  const pc = (x: number) => `${Math.round(x * 100)}%`;
  if (low === null || high === null) return count;
  return `${count} (${pc(rose / n)}, likely range ${pc(low)} to ${pc(high)})`;
}

/** A change drawn from n teachers, as the effectiveness report says it. */
export interface TeacherFigure {
  teachers: number;
  change: number | null;
  low: number | null;
  high: number | null;
}

/**
 * A change from n teachers in words: "+0.50, likely range … (n = 3 teachers)";
 * "n = 0: no teacher to judge yet"; a figure withheld from too few teachers
 * says so with its n.
 */
export function teachersChangeText(f: TeacherFigure, none: string): string {
  const n = `n = ${f.teachers} ${f.teachers === 1 ? 'teacher' : 'teachers'}`;
  if (f.teachers === 0) return `${none} (n = 0)`;
  if (f.change === null) return `hidden: too few teachers to show without identifying them (${n})`;
  return `${changeText(f.change, f.low, f.high)} (${n})`;
}
