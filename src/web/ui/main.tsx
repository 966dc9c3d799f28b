/**
 * Vigil console: one page, Preact, hash routes. Every string from the API is rendered as a text
 * node (nothing is ever parsed as HTML); no inline script or style (the CSP forbids both).
 */
import { render } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError, api, followEvents, type LiveState, type Me, session } from './api.js';
import { AppContext, type Ctx, type LiveItem } from './context.js';
import { setZone } from './format.js';
import { initialLang, type Lang, saveLang, translator } from './i18n.js';
import { Dashboard } from './pages/dashboard.js';
import { DetectionView } from './pages/detection.js';
import { HostView } from './pages/host.js';
import { ResponsesView } from './pages/responses.js';
import { SearchView } from './pages/search.js';
import { href, parseRoute, type Route } from './router.js';
import './style.css';

function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}

const ZONE_KEY = 'vigil.zone';

/** UTC, the seed's Japan time, and this browser's own zone. */
function zones(): string[] {
  const local = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return [...new Set(['UTC', 'Asia/Tokyo', local])];
}

function initialZone(): string {
  const saved = localStorage.getItem(ZONE_KEY);
  const z = saved && zones().includes(saved) ? saved : 'UTC';
  setZone(z);
  return z;
}

const field = (data: unknown, k: string): string => {
  if (data === null || typeof data !== 'object') return '';
  const v = (data as Record<string, unknown>)[k];
  return typeof v === 'string' || typeof v === 'number' ? String(v) : '';
};

/** One line per live event, from the fields the server sends (all shown as text). */
function liveItem(type: string, data: unknown): LiveItem | undefined {
  const at = Date.now();
  if (type === 'detection')
    return {
      at,
      type,
      host: field(data, 'host'),
      text: `${field(data, 'change')} ${field(data, 'summary')}`.trim(),
    };
  if (type === 'priority')
    return { at, type, host: field(data, 'host'), text: `${field(data, 'from')} → ${field(data, 'to')}` };
  if (type === 'response')
    return {
      at,
      type,
      host: field(data, 'host'),
      text: `${field(data, 'id')} ${field(data, 'decision')} (${field(data, 'by')})`.trim(),
    };
  return undefined;
}

function Login({ lang, setLang, onIn }: { lang: Lang; setLang: (l: Lang) => void; onIn: (me: Me) => void }) {
  const t = translator(lang);
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | undefined>();
  const submit = async (e: Event) => {
    e.preventDefault();
    session.set(value.trim());
    try {
      onIn(await api<Me>('/api/me'));
    } catch (err) {
      session.clear();
      setError(
        err instanceof ApiError && err.status === 401 ? t('badToken') : String((err as Error).message),
      );
    }
  };
  return (
    <main class="login">
      <form class="card login-card" onSubmit={submit}>
        <h1>
          {t('appName')} <span class="muted small">{t('tagline')}</span>
        </h1>
        <h2>{t('loginTitle')}</h2>
        <p class="muted small">{t('loginHelp')}</p>
        <label>
          {t('token')}
          <input
            name="token"
            type="password"
            autocomplete="off"
            spellcheck={false}
            value={value}
            onInput={(e) => setValue(e.currentTarget.value)}
            required
          />
        </label>
        {error ? (
          <p class="problem" role="alert">
            {error}
          </p>
        ) : null}
        <div class="row">
          <button class="primary" type="submit">
            {t('signIn')}
          </button>
          <button type="button" class="link" onClick={() => setLang(lang === 'en' ? 'ja' : 'en')}>
            {t('language')}
          </button>
        </div>
      </form>
    </main>
  );
}

