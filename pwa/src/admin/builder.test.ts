import { describe, expect, it } from 'vitest';
import {
  addDimension,
  addIndicator,
  addLevel,
  changes,
  describeChanges,
  descriptorProblem,
  type Draft,
  fromVersion,
  moveDimension,
  moveIndicator,
  moveLevel,
  parseDocument,
  problemsOf,
  publishStep,
  type PublishState,
  removeLevel,
  renameDimension,
  renameIndicator,
  setDescriptor,
  setIndicatorKey,
  setLevelValue,
  toDocument,
  validate,
} from './builder';
// The server's own test document: three levels, two dimensions.
import small from '../../../server/internal/domain/testdata/small-rubric.json?raw';


function base(): Draft {
  return parseDocument(small);
}


describe('a document', () => {
  it('round-trips byte for byte as the server writes it', () => {
    expect(toDocument(base())).toBe(small);
  });
  it('of another format is refused with the reason', () => {
    expect(() => parseDocument('{"format":"other/v9","levels":[],"dimensions":[]}')).toThrow(/format is "other\/v9"/);
    expect(() => parseDocument('{"format":')).toThrow(/not valid JSON/);
  });
  it('that the server accepts passes validation', () => {
    expect(validate(base())).toEqual({});
  });
});

describe('reordering', () => {
  it('moves a dimension up and down and not past the ends', () => {
    const d = base();
    const first = d.dimensions[0]!.key;
    const moved = moveDimension(d, 0, 1);
    expect(moved.dimensions[1]!.key).toBe(first);
    expect(moveDimension(moved, 1, -1).dimensions.map((x) => x.key)).toEqual(d.dimensions.map((x) => x.key));
    expect(moveDimension(d, 0, -1)).toBe(d);
    expect(moveDimension(d, d.dimensions.length - 1, 1)).toBe(d);
    // The original is untouched: edits are pure.
    expect(d.dimensions[0]!.key).toBe(first);
  });
  it('moves an indicator within its dimension, then across the edge into the next', () => {
    let d = addIndicator(base(), 0, 'Wait time');
    const n = d.dimensions[0]!.indicators.length;
    d = moveIndicator(d, 0, n - 1, -1);
    expect(d.dimensions[0]!.indicators[n - 2]!.key).toBe('wait_time');
    d = moveIndicator(d, 0, n - 2, 1);
    d = moveIndicator(d, 0, n - 1, 1);
    expect(d.dimensions[0]!.indicators.map((i) => i.key)).not.toContain('wait_time');
    expect(d.dimensions[1]!.indicators[0]!.key).toBe('wait_time');
    // Only its empty descriptors wait to be written, now in its new place.
    expect(Object.keys(validate(d)).every((k) => k.startsWith('dimensions[1].indicators[0].descriptors['))).toBe(true);
  });
  it('moves a level: values stay in order, the label and descriptors follow', () => {
    const d = base();
    const [lo, hi] = [d.levels[0]!, d.levels[1]!];
    const textAt = (x: Draft, level: number) => x.dimensions[0]!.indicators[0]!.descriptors.find((y) => y.level === level)!.text;
    const loText = textAt(d, lo.value);
    const m = moveLevel(d, 0, 1);
    expect(m.levels.map((l) => l.value)).toEqual(d.levels.map((l) => l.value));
    expect(m.levels[1]!.label).toBe(lo.label);
    expect(m.levels[0]!.label).toBe(hi.label);
    expect(textAt(m, hi.value)).toBe(loText);
    expect(validate(m)).toEqual({});
  });
});

describe('keys', () => {
  it('of new items follow their names; copied keys never change by themselves', () => {
    let d = addDimension(base(), 'Talk moves');
    const di = d.dimensions.length - 1;
    expect(d.dimensions[di]!.key).toBe('talk_moves');
    d = renameDimension(d, di, 'Academic talk');
    expect(d.dimensions[di]!.key).toBe('academic_talk');
    const copied = d.dimensions[0]!.indicators[0]!.key;
    d = renameIndicator(d, 0, 0, 'A sharper name');
    expect(d.dimensions[0]!.indicators[0]!.key).toBe(copied);
    // A key typed by hand stops following the name.
    d = addIndicator(d, 0, 'Exit tickets');
    const ii = d.dimensions[0]!.indicators.length - 1;
    d = setIndicatorKey(d, 0, ii, 'exit_slips');
    d = renameIndicator(d, 0, ii, 'Exit tickets daily');
    expect(d.dimensions[0]!.indicators[ii]!.key).toBe('exit_slips');
  });
  it('of a new item never collide with an existing key', () => {
    const d = base();
    const existing = d.dimensions[0]!.indicators[0]!;
    const n = addIndicator(d, 0, existing.name);
    const added = n.dimensions[0]!.indicators.at(-1)!;
    expect(added.key).not.toBe(existing.key);
  });
});

