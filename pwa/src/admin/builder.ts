// The framework builder's state: a draft rubric being edited, the same
// validation rules as the server (server/internal/domain/rubric.go, with the
// same field paths, so the server's answers land beside the same fields),
// and the publish flow. Plain TypeScript with no UI imports.
import type { Dimension, Indicator, Level, RubricVersionData } from '../db/types';

export const rubricFormat = 'walkthrough.rubric/v1';

/** A rubric document (docs/rubric-format.md) as the builder edits it. */
export interface Draft {
  name: string;
  description: string;
  levels: Level[];
  dimensions: Dimension[];
  /**
   * Keys still derived from their names: keys of new dimensions and
   * indicators follow renames until someone edits them. Keys copied from a
   * version never change by themselves, so trends can follow them.
   */
  autoKeys: string[];
}

export type Problems = Record<string, string>;

const keyPattern = /^[a-z][a-z0-9_]{0,62}$/;
export const validKey = (s: string) => keyPattern.test(s);

/** A key made from a name: "Student engagement" → "student_engagement". */
export function keyFromName(name: string): string {
  let k = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (k !== '' && !/^[a-z]/.test(k)) k = 'k_' + k;
  return k.slice(0, 63);
}

/** A draft from a rubric document or version: keys are kept as they are. */
export function fromVersion(v: Pick<RubricVersionData, 'name' | 'levels' | 'dimensions'> & { description?: string }): Draft {
  return {
    name: v.name,
    description: v.description ?? '',
    levels: v.levels.map((l) => ({ ...l })),
    dimensions: v.dimensions.map((d) => ({
      key: d.key,
      name: d.name,
      indicators: d.indicators.map((i) => ({ key: i.key, name: i.name, descriptors: i.descriptors.map((x) => ({ ...x })) })),
    })),
    autoKeys: [],
  };
}

/** The rubric document of a draft, descriptors in level order, as the server exports it. */
export function toDocument(d: Draft): string {
  const doc = {
    format: rubricFormat,
    name: d.name,
    description: d.description,
    levels: d.levels.map((l) => ({ value: l.value, label: l.label })),
    dimensions: d.dimensions.map((dim) => ({
      key: dim.key,
      name: dim.name,
      indicators: dim.indicators.map((i) => ({
        key: i.key,
        name: i.name,
        descriptors: [...i.descriptors].sort((a, b) => a.level - b.level).map((x) => ({ level: x.level, text: x.text })),
      })),
    })),
  };
  return JSON.stringify(doc, null, 2) + '\n';
}

/** Reads a rubric document; a broken file is an Error that says why. */
export function parseDocument(text: string): Draft {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`The file is not valid JSON: ${(e as Error).message}`);
  }
  const o = raw as Partial<RubricVersionData> & { format?: unknown };
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new Error('The file does not hold a rubric document.');
  if (o.format !== rubricFormat) throw new Error(`The file's format is ${JSON.stringify(o.format ?? null)}; a rubric document says "${rubricFormat}".`);
  if (!Array.isArray(o.levels) || !Array.isArray(o.dimensions)) throw new Error('A rubric document needs "levels" and "dimensions" lists.');
  return fromVersion({ name: String(o.name ?? ''), description: String(o.description ?? ''), levels: o.levels, dimensions: o.dimensions.map((d) => ({ ...d, indicators: Array.isArray(d.indicators) ? d.indicators : [] })) });
}

// ---- edits: each returns a new draft --------------------------------------

function clone(d: Draft): Draft {
  return { ...fromVersion(d), autoKeys: [...d.autoKeys] };
}