function App() {
  const [lang, setLangState] = useState<Lang>(initialLang);
  const [zone, setZoneState] = useState<string>(initialZone);
  const chooseZone = (z: string) => {
    localStorage.setItem(ZONE_KEY, z);
    setZone(z);
    setZoneState(z);
  };
  const [me, setMe] = useState<Me | undefined>();
  const [checking, setChecking] = useState(session.token() !== null);
  const [live, setLive] = useState<LiveState>('closed');
  const [liveTick, setLiveTick] = useState(0);
  const [events, setEvents] = useState(0);
  const [feed, setFeed] = useState<readonly LiveItem[]>([]);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const route = useRoute();
  const setLang = (l: Lang) => {
    saveLang(l);
    setLangState(l);
  };
  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);
  const signOut = () => {
    session.clear();
    setMe(undefined);
    setFeed([]);
  };
  useEffect(() => {
    session.onUnauthorized(signOut);
    if (session.token() === null) return;
    api<Me>('/api/me').then(
      (m) => {
        setMe(m);
        setChecking(false);
      },
      () => {
        session.clear();
        setChecking(false);
      },
    );
  }, []);
  useEffect(() => {
    if (!me) return;
    const onEvent = (type: string, data: unknown) => {
      setEvents((n) => n + 1);
      const item = liveItem(type, data);
      if (item) setFeed((f) => [item, ...f].slice(0, 20));
      // Many detections arrive together: reload once they pause (at most every 2 s).
      if (timer.current === undefined)
        timer.current = setTimeout(() => {
          timer.current = undefined;
          setLiveTick((n) => n + 1);
        }, 2000);
    };
    // A hidden tab gives its stream back (browsers allow 6 connections per host over HTTP/1.1,
    // so a few open tabs would otherwise starve each other), and catches up when shown again.
    let stop: (() => void) | undefined;
    let paused = false;
    const sync = () => {
      if (document.hidden) {
        stop?.();
        stop = undefined;
        paused = true;
        setLive('closed');
      } else if (!stop) {
        stop = followEvents(onEvent, setLive);
        if (paused) setLiveTick((n) => n + 1);
      }
    };
    sync();
    document.addEventListener('visibilitychange', sync);
    return () => {
      document.removeEventListener('visibilitychange', sync);
      stop?.();
      if (timer.current !== undefined) clearTimeout(timer.current);
      timer.current = undefined;
    };
  }, [me]);
  const t = useMemo(() => translator(lang), [lang]);
  if (checking) return <p class="muted">{t('loading')}</p>;
  if (!me)
    return (
      <Login
        lang={lang}
        setLang={setLang}
        onIn={(m) => {
          setMe(m);
          if (route.page !== 'dashboard') location.hash = href(route);
        }}
      />
    );
  const ctx: Ctx = { t, lang, me, liveTick, feed, zone };
  const nav = (r: Route, label: string) => (
    <a href={href(r)} class={route.page === r.page ? 'active' : ''}>
      {label}
    </a>
  );
  return (
    <AppContext.Provider value={ctx}>
      <header class="top">
        <a class="brand" href="#/">
          {t('appName')}
        </a>
        <nav class="tabs">
          {nav({ page: 'dashboard' }, t('navDashboard'))}
          {nav({ page: 'search', q: '', offset: 0 }, t('navSearch'))}
          {nav({ page: 'responses' }, t('navResponses'))}
        </nav>
        <span class={`live live-${live}`} data-live={live} title={`${events} ${t('liveUpdates')}`}>
          ● {live === 'open' ? t('live') : t('liveOff')}
        </span>
        <span class="who muted small">
          {t('signedInAs')} {me.name} ({me.role})
        </span>
        <select
          class="zone"
          aria-label={t('timeZone')}
          title={t('timeZone')}
          value={zone}
          onChange={(e) => chooseZone(e.currentTarget.value)}
        >
          {zones().map((z) => (
            <option key={z} value={z}>
              {z}
            </option>
          ))}
        </select>
        <button
          type="button"
          class="link"
          onClick={() => setLang(lang === 'en' ? 'ja' : 'en')}
          data-testid="lang"
        >
          {t('language')}
        </button>
        <button type="button" class="link" onClick={signOut}>
          {t('signOut')}
        </button>
      </header>
      <main>
        {route.page === 'dashboard' ? <Dashboard /> : null}
        {route.page === 'host' ? <HostView key={route.key} hostKey={route.key} /> : null}
        {route.page === 'detection' ? <DetectionView key={route.id} id={route.id} /> : null}
        {route.page === 'search' ? <SearchView route={route} /> : null}
        {route.page === 'responses' ? <ResponsesView /> : null}
      </main>
    </AppContext.Provider>
  );
}

const root = document.getElementById('app');
if (root) render(<App />, root);
