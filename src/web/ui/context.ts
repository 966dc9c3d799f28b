import { createContext } from 'preact';
import { useCallback, useContext, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api, type Me } from './api.js';
import type { Lang, T } from './i18n.js';

/** A live event as the dashboard lists it. */
export interface LiveItem {
  readonly at: number;
  readonly type: string;
  readonly host: string;
  readonly text: string;
}

export interface Ctx {
  readonly t: T;
  readonly lang: Lang;
  readonly me: Me;
  /** Bumped when live events arrive (debounced): pages reload their data. */
  readonly liveTick: number;
  /** The zone times are shown in (format.ts holds it; here so that pages re-render). */
  readonly zone: string;
  /** Newest live events first (at most 20). */
  readonly feed: readonly LiveItem[];
}

export const AppContext = createContext<Ctx | null>(null);

export function useCtx(): Ctx {
  const c = useContext(AppContext);
  if (!c) throw new Error('no app context');
  return c;
}

export interface Loaded<T> {
  readonly data: T | undefined;
  readonly error: ApiError | undefined;
  readonly loading: boolean;
  readonly reload: () => void;
}

/** GETs `path` (null: nothing), again on live updates; keeps old data while reloading. */
export function useApi<T>(path: string | null, live = true): Loaded<T> {
  const { liveTick } = useCtx();
  const [state, setState] = useState<{ data?: T; error?: ApiError; loading: boolean; path: string | null }>({
    loading: path !== null,
    path,
  });
  const [nonce, setNonce] = useState(0);
  const seq = useRef(0);
  const tick = live ? liveTick : 0;
  useEffect(() => {
    if (path === null) {
      setState({ loading: false, path });
      return;
    }
    const mine = ++seq.current;
    setState((s) => (s.path === path ? { ...s, loading: true } : { loading: true, path }));
    api<T>(path).then(
      (data) => {
        if (mine === seq.current) setState({ data, loading: false, path });
      },
      (e: unknown) => {
        if (mine !== seq.current) return;
        const error = e instanceof ApiError ? e : new ApiError(0, (e as Error).message);
        setState({ error, loading: false, path });
      },
    );
  }, [path, tick, nonce]);
  const reload = useCallback(() => setNonce((n) => n + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}