describe('validation, with the server rules and field paths', () => {
  it('names an empty descriptor beside its field, and a filled one clears it', () => {
    let d = addIndicator(base(), 1, 'Wait time');
    const ii = d.dimensions[1]!.indicators.length - 1;
    const p = validate(d);
    const lv = d.levels[0]!.value;
    expect(descriptorProblem(d, p, 1, ii, lv)).toBe('must not be empty');
    for (const l of d.levels) d = setDescriptor(d, 1, ii, l.value, `At ${l.label}, students wait.`);
    expect(validate(d)).toEqual({});
  });
  it('refuses duplicate indicator keys across dimensions, bad keys, empty names', () => {
    let d = base();
    const dup = d.dimensions[0]!.indicators[0]!.key;
    d = setIndicatorKey(d, 1, 0, dup);
    d = setIndicatorKey(d, 0, 0, 'Bad Key');
    d = renameDimension(d, 0, '  ');
    const p = validate(d);
    expect(p['dimensions[0].indicators[0].key']).toMatch(/lower-case letters/);
    expect(p['dimensions[1].indicators[0].key']).toBeUndefined(); // the bad key no longer holds dup
    expect(p['dimensions[0].name']).toBe('must not be empty');
    const d2 = setIndicatorKey(base(), 1, 0, dup);
    expect(validate(d2)['dimensions[1].indicators[0].key']).toBe(`"${dup}" is used twice`);
  });
  it('wants two levels in increasing order from 0 to 10', () => {
    let d = removeLevel(removeLevel(base(), 2), 1);
    expect(validate(d)['levels']).toBe('a scale needs at least two levels');
    d = addLevel(d, 'Strong');
    expect(validate(d)['levels']).toBeUndefined();
    d = setLevelValue(d, 1, d.levels[0]!.value);
    expect(validate(d)['levels[1].value']).toBe('levels must be in increasing order');
    d = setLevelValue(d, 1, 11);
    expect(validate(d)['levels[1].value']).toBe('must be 0 to 10');
  });
  it('removing a level removes its descriptors; adding one asks for them', () => {
    let d = base();
    const gone = d.levels[0]!.value;
    d = addLevel(removeLevel(addLevel(d, 'Extra'), 0), 'Top');
    for (const dim of d.dimensions) for (const i of dim.indicators) expect(i.descriptors.some((x) => x.level === gone)).toBe(false);
    expect(Object.keys(validate(d)).some((k) => k.endsWith('.text'))).toBe(true);
  });
  it('needs an indicator in every dimension', () => {
    let d = addDimension(base(), 'Empty');
    const di = d.dimensions.length - 1;
    d = { ...d, dimensions: d.dimensions.map((x, i) => (i === di ? { ...x, indicators: [] } : x)) };
    expect(validate(d)[`dimensions[${di}].indicators`]).toBe('a dimension needs at least one indicator');
  });
  it('reads the server problem document into the same fields', () => {
    expect(problemsOf({ errors: [{ field: 'dimensions[0].name', message: 'must not be empty' }] })).toEqual({ 'dimensions[0].name': 'must not be empty' });
  });
});

describe('publishing', () => {
  it('goes edit → save → confirm → publish, and cancel returns to editing', () => {
    let s: PublishState = { step: 'editing' };
    s = publishStep(s, { type: 'confirm' });
    expect(s.step).toBe('editing'); // nothing to confirm before the draft is saved
    s = publishStep(s, { type: 'request' });
    expect(s.step).toBe('saving');
    s = publishStep(s, { type: 'saved', draftId: 'd1', summary: ['x'] });
    expect(s).toEqual({ step: 'confirming', draftId: 'd1', summary: ['x'] });
    expect(publishStep(s, { type: 'cancel' }).step).toBe('editing');
    s = publishStep(s, { type: 'confirm' });
    expect(s).toEqual({ step: 'publishing', draftId: 'd1' });
    expect(publishStep(s, { type: 'request' })).toBe(s); // a second click does not publish twice
    s = publishStep(s, { type: 'done', versionId: 'v2', version: 2 });
    expect(s).toEqual({ step: 'published', versionId: 'v2', version: 2 });
  });
  it('a refused save keeps the server problems and lets the admin edit again', () => {
    let s = publishStep({ step: 'editing' }, { type: 'request' });
    s = publishStep(s, { type: 'error', message: 'the rubric is not valid', problems: { name: 'must not be empty' } });
    expect(s).toEqual({ step: 'failed', message: 'the rubric is not valid', problems: { name: 'must not be empty' } });
    expect(publishStep(s, { type: 'request' }).step).toBe('saving');
  });
  it('the confirmation says what changes for observers', () => {
    const cur = base();
    let d = renameIndicator(cur, 0, 0, 'Warm and respectful relationships');
    d = addIndicator(d, 1, 'Wait time');
    d = { ...d, dimensions: d.dimensions.map((x, i) => (i === 1 ? { ...x, indicators: x.indicators.slice(1) } : x)) };
    const removedName = cur.dimensions[1]!.indicators[0]!.name;
    const c = changes(fromVersion(cur), d);
    expect(c.added).toEqual(['Wait time']);
    expect(c.removed).toEqual([removedName]);
    expect(c.renamed).toEqual([{ from: cur.dimensions[0]!.indicators[0]!.name, to: 'Warm and respectful relationships' }]);
    const words = describeChanges(c, false, 0).join(' ');
    expect(words).toContain('New indicators (1): Wait time');
    expect(words).toContain(`No longer scored (1): ${removedName}`);
    expect(words).toContain('Their trends continue');
    expect(words).toContain('can never be edited again');
    const first = describeChanges(changes(undefined, cur), true, 4).join(' ');
    expect(first).toContain('4 indicators');
  });
});
