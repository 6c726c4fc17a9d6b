import { describe, expect, it } from 'vitest';
import { byCoachText, changeText, reading, roseText, signed, teachersChangeText } from './change';

describe('a change in plain words', () => {
  it('signs the change and rounds to two decimals', () => {
    expect(signed(0.5)).toBe('+0.50');
    expect(signed(-0.254)).toBe('−0.25');
    expect(signed(0.001)).toBe('0.00');
  });
  it('says what the likely range allows', () => {
    expect(reading(0.1, 0.9)).toBe('likely a rise');
    expect(reading(-0.9, -0.1)).toBe('likely a fall');
    expect(reading(-0.2, 1.2)).toBe('could be no change');
    expect(reading(null, null)).toBe('no likely range');
  });
  it('says too few to judge when there is no change', () => {
    expect(changeText(null, null, null)).toBe('Too few to judge');
    expect(changeText(0.5, -0.2, 1.2)).toBe('+0.50, likely range −0.20 to +1.20 (could be no change)');
    expect(changeText(0.5, null, null)).toBe('+0.50 (no likely range from so few)');
  });
  it('says who scored the follow-ups', () => {
    expect(byCoachText(0, 0)).toBe('no follow-ups yet');
    expect(byCoachText(3, 3)).toBe('all by the coach');
    expect(byCoachText(1, 1)).toBe('by the coach');
    expect(byCoachText(0, 2)).toBe('not by the coach');
    expect(byCoachText(1, 3)).toBe('1 of 3 by the coach');
  });
});

describe('a share that rose in plain words', () => {
  it('gives the count, the share and its likely range, or too few to judge', () => {
    expect(roseText(3, 10, 0.1078, 0.6032, 5)).toBe('3 of 10 rose (30%, likely range 11% to 60%)');
    expect(roseText(1, 3, 0.06, 0.79, 5)).toBe('1 of 3 rose: too few to judge');
  });
});

describe('a change from n teachers in words', () => {
  it('gives n beside the change and its likely range', () => {
    expect(teachersChangeText({ teachers: 3, change: 0.5, low: -0.2, high: 1.2 }, 'Too few to judge')).toBe(
      '+0.50, likely range −0.20 to +1.20 (could be no change) (n = 3 teachers)',
    );
    expect(teachersChangeText({ teachers: 1, change: -0.5, low: -0.9, high: -0.1 }, 'x')).toBe('−0.50, likely range −0.90 to −0.10 (likely a fall) (n = 1 teacher)');
  });
  it('says when there is no one to judge, and when a figure is hidden', () => {
    expect(teachersChangeText({ teachers: 0, change: null, low: null, high: null }, 'Too few to judge')).toBe('Too few to judge (n = 0)');
    expect(teachersChangeText({ teachers: 2, change: null, low: null, high: null }, 'x')).toBe(
      'hidden: too few teachers to show without identifying them (n = 2 teachers)',
    );
  });
});
