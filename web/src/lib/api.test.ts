import { describe, expect, it, vi } from 'vitest';
import { ApiError, Client, errorMessage, type Fetch } from './api';

interface Call { url: string; init: RequestInit }

// fakeServer answers each request with the next response of the list and records the calls.
function fakeServer(...answers: (Response | Error)[]) {
  const calls: Call[] = [];
  const impl: Fetch = async (url, init) => {
    calls.push({ url, init: init ?? {} });
    const a = answers.shift();
    if (!a) throw new Error(`unexpected request ${url}`);
    if (!(a instanceof Response)) throw a;
    return a;
  };
  return { calls, impl };
}

// rejection is the error p rejects with (failing the test when p resolves).
async function rejection(p: Promise<unknown>): Promise<ApiError> {
  return p.then(
    (v) => {
      throw new Error(`resolved with ${JSON.stringify(v)}, want a rejection`);
    },
    (e) => e as ApiError,
  );
}

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
const header = (c: Call, name: string) => new Headers(c.init.headers).get(name);

describe('Client.gql', () => {
  it('posts the query and variables with the CSRF token and returns data', async () => {
    const s = fakeServer(json(200, { data: { alerts: { edges: [] } } }));
    const c = new Client(s.impl);
    c.setCsrf('tok-1');
    const data = await c.gql<{ alerts: { edges: unknown[] } }>('query($n: Int) { alerts { edges { node { id } } } }', { n: 3 });
    expect(data).toEqual({ alerts: { edges: [] } });
    expect(s.calls).toHaveLength(1);
    expect(s.calls[0].url).toBe('/graphql');
    expect(s.calls[0].init.method).toBe('POST');
    expect(header(s.calls[0], 'X-CSRF-Token')).toBe('tok-1');
    expect(JSON.parse(String(s.calls[0].init.body))).toEqual({ query: 'query($n: Int) { alerts { edges { node { id } } } }', variables: { n: 3 } });
  });

  it('sends empty variables when none are given', async () => {
    const s = fakeServer(json(200, { data: { logTypes: [] } }));
    await new Client(s.impl).gql('{ logTypes }');
    expect(JSON.parse(String(s.calls[0].init.body)).variables).toEqual({});
  });

  it('turns GraphQL errors into an ApiError with the code and every message', async () => {
    const s = fakeServer(json(200, { data: null, errors: [{ message: 'no such alert', extensions: { code: 'NOT_FOUND' } }, { message: 'second' }] }));
    const err = await rejection(new Client(s.impl).gql('{ alert(id: "x") { id } }'));
    expect(err).toBeInstanceOf(ApiError);
    expect(err.message).toBe('no such alert');
    expect(err.code).toBe('NOT_FOUND');
    expect(err.details).toEqual(['no such alert', 'second']);
  });

  it('tells subscribers when the session is gone, and only while subscribed', async () => {
    const s = fakeServer(
      json(401, { errors: [{ message: 'sign in first', extensions: { code: 'UNAUTHENTICATED' } }] }),
      json(401, { errors: [{ message: 'sign in first' }] }),
    );
    const c = new Client(s.impl);
    const gone = vi.fn();
    const unsubscribe = c.subscribeUnauthenticated(gone);
    const e1 = await rejection(c.gql('{ x }'));
    expect(e1.code).toBe('UNAUTHENTICATED');
    expect(gone).toHaveBeenCalledTimes(1);
    unsubscribe();
    const e2 = await rejection(c.gql('{ x }'));
    expect(e2.code).toBe('UNAUTHENTICATED'); // from the 401 status, without an extensions code
    expect(gone).toHaveBeenCalledTimes(1);
  });

  it('names a network failure and a body that is not JSON', async () => {
    const s = fakeServer(new TypeError('Failed to fetch'), new Response('<html>bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }));
    const c = new Client(s.impl);
    const e1 = await rejection(c.gql('{ x }'));
    expect(e1.code).toBe('NETWORK');
    expect(e1.message).toMatch(/cannot be reached: Failed to fetch/);
    const e2 = await rejection(c.gql('{ x }'));
    expect(e2.code).toBe('SERVER_ERROR');
    expect(e2.status).toBe(502);
    expect(e2.message).toBe('The server answered 502 Bad Gateway without JSON');
  });

  it('rejects an answer without data', async () => {
    const s = fakeServer(json(500, {}));
    const e = await rejection(new Client(s.impl).gql('{ x }'));
    expect(e.code).toBe('SERVER_ERROR');
    expect(e.status).toBe(500);
  });

  it('passes an abort through unchanged', async () => {
    const abort = new DOMException('The operation was aborted.', 'AbortError');
    const s = fakeServer(abort as unknown as Error);
    const e = await rejection(new Client(s.impl).gql('{ x }'));
    expect(e).toBe(abort);
  });
});

describe('Client sign-in', () => {
  it('reads the session and uses its CSRF token from then on', async () => {
    const session = { user: { id: 'u1', email: 'a@example.com', role: 'Admin', status: 'active', mfaEnabled: false }, permissions: ['alerts:read'], csrfToken: 'csrf-9' };
    const s = fakeServer(json(200, session), json(200, { data: { ok: true } }));
    const c = new Client(s.impl);
    expect(await c.session()).toEqual(session);
    expect(s.calls[0].url).toBe('/auth/session');
    expect(s.calls[0].init.method).toBe('GET');
    await c.gql('{ ok }');
    expect(header(s.calls[1], 'X-CSRF-Token')).toBe('csrf-9');
  });

  it('answers null when signed out, and throws on other failures', async () => {
    const s = fakeServer(json(401, { error: 'unauthenticated', message: 'no session' }), json(500, { error: 'internal', message: 'state.db is locked' }));
    const c = new Client(s.impl);
    expect(await c.session()).toBeNull();
    const e = await rejection(c.session());
    expect(e).toBeInstanceOf(ApiError);
    expect(e.code).toBe('internal');
    expect(e.message).toBe('state.db is locked');
  });

  it('signs in with password and code, and reports the server reason on refusal', async () => {
    const s = fakeServer(
      json(401, { error: 'mfa_required', message: 'a TOTP code is required' }),
      json(200, { user: { id: 'u1', email: 'a@example.com', role: 'Admin', status: 'active', mfaEnabled: true }, permissions: [], csrfToken: 'c2' }),
      new Response(null, { status: 204 }),
    );
    const c = new Client(s.impl);
    const e = await rejection(c.signIn('a@example.com', 'pw', ''));
    expect(e.code).toBe('mfa_required');
    expect(e.status).toBe(401);
    const sess = await c.signIn('a@example.com', 'pw', '123456');
    expect(sess.csrfToken).toBe('c2');
    expect(JSON.parse(String(s.calls[1].init.body))).toEqual({ email: 'a@example.com', password: 'pw', code: '123456' });
    await c.signOut();
    expect(s.calls[2].url).toBe('/auth/sign-out');
    expect(header(s.calls[2], 'X-CSRF-Token')).toBe('c2');
  });

  it('changes the one-time password at sign-in', async () => {
    const s = fakeServer(json(200, { user: { id: 'u1', email: 'a@example.com', role: 'Admin', status: 'active', mfaEnabled: false }, permissions: [], csrfToken: 'c3' }));
    const c = new Client(s.impl);
    await c.changePasswordAtSignIn('a@example.com', 'old', 'new-Passw0rd!', '');
    expect(s.calls[0].url).toBe('/auth/change-password');
    expect(JSON.parse(String(s.calls[0].init.body))).toEqual({ email: 'a@example.com', password: 'old', newPassword: 'new-Passw0rd!', code: '' });
  });
});

describe('errorMessage', () => {
  it('says what went wrong for any thrown value', () => {
    expect(errorMessage(new ApiError('denied', 'FORBIDDEN'))).toBe('denied');
    expect(errorMessage(new Error('boom'))).toBe('boom');
    expect(errorMessage('plain')).toBe('plain');
  });
});
