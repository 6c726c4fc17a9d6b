import { describe, expect, it } from 'vitest';
import { feedbackIdOf } from './uuid';

describe('feedbackIdOf', () => {
  it("names a feedback as the server does when it shares an observation on submission", async () => {
    // The value the server's domain.FeedbackIDOf gives for this observation.
    expect(await feedbackIdOf('01938a6e-7c2b-7d4e-9f00-0123456789ab')).toBe('827e5c12-39e1-548c-b904-2bbdb9605d78');
    expect(await feedbackIdOf('01938A6E-7C2B-7D4E-9F00-0123456789AB')).toBe('827e5c12-39e1-548c-b904-2bbdb9605d78');
  });
});
