import { describe, expect, it } from 'vitest';
import { frameworksFor, mainFramework } from './frameworks';
import type { RefRow } from './schema';
import type { FrameworkData, RubricVersionData } from './types';

const version = (id: string, rubric: string, n: number, name: string): RefRow<RubricVersionData> => ({
  id,
  rev: 1,
  data: { rubric_id: rubric, version: n, name, levels: [], dimensions: [], published_at: `2026-0${n}-01T00:00:00Z` },
});
const framework = (id: string, data: Partial<FrameworkData>): RefRow<FrameworkData> => ({ id, rev: 1, data: { name: id, main: false, assignments: [], ...data } });

const versions = [version('m1', 'main', 1, 'Five dimensions'), version('m2', 'main', 2, 'Five dimensions'), version('k1', 'k2', 1, 'K-2 look-fors')];
const now = Date.parse('2026-12-01T12:00:00Z');

describe('frameworksFor', () => {
  it('offers only the main framework, newest version, where nothing else is assigned', () => {
    const fs = [framework('main', { main: true }), framework('k2', { assignments: [{ id: 'a', school_ids: ['cedar'], kinds: [], starts_at: '2026-11-01T00:00:00Z' }] })];
    expect(frameworksFor(fs, versions, 'oak', 'classroom', now).map((c) => c.versionId)).toEqual(['m2']);
  });

  it('offers an assigned framework first and the main one after it', () => {
    const fs = [framework('main', { main: true }), framework('k2', { assignments: [{ id: 'a', school_ids: ['cedar'], kinds: ['classroom'], starts_at: '2026-11-01T00:00:00Z' }] })];
    expect(frameworksFor(fs, versions, 'cedar', 'classroom', now).map((c) => c.rubricId)).toEqual(['k2', 'main']);
    expect(frameworksFor(fs, versions, 'cedar', 'leadership', now).map((c) => c.rubricId)).toEqual(['main']);
  });

  it('leaves out a retired framework and an assignment not yet in force', () => {
    const later = [{ id: 'a', school_ids: [], kinds: [], starts_at: '2026-12-02T00:00:00Z' }];
    expect(frameworksFor([framework('main', { main: true }), framework('k2', { assignments: later })], versions, 'cedar', 'classroom', now).map((c) => c.rubricId)).toEqual(['main']);
    const all = [{ id: 'a', school_ids: [], kinds: [], starts_at: '2026-11-01T00:00:00Z' }];
    expect(frameworksFor([framework('main', { main: true }), framework('k2', { assignments: all, retired_at: '2026-11-20T00:00:00Z' })], versions, 'cedar', 'classroom', now).map((c) => c.rubricId)).toEqual(['main']);
  });

  it('falls back on the newest published framework when the server sent no frameworks', () => {
    expect(frameworksFor([], versions, 'cedar', 'classroom', now).map((c) => c.versionId)).toEqual(['m2']);
    expect(mainFramework([framework('k2', { main: true })], versions)?.versionId).toBe('k1');
  });
});