function move<T>(xs: T[], i: number, delta: number): boolean {
  const j = i + delta;
  if (i < 0 || i >= xs.length || j < 0 || j >= xs.length) return false;
  [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  return true;
}

function allKeys(d: Draft): Set<string> {
  const s = new Set<string>();
  for (const dim of d.dimensions) {
    s.add(dim.key);
    for (const i of dim.indicators) s.add(i.key);
  }
  return s;
}

function freshKey(d: Draft, base: string): string {
  const taken = allKeys(d);
  let k = base;
  for (let n = 2; taken.has(k); n++) k = `${base}_${n}`;
  return k;
}

function descriptorsFor(levels: Level[]): Indicator['descriptors'] {
  return levels.map((l) => ({ level: l.value, text: '' }));
}

export function addDimension(d: Draft, name = 'New dimension'): Draft {
  const n = clone(d);
  const key = freshKey(n, keyFromName(name) || 'dimension');
  const ikey = freshKey({ ...n, dimensions: [...n.dimensions, { key, name, indicators: [] }] }, 'new_indicator');
  n.dimensions.push({ key, name, indicators: [{ key: ikey, name: 'New indicator', descriptors: descriptorsFor(n.levels) }] });
  n.autoKeys.push(key, ikey);
  return n;
}

export function removeDimension(d: Draft, i: number): Draft {
  const n = clone(d);
  n.dimensions.splice(i, 1);
  return n;
}

export function moveDimension(d: Draft, i: number, delta: number): Draft {
  const n = clone(d);
  return move(n.dimensions, i, delta) ? n : d;
}

export function renameDimension(d: Draft, i: number, name: string): Draft {
  const n = clone(d);
  const dim = n.dimensions[i]!;
  dim.name = name;
  if (n.autoKeys.includes(dim.key)) {
    const next = keyFromName(name);
    n.autoKeys = n.autoKeys.filter((k) => k !== dim.key);
    dim.key = next === '' ? dim.key : freshKey(n, next);
    n.autoKeys.push(dim.key);
  }
  return n;
}

export function setDimensionKey(d: Draft, i: number, key: string): Draft {
  const n = clone(d);
  const dim = n.dimensions[i]!;
  n.autoKeys = n.autoKeys.filter((k) => k !== dim.key);
  dim.key = key;
  return n;
}

export function addIndicator(d: Draft, di: number, name = 'New indicator'): Draft {
  const n = clone(d);
  const key = freshKey(n, keyFromName(name) || 'indicator');
  n.dimensions[di]!.indicators.push({ key, name, descriptors: descriptorsFor(n.levels) });
  n.autoKeys.push(key);
  return n;
}

export function removeIndicator(d: Draft, di: number, ii: number): Draft {
  const n = clone(d);
  n.dimensions[di]!.indicators.splice(ii, 1);
  return n;
}

/** Moves an indicator within its dimension, or across to the next or previous dimension at its edge. */
export function moveIndicator(d: Draft, di: number, ii: number, delta: number): Draft {
  const n = clone(d);
  const list = n.dimensions[di]!.indicators;
  if (move(list, ii, delta)) return n;
  const target = n.dimensions[di + delta];
  if (target === undefined) return d;
  const [ind] = list.splice(ii, 1);
  if (delta < 0) target.indicators.push(ind!);
  else target.indicators.unshift(ind!);
  return n;
}

export function renameIndicator(d: Draft, di: number, ii: number, name: string): Draft {
  const n = clone(d);
  const ind = n.dimensions[di]!.indicators[ii]!;
  ind.name = name;
  if (n.autoKeys.includes(ind.key)) {
    const next = keyFromName(name);
    n.autoKeys = n.autoKeys.filter((k) => k !== ind.key);
    ind.key = next === '' ? ind.key : freshKey(n, next);
    n.autoKeys.push(ind.key);
  }
  return n;
}

export function setIndicatorKey(d: Draft, di: number, ii: number, key: string): Draft {
  const n = clone(d);
  const ind = n.dimensions[di]!.indicators[ii]!;
  n.autoKeys = n.autoKeys.filter((k) => k !== ind.key);
  ind.key = key;
  return n;
}

export function setDescriptor(d: Draft, di: number, ii: number, level: number, text: string): Draft {
  const n = clone(d);
  const ind = n.dimensions[di]!.indicators[ii]!;
  const cur = ind.descriptors.find((x) => x.level === level);
  if (cur) cur.text = text;
  else ind.descriptors.push({ level, text });
  return n;
}

/** Adds a level above the highest, with an empty descriptor for every indicator. */
export function addLevel(d: Draft, label = 'New level'): Draft {
  const n = clone(d);
  const value = n.levels.length === 0 ? 1 : Math.max(...n.levels.map((l) => l.value)) + 1;
  n.levels.push({ value, label });
  for (const dim of n.dimensions) for (const i of dim.indicators) i.descriptors.push({ level: value, text: '' });
  return n;
}

/** Removes a level and its descriptors. */
export function removeLevel(d: Draft, li: number): Draft {
  const n = clone(d);
  const [gone] = n.levels.splice(li, 1);
  if (gone === undefined) return d;
  for (const dim of n.dimensions) for (const i of dim.indicators) i.descriptors = i.descriptors.filter((x) => x.level !== gone.value);
  return n;
}

export function setLevelLabel(d: Draft, li: number, label: string): Draft {
  const n = clone(d);
  n.levels[li]!.label = label;
  return n;
}

/** Changes a level's value; its descriptors follow it. */
export function setLevelValue(d: Draft, li: number, value: number): Draft {
  const n = clone(d);
  const l = n.levels[li]!;
  const old = l.value;
  l.value = value;
  for (const dim of n.dimensions) for (const i of dim.indicators) for (const x of i.descriptors) if (x.level === old) x.level = value;
  return n;
}

/**
 * Moves a level up or down the scale. Values stay in increasing order (they
 * are the scores trends average); the label and every indicator's descriptor
 * move with the level.
 */
export function moveLevel(d: Draft, li: number, delta: number): Draft {
  const n = clone(d);
  const a = n.levels[li];
  const b = n.levels[li + delta];
  if (a === undefined || b === undefined) return d;
  [a.label, b.label] = [b.label, a.label];
  for (const dim of n.dimensions) {
    for (const i of dim.indicators) {
      for (const x of i.descriptors) {
        if (x.level === a.value) x.level = b.value;
        else if (x.level === b.value) x.level = a.value;
      }
    }
  }
  return n;
}

export function setName(d: Draft, name: string): Draft {
  return { ...clone(d), name };
}

export function setDescription(d: Draft, description: string): Draft {
  return { ...clone(d), description };
}

// ---- validation: domain.RubricVersion.Validate, field for field ----------

const keyRule = 'must be lower-case letters, digits and underscores, starting with a letter';

/** The problems of a draft by field path, as the server names them. */
export function validate(d: Draft): Problems {
  const p: Problems = {};
  const add = (f: string, m: string) => {
    if (!(f in p)) p[f] = m;
  };
  if (d.name.trim() === '') add('name', 'must not be empty');
  if (d.levels.length < 2) add('levels', 'a scale needs at least two levels');
  const levels = new Set<number>();
  d.levels.forEach((l, i) => {
    const f = `levels[${i}]`;
    if (i > 0 && l.value <= d.levels[i - 1]!.value) add(`${f}.value`, 'levels must be in increasing order');
    if (!Number.isInteger(l.value) || l.value < 0 || l.value > 10) add(`${f}.value`, 'must be 0 to 10');
    if (l.label.trim() === '') add(`${f}.label`, 'must not be empty');
    levels.add(l.value);
  });
  if (d.dimensions.length === 0) add('dimensions', 'a rubric needs at least one dimension');
  const dimKeys = new Set<string>();
  const indKeys = new Set<string>();
  d.dimensions.forEach((dim, i) => {
    const f = `dimensions[${i}]`;
    if (!validKey(dim.key)) add(`${f}.key`, keyRule);
    else if (dimKeys.has(dim.key)) add(`${f}.key`, `"${dim.key}" is used twice`);
    dimKeys.add(dim.key);
    if (dim.name.trim() === '') add(`${f}.name`, 'must not be empty');
    if (dim.indicators.length === 0) add(`${f}.indicators`, 'a dimension needs at least one indicator');
    dim.indicators.forEach((ind, j) => {
      const g = `${f}.indicators[${j}]`;
      if (!validKey(ind.key)) add(`${g}.key`, keyRule);
      else if (indKeys.has(ind.key)) add(`${g}.key`, `"${ind.key}" is used twice`);
      indKeys.add(ind.key);
      if (ind.name.trim() === '') add(`${g}.name`, 'must not be empty');
      const seen = new Set<number>();
      ind.descriptors.forEach((x, k) => {
        const h = `${g}.descriptors[${k}]`;
        if (!levels.has(x.level)) add(`${h}.level`, `${x.level} is not a level of the scale`);
        else if (seen.has(x.level)) add(`${h}.level`, `level ${x.level} is described twice`);
        seen.add(x.level);
        if (x.text.trim() === '') add(`${h}.text`, 'must not be empty');
      });
      for (const l of d.levels) if (!seen.has(l.value)) add(`${g}.descriptors`, `level ${l.value} (${l.label}) has no descriptor`);
    });
  });
  return p;
}

/** The problem beside an indicator's descriptor for one level, whatever its index. */
export function descriptorProblem(d: Draft, p: Problems, di: number, ii: number, level: number): string | undefined {
  const ind = d.dimensions[di]?.indicators[ii];
  if (ind === undefined) return undefined;
  const k = ind.descriptors.findIndex((x) => x.level === level);
  const base = `dimensions[${di}].indicators[${ii}].descriptors`;
  return k < 0 ? p[base] : (p[`${base}[${k}].text`] ?? p[`${base}[${k}].level`]);
}

/** The draft as the scoring screen renders a version, for the preview. */
export function asVersion(d: Draft): RubricVersionData {
  return { rubric_id: '', version: 0, name: d.name, description: d.description, levels: d.levels, dimensions: d.dimensions };
}

// ---- publish: what changes for observers ----------------------------------

export interface Changes {
  added: string[];
  removed: string[];
  renamed: { from: string; to: string }[];
  descriptorsChanged: number;
  levelsChanged: boolean;
}

/** What the draft changes against the version observers score on now (none: everything is new). */
export function changes(current: Pick<RubricVersionData, 'levels' | 'dimensions'> | undefined, d: Draft): Changes {
  const c: Changes = { added: [], removed: [], renamed: [], descriptorsChanged: 0, levelsChanged: false };
  const before = new Map<string, Indicator>();
  for (const dim of current?.dimensions ?? []) for (const i of dim.indicators) before.set(i.key, i);
  const after = new Map<string, Indicator>();
  for (const dim of d.dimensions) for (const i of dim.indicators) after.set(i.key, i);
  for (const [k, i] of after) {
    const old = before.get(k);
    if (old === undefined) c.added.push(i.name);
    else {
      if (old.name !== i.name) c.renamed.push({ from: old.name, to: i.name });
      const text = (x: Indicator) => JSON.stringify([...x.descriptors].sort((a, b) => a.level - b.level).map((y) => [y.level, y.text]));
      if (text(old) !== text(i)) c.descriptorsChanged++;
    }
  }
  for (const [k, i] of before) if (!after.has(k)) c.removed.push(i.name);
  c.levelsChanged = current !== undefined && JSON.stringify(current.levels) !== JSON.stringify(d.levels);
  return c;
}

const plural = (n: number, one: string, many = one + 's') => `${n} ${n === 1 ? one : many}`;

/** The confirmation's sentences: what observers will see after publishing. */
export function describeChanges(c: Changes, firstVersion: boolean, total: number): string[] {
  const out: string[] = [];
  if (firstVersion) {
    out.push(`Observers will score on this framework from their next sync: ${plural(total, 'indicator')}.`);
  } else {
    out.push('Observers will score new observations on this version from their next sync; observations already made keep the version they were scored on.');
    if (c.added.length) out.push(`New indicators (${c.added.length}): ${c.added.join(', ')}. Their trends start with this version.`);
    if (c.removed.length) out.push(`No longer scored (${c.removed.length}): ${c.removed.join(', ')}. Their trends stop.`);
    if (c.renamed.length) out.push(`Renamed (${c.renamed.length}): ${c.renamed.map((r) => `${r.from} → ${r.to}`).join('; ')}. Their trends continue.`);
    if (c.descriptorsChanged) out.push(`${plural(c.descriptorsChanged, 'indicator has', 'indicators have')} new descriptors.`);
    if (c.levelsChanged) out.push('The scale (levels) changes.');
    if (!c.added.length && !c.removed.length && !c.renamed.length && !c.descriptorsChanged && !c.levelsChanged) out.push('The content is the same as the current version.');
  }
  out.push('A published version can never be edited again.');
  return out;
}

/** The publish flow: edit → save the draft → confirm → publish. */
export type PublishState =
  | { step: 'editing' }
  | { step: 'saving' }
  | { step: 'confirming'; draftId: string; summary: string[] }
  | { step: 'publishing'; draftId: string }
  | { step: 'published'; versionId: string; version: number }
  | { step: 'failed'; message: string; problems: Problems };

export type PublishEvent =
  | { type: 'request' }
  | { type: 'saved'; draftId: string; summary: string[] }
  | { type: 'cancel' }
  | { type: 'confirm' }
  | { type: 'done'; versionId: string; version: number }
  | { type: 'error'; message: string; problems?: Problems }
  | { type: 'edit' };

export function publishStep(s: PublishState, e: PublishEvent): PublishState {
  switch (e.type) {
    case 'request':
      return s.step === 'editing' || s.step === 'failed' ? { step: 'saving' } : s;
    case 'saved':
      return s.step === 'saving' ? { step: 'confirming', draftId: e.draftId, summary: e.summary } : s;
    case 'cancel':
      return s.step === 'confirming' ? { step: 'editing' } : s;
    case 'confirm':
      return s.step === 'confirming' ? { step: 'publishing', draftId: s.draftId } : s;
    case 'done':
      return s.step === 'publishing' ? { step: 'published', versionId: e.versionId, version: e.version } : s;
    case 'error':
      return s.step === 'saving' || s.step === 'publishing' ? { step: 'failed', message: e.message, problems: e.problems ?? {} } : s;
    case 'edit':
      return s.step === 'published' || s.step === 'failed' ? { step: 'editing' } : s;
  }
}

/** Turns a problem document's errors into problems by field. */
export function problemsOf(body: unknown): Problems {
  const p: Problems = {};
  const errs = (body as { errors?: { field?: string; message?: string }[] } | null)?.errors ?? [];
  for (const e of errs) if (e.field && e.message && !(e.field in p)) p[e.field] = e.message;
  return p;
}
