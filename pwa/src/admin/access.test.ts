import { describe, expect, it } from 'vitest';
import { applyGrants, effectInWords, grantsFor } from './access';
import type { RoleGrant, School } from '../api/types';

const schools: School[] = ['Cedar', 'Willow', 'Maple', 'Harbor'].map((name, i) => ({ id: `s${i}`, name, grade_band: 'K-5', active: true, rev: 1, updated_at: '2026-09-01T00:00:00Z' }));

describe('grants in words', () => {
  it('counts the schools of the grants once each', () => {
    const g: RoleGrant[] = [...grantsFor('coach', ['s0', 's1']), { role: 'observer', school_id: 's1' }, { role: 'principal', school_id: 's2' }];
    expect(effectInWords(g, schools)).toBe('will see 3 schools: Cedar, Willow and Maple');
  });
  it('a district administrator sees every school', () => {
    expect(effectInWords(grantsFor('district_admin', ['s0']), schools)).toBe('will see all 4 schools of the district and administer it');
  });
  it('after a revoke, the schools it covered go unless another grant covers them', () => {
    const cur = grantsFor('coach', ['s0', 's1']);
    const next = applyGrants(cur, [{ role: 'observer', school_id: 's3' }], [{ role: 'coach', school_id: 's0' }]);
    expect(effectInWords(next, schools)).toBe('will see 2 schools: Willow and Harbor');
    expect(effectInWords(applyGrants(cur, [], cur), schools)).toBe('will see no school');
    expect(effectInWords(applyGrants(cur, cur, []), schools)).toBe('will see 2 schools: Cedar and Willow');
  });
});
