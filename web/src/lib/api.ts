// The console's client of the server: GraphQL at /graphql (session cookie + CSRF header) and
// the sign-in endpoints under /auth/. Errors come back as ApiError with the server's code.

export class ApiError extends Error {
  /** The server's code: extensions.code of a GraphQL error, or the /auth/ error code. */
  code: string;
  status: number;
  /** Every GraphQL error message, when there were several. */
  details: string[];
  constructor(message: string, code: string, status = 0, details: string[] = []) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = status;
    this.details = details;
  }
}

export type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

export interface SessionUser {
  id: string;
  email: string;
  givenName?: string;
  familyName?: string;
  role: string;
  status: string;
  mfaEnabled: boolean;
}

export interface Session {
  user: SessionUser;
  permissions: string[];
  csrfToken: string;
  expiresAt?: string;
}

export interface MFAEnrollment {
  secret: string;
  url: string;
}

type Listener = () => void;

/** Client talks to one server. The console uses the default instance, tests make their own. */
export class Client {
  private csrf = '';
  private fetchImpl: Fetch;
  private onUnauthenticated = new Set<Listener>();

  constructor(fetchImpl?: Fetch) {
    this.fetchImpl = fetchImpl ?? ((input, init) => fetch(input, init));
  }

  /** Calls fn whenever the server says the session is gone (expired, signed out elsewhere). */
  subscribeUnauthenticated(fn: Listener): () => void {
    this.onUnauthenticated.add(fn);
    return () => this.onUnauthenticated.delete(fn);
  }

  setCsrf(token: string) {
    this.csrf = token;
  }

  /** Runs a GraphQL operation and returns its data; any error rejects with an ApiError. */
  async gql<T>(query: string, variables?: Record<string, unknown>, signal?: AbortSignal): Promise<T> {
    let res: Response;
    try {
      res = await this.fetchImpl('/graphql', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': this.csrf },
        body: JSON.stringify({ query, variables: variables ?? {} }),
        signal,
      });
    } catch (e) {
      if ((e as Error).name === 'AbortError') throw e;
      throw new ApiError('The server cannot be reached: ' + (e as Error).message, 'NETWORK');
    }
    let body: { data?: T; errors?: { message: string; extensions?: { code?: string } }[] };
    try {
      body = await res.json();
    } catch {
      throw new ApiError(`The server answered ${res.status} ${res.statusText} without JSON`, 'SERVER_ERROR', res.status);
    }
    if (body.errors && body.errors.length > 0) {
      const first = body.errors[0];
      const code = first.extensions?.code ?? (res.status === 401 ? 'UNAUTHENTICATED' : 'ERROR');
      if (code === 'UNAUTHENTICATED' || res.status === 401) this.onUnauthenticated.forEach((fn) => fn());
      throw new ApiError(first.message, code, res.status, body.errors.map((e) => e.message));
    }
    if (!res.ok || body.data === undefined || body.data === null) {
      throw new ApiError(`The server answered ${res.status} ${res.statusText}`, 'SERVER_ERROR', res.status);
    }
    return body.data;
  }

  private async auth<T>(method: string, path: string, payload?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await this.fetchImpl(path, {
        method,
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': this.csrf },
        body: payload === undefined ? undefined : JSON.stringify(payload),
      });
    } catch (e) {
      throw new ApiError('The server cannot be reached: ' + (e as Error).message, 'NETWORK');
    }
    if (res.status === 204) return undefined as T;
    let body: Record<string, unknown> = {};
    try {
      body = await res.json();
    } catch {
      /* an empty or non-JSON body: the status says what happened */
    }
    if (!res.ok) {
      throw new ApiError(String(body.message ?? `${res.status} ${res.statusText}`), String(body.error ?? 'error'), res.status);
    }
    return body as T;
  }

  /** The current session, or null when signed out. */
  async session(): Promise<Session | null> {
    try {
      const s = await this.auth<Session>('GET', '/auth/session');
      this.csrf = s.csrfToken;
      return s;
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) return null;
      throw e;
    }
  }

  async signIn(email: string, password: string, code: string): Promise<Session> {
    const s = await this.auth<Session>('POST', '/auth/sign-in', { email, password, code });
    this.csrf = s.csrfToken;
    return s;
  }

  async changePasswordAtSignIn(email: string, password: string, newPassword: string, code: string): Promise<Session> {
    const s = await this.auth<Session>('POST', '/auth/change-password', { email, password, newPassword, code });
    this.csrf = s.csrfToken;
    return s;
  }

  enrollMFA(email: string, password: string): Promise<MFAEnrollment> {
    return this.auth<MFAEnrollment>('POST', '/auth/mfa/enroll', { email, password });
  }

  async signOut(): Promise<void> {
    await this.auth<void>('POST', '/auth/sign-out');
    this.csrf = '';
  }
}

export const client = new Client();

/** errorMessage is what to show a person for any thrown value. */
export function errorMessage(e: unknown): string {
  if (e instanceof ApiError) return e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}
