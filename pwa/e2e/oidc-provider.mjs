// A small OpenID provider for the browser tests: discovery document, JWKS,
// an authorization page where a person types the address they are signed
// in as, and a token endpoint that checks the client, the redirect URI and
// the PKCE verifier and answers an ID token signed RS256 with node:crypto.
// It listens on 127.0.0.1 only.
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { createServer } from 'node:http';

const b64url = (buf) => Buffer.from(buf).toString('base64url');

export class OIDCProvider {
  constructor({ clientId = 'walkthrough-test', clientSecret = randomBytes(16).toString('hex') } = {}) {
    this.clientId = clientId;
    this.clientSecret = clientSecret;
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.privateKey = privateKey;
    this.kid = randomBytes(8).toString('hex');
    this.jwk = { ...publicKey.export({ format: 'jwk' }), kid: this.kid, alg: 'RS256', use: 'sig' };
    /** Authorization codes not yet redeemed: code → what the token endpoint answers for it. */
    this.codes = new Map();
    this.server = createServer((req, res) => this.#handle(req, res).catch((err) => this.#send(res, 500, 'text/plain', String(err))));
  }

  async start() {
    await new Promise((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.issuer = `http://127.0.0.1:${this.server.address().port}`;
  }

  stop() {
    return new Promise((resolve) => this.server.close(resolve));
  }

  #send(res, status, type, body, headers = {}) {
    res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store', ...headers });
    res.end(body);
  }

  #json(res, status, body) {
    this.#send(res, status, 'application/json', JSON.stringify(body));
  }

  #idToken(claims) {
    const header = b64url(JSON.stringify({ alg: 'RS256', kid: this.kid, typ: 'JWT' }));
    const payload = b64url(JSON.stringify(claims));
    const sig = sign('sha256', Buffer.from(`${header}.${payload}`), this.privateKey);
    return `${header}.${payload}.${b64url(sig)}`;
  }

  async #handle(req, res) {
    const url = new URL(req.url, this.issuer);
    if (url.pathname === '/.well-known/openid-configuration') {
      return this.#json(res, 200, {
        issuer: this.issuer,
        authorization_endpoint: `${this.issuer}/authorize`,
        token_endpoint: `${this.issuer}/token`,
        jwks_uri: `${this.issuer}/jwks`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
        code_challenge_methods_supported: ['S256'],
        scopes_supported: ['openid', 'email', 'profile'],
      });
    }
    if (url.pathname === '/jwks') return this.#json(res, 200, { keys: [this.jwk] });
    if (url.pathname === '/authorize' && req.method === 'GET') return this.#authorizePage(url, res);
    if (url.pathname === '/authorize' && req.method === 'POST') return this.#authorize(new URLSearchParams(await body(req)), res);
    if (url.pathname === '/token' && req.method === 'POST') return this.#token(req, new URLSearchParams(await body(req)), res);
    return this.#send(res, 404, 'text/plain', 'not found');
  }

  #authorizePage(url, res) {
    const q = url.searchParams;
    if (q.get('client_id') !== this.clientId) return this.#send(res, 400, 'text/plain', 'unknown client');
    if (q.get('response_type') !== 'code' || q.get('code_challenge_method') !== 'S256' || !q.get('code_challenge')) {
      return this.#send(res, 400, 'text/plain', 'code flow with PKCE (S256) only');
    }
    const hidden = ['redirect_uri', 'state', 'nonce', 'code_challenge']
      .map((k) => `<input type="hidden" name="${k}" value="${escape(q.get(k) ?? '')}">`)
      .join('');
    this.#send(
      res,
      200,
      'text/html; charset=utf-8',
      `<!doctype html><html lang="en"><title>Test identity provider</title><main><h1>Test identity provider</h1>
<form method="post" action="/authorize">${hidden}<p><label>Signed in as <input name="email" type="email"></label></p>
<p><label><input name="verified" type="checkbox" checked> The address is verified</label></p>
<button>Continue</button></form></main></html>`,
    );
  }

  #authorize(form, res) {
    const code = randomBytes(16).toString('hex');
    const email = form.get('email');
    this.codes.set(code, {
      redirectUri: form.get('redirect_uri'),
      challenge: form.get('code_challenge'),
      claims: {
        iss: this.issuer,
        sub: createHash('sha256').update(email).digest('hex').slice(0, 20),
        aud: this.clientId,
        iat: Math.floor(Date.now() / 1000),
        exp: Math.floor(Date.now() / 1000) + 300,
        nonce: form.get('nonce'),
        email,
        email_verified: form.get('verified') === 'on',
      },
    });
    const to = new URL(form.get('redirect_uri'));
    to.searchParams.set('code', code);
    to.searchParams.set('state', form.get('state'));
    this.#send(res, 302, 'text/plain', '', { Location: to.href });
  }

  #token(req, form, res) {
    // The client authenticates with HTTP Basic or in the form.
    let id = form.get('client_id');
    let secret = form.get('client_secret');
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
    if (basic) [id, secret] = Buffer.from(basic[1], 'base64').toString().split(':').map(decodeURIComponent);
    if (id !== this.clientId || secret !== this.clientSecret) return this.#json(res, 401, { error: 'invalid_client' });
    const grant = this.codes.get(form.get('code'));
    this.codes.delete(form.get('code'));
    if (form.get('grant_type') !== 'authorization_code' || !grant || grant.redirectUri !== form.get('redirect_uri')) {
      return this.#json(res, 400, { error: 'invalid_grant' });
    }
    const challenge = createHash('sha256').update(form.get('code_verifier') ?? '').digest('base64url');
    if (challenge !== grant.challenge) return this.#json(res, 400, { error: 'invalid_grant', error_description: 'PKCE verifier does not match' });
    this.#json(res, 200, { access_token: randomBytes(16).toString('hex'), token_type: 'Bearer', expires_in: 300, id_token: this.#idToken(grant.claims) });
  }
}

function body(req) {
  return new Promise((resolve, reject) => {
    let s = '';
    req.on('data', (c) => (s += c));
    req.on('end', () => resolve(s));
    req.on('error', reject);
  });
}

function escape(s) {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
