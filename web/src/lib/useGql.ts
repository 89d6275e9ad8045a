import { useCallback, useEffect, useRef, useState } from 'react';
import { client, ApiError } from './api';

export interface GqlState<T> {
  data: T | undefined;
  error: ApiError | Error | undefined;
  /** True while the first answer (or the answer to new variables) is awaited. */
  loading: boolean;
  reload: () => void;
}

/**
 * useGql runs a query and keeps its last answer while a new one loads (no layout jumps).
 * It reruns when the variables change, and every pollMs when set.
 */
export function useGql<T>(query: string, variables?: Record<string, unknown>, opts: { pollMs?: number; skip?: boolean } = {}): GqlState<T> {
  const key = JSON.stringify(variables ?? {});
  const [state, setState] = useState<{ data?: T; error?: ApiError | Error; loading: boolean; key: string }>({ loading: !opts.skip, key });
  const [tick, setTick] = useState(0);
  const seq = useRef(0);

  useEffect(() => {
    if (opts.skip) return;
    const n = ++seq.current;
    const ctl = new AbortController();
    setState((s) => ({ ...s, loading: s.key !== key || s.data === undefined, key }));
    client
      .gql<T>(query, JSON.parse(key), ctl.signal)
      .then((data) => n === seq.current && setState({ data, loading: false, key }))
      .catch((error) => {
        if ((error as Error).name === 'AbortError' || n !== seq.current) return;
        setState((s) => ({ ...s, error, loading: false, key }));
      });
    return () => ctl.abort();
  }, [query, key, tick, opts.skip]);

  useEffect(() => {
    if (!opts.pollMs || opts.skip) return;
    const t = setInterval(() => {
      if (document.visibilityState !== 'hidden') setTick((x) => x + 1);
    }, opts.pollMs);
    return () => clearInterval(t);
  }, [opts.pollMs, opts.skip]);

  const reload = useCallback(() => setTick((x) => x + 1), []);
  const fresh = state.key === key;
  return { data: state.data, error: fresh ? state.error : undefined, loading: state.loading || !fresh, reload };
}

/** useMutation wraps a call with its pending state and error. */
export function useAction<A extends unknown[], R>(fn: (...args: A) => Promise<R>) {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<Error | undefined>();
  const run = useCallback(
    async (...args: A): Promise<R | undefined> => {
      setPending(true);
      setError(undefined);
      try {
        return await fn(...args);
      } catch (e) {
        setError(e as Error);
        return undefined;
      } finally {
        setPending(false);
      }
    },
    [fn],
  );
  return { run, pending, error, setError };
}
