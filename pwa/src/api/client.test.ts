import { describe, expect, it } from 'vitest';
import { ApiClient, NetworkError, ProblemError, parseProblem, problemFromResponse } from './client';

function problemResponse(status: number, body: unknown, contentType = 'application/problem+json'): Response {
  return new Response(typeof body === 'string' ? body : JSON.stringify(body), {
    status,
    headers: { 'Content-Type': contentType },
  });
}

describe('parseProblem', () => {
  it('reads every member of a full problem document', () => {
    const p = parseProblem(
      {
        type: 'https://walkthrough.example/problems/validation',
        title: 'Invalid request',
        status: 422,
        detail: 'Two fields are invalid.',
        instance: '/api/v1/auth/login',
        errors: [
          { field: 'email', detail: 'must be an email address', code: 'invalid_email' },
          { pointer: '#/password', detail: 'must not be empty' },
          { pointer: '/scores/0/level', message: 'outside the rubric levels' },
        ],
      },
      422,
    );
    expect(p).toEqual({
      type: 'https://walkthrough.example/problems/validation',
      title: 'Invalid request',
      status: 422,
      detail: 'Two fields are invalid.',
      instance: '/api/v1/auth/login',
      errors: [
        { field: 'email', detail: 'must be an email address', code: 'invalid_email' },
        { field: 'password', detail: 'must not be empty' },
        { field: 'scores.0.level', detail: 'outside the rubric levels' },
      ],
    });
  });

  it('ignores members of the wrong type and fills in defaults', () => {
    const p = parseProblem(
      { type: 7, title: ['x'], status: '500', detail: null, instance: {}, errors: [null, 'bad', { field: 3 }] },
      503,
      'Service Unavailable',
    );
    expect(p).toEqual({
      type: 'about:blank',
      title: 'Service Unavailable',
      status: 503,
      detail: '',
      errors: [{ field: '', detail: '' }],
    });
  });

  it('takes the HTTP status over the body and the body only when no HTTP status is known', () => {
    expect(parseProblem({ status: 400 }, 409).status).toBe(409);
    expect(parseProblem({ status: 400 }, 0).status).toBe(400);
  });

  it('builds a problem from a body that is not an object', () => {
    expect(parseProblem('oops', 502)).toEqual({
      type: 'about:blank',
      title: 'HTTP 502',
      status: 502,
      detail: '',
      errors: [],
    });
  });
});

describe('problemFromResponse', () => {
  it('parses application/problem+json with parameters in the media type', async () => {
    const err = await problemFromResponse(
      problemResponse(401, { title: 'Unauthorized', status: 401, detail: 'Email or password is wrong.' }, 'application/problem+json; charset=utf-8'),
    );
    expect(err).toBeInstanceOf(ProblemError);
    expect(err.status).toBe(401);
    expect(err.message).toBe('Email or password is wrong.');
  });

  it('does not read an HTML error page as a problem', async () => {
    const err = await problemFromResponse(problemResponse(502, '<html>Bad gateway</html>', 'text/html'));
    expect(err.problem).toMatchObject({ type: 'about:blank', status: 502, detail: '' });
  });

  it('survives a problem body that is not valid JSON', async () => {
    const err = await problemFromResponse(problemResponse(500, '{"title": ', 'application/problem+json'));
    expect(err.problem).toMatchObject({ status: 500, detail: '', errors: [] });
  });
});

describe('ApiClient', () => {
  it('throws a ProblemError with field errors for an error answer', async () => {
    const client = new ApiClient({
      fetch: async () =>
        problemResponse(422, { title: 'Invalid request', status: 422, errors: [{ field: 'email', detail: 'is required' }] }),
    });
    const err = await client.post('/api/v1/auth/login', { email: '' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProblemError);
    expect((err as ProblemError).fieldError('email')).toBe('is required');
    expect((err as ProblemError).fieldError('password')).toBeUndefined();
  });

  it('throws a NetworkError when no answer comes', async () => {
    const client = new ApiClient({
      fetch: async () => {
        throw new TypeError('Failed to fetch');
      },
    });
    await expect(client.get('/api/v1/me')).rejects.toBeInstanceOf(NetworkError);
  });

  it('sends JSON with the bearer token and decodes the answer', async () => {
    let seen: Request | undefined;
    const client = new ApiClient({
      accessToken: () => 'tok',
      fetch: async (input, init) => {
        seen = new Request(input, init);
        return new Response(JSON.stringify({ ok: true }), { headers: { 'Content-Type': 'application/json' } });
      },
      baseURL: 'http://127.0.0.1:8080',
    });
    await expect(client.post('/api/v1/x', { a: 1 })).resolves.toEqual({ ok: true });
    expect(seen?.method).toBe('POST');
    expect(seen?.url).toBe('http://127.0.0.1:8080/api/v1/x');
    expect(seen?.headers.get('Authorization')).toBe('Bearer tok');
    expect(seen?.headers.get('Content-Type')).toBe('application/json');
    expect(await seen?.json()).toEqual({ a: 1 });
  });
});
