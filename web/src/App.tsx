import { lazy, Suspense, useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import { client, type Session } from './lib/api';
import { SessionContext, useSession } from './lib/session';
import { Link, match, navigate, useLocation } from './lib/router';
import { applyTheme, storedTheme, type ThemeChoice } from './lib/theme';
import { ToastProvider } from './components/Toast';
import { ErrorBox, Skeleton } from './components/States';
import { SignIn } from './pages/SignIn';
import { Logo } from './components/Logo';
import { userName } from './lib/format';

// Every screen is its own chunk: the first screen loads only what it needs.
const Overview = lazy(() => import('./pages/Overview'));
const Alerts = lazy(() => import('./pages/Alerts'));
const AlertPage = lazy(() => import('./pages/AlertPage'));
const Detections = lazy(() => import('./pages/Detections'));
const DetectionEditor = lazy(() => import('./pages/DetectionEditor'));
const Helpers = lazy(() => import('./pages/Helpers'));
const DataModels = lazy(() => import('./pages/DataModels'));
const Explorer = lazy(() => import('./pages/Explorer'));
const IndicatorSearch = lazy(() => import('./pages/IndicatorSearch'));
const Sources = lazy(() => import('./pages/Sources'));
const SourcePage = lazy(() => import('./pages/SourcePage'));
const LogTypes = lazy(() => import('./pages/LogTypes'));
const SchemaPage = lazy(() => import('./pages/SchemaPage'));
const Destinations = lazy(() => import('./pages/Destinations'));
const DestinationPage = lazy(() => import('./pages/DestinationPage'));
const Users = lazy(() => import('./pages/Users'));
const Tokens = lazy(() => import('./pages/Tokens'));
const Audit = lazy(() => import('./pages/Audit'));
const Settings = lazy(() => import('./pages/Settings'));

interface Route {
  pattern: string;
  render: (p: Record<string, string>) => ReactNode;
  permission?: string;
}

const routes: Route[] = [
  { pattern: '/', render: () => <Overview /> },
  { pattern: '/alerts', render: () => <Alerts />, permission: 'alerts:read' },
  { pattern: '/alerts/:id', render: (p) => <AlertPage id={p.id} />, permission: 'alerts:read' },
  { pattern: '/detections', render: () => <Detections />, permission: 'detections:read' },
  { pattern: '/detections/new', render: () => <DetectionEditor />, permission: 'detections:write' },
  { pattern: '/detections/:id', render: (p) => <DetectionEditor id={p.id} />, permission: 'detections:read' },
  { pattern: '/helpers', render: () => <Helpers />, permission: 'detections:read' },
  { pattern: '/helpers/:id', render: (p) => <Helpers id={p.id} />, permission: 'detections:read' },
  { pattern: '/data-models', render: () => <DataModels />, permission: 'detections:read' },
  { pattern: '/data-models/:id', render: (p) => <DataModels id={p.id} />, permission: 'detections:read' },
  { pattern: '/explorer', render: () => <Explorer />, permission: 'queries:run' },
  { pattern: '/search', render: () => <IndicatorSearch />, permission: 'queries:run' },
  { pattern: '/sources', render: () => <Sources />, permission: 'sources:read' },
  { pattern: '/sources/:id', render: (p) => <SourcePage id={p.id} />, permission: 'sources:read' },
  { pattern: '/log-types', render: () => <LogTypes />, permission: 'sources:read' },
  { pattern: '/log-types/:name', render: (p) => <SchemaPage name={p.name} />, permission: 'sources:read' },
  { pattern: '/destinations', render: () => <Destinations />, permission: 'destinations:read' },
  { pattern: '/destinations/:id', render: (p) => <DestinationPage id={p.id} />, permission: 'destinations:read' },
  { pattern: '/users', render: () => <Users />, permission: 'users:read' },
  { pattern: '/tokens', render: () => <Tokens />, permission: 'tokens:read' },
  { pattern: '/audit', render: () => <Audit />, permission: 'audit:read' },
  { pattern: '/settings', render: () => <Settings /> },
];

const nav: { section?: string; items: { to: string; label: string; permission?: string; icon: string }[] }[] = [
  { items: [{ to: '/', label: 'Overview', icon: 'M3 13h8V3H3zm0 8h8v-6H3zm10 0h8V11h-8zm0-18v6h8V3z' }] },
  {
    section: 'Investigate',
    items: [
      { to: '/alerts', label: 'Alerts', permission: 'alerts:read', icon: 'M12 22a2 2 0 0 0 2-2h-4a2 2 0 0 0 2 2zm6-6V11c0-3.1-1.6-5.6-4.5-6.3V4a1.5 1.5 0 0 0-3 0v.7C7.6 5.4 6 7.9 6 11v5l-2 2v1h16v-1z' },
      { to: '/explorer', label: 'Data Explorer', permission: 'queries:run', icon: 'M4 6c0-1.7 3.6-3 8-3s8 1.3 8 3-3.6 3-8 3-8-1.3-8-3zm0 3v4c0 1.7 3.6 3 8 3s8-1.3 8-3V9c0 1.7-3.6 3-8 3S4 10.7 4 9zm0 7v2c0 1.7 3.6 3 8 3s8-1.3 8-3v-2c0 1.7-3.6 3-8 3s-8-1.3-8-3z' },
      { to: '/search', label: 'Indicator search', permission: 'queries:run', icon: 'M15.5 14h-.8l-.3-.3A6.5 6.5 0 1 0 14 15.5l.3.3v.8l5 5 1.5-1.5zm-6 0a4.5 4.5 0 1 1 0-9 4.5 4.5 0 0 1 0 9z' },
    ],
  },
  {
    section: 'Detect',
    items: [
      { to: '/detections', label: 'Detections', permission: 'detections:read', icon: 'M12 2 4 5v6c0 5 3.4 9.7 8 11 4.6-1.3 8-6 8-11V5z' },
      { to: '/helpers', label: 'Global helpers', permission: 'detections:read', icon: 'M9.4 16.6 4.8 12l4.6-4.6L8 6l-6 6 6 6zm5.2 0 4.6-4.6-4.6-4.6L16 6l6 6-6 6z' },
      { to: '/data-models', label: 'Data models', permission: 'detections:read', icon: 'M3 3h7v7H3zm11 0h7v7h-7zM3 14h7v7H3zm11 0h7v7h-7z' },
    ],
  },
  {
    section: 'Configure',
    items: [
      { to: '/sources', label: 'Sources', permission: 'sources:read', icon: 'M12 3 2 8l10 5 10-5zm-8 9.2L2 13.2l10 5 10-5-2-1-8 4z' },
      { to: '/log-types', label: 'Log types', permission: 'sources:read', icon: 'M4 4h16v4H4zm0 6h10v4H4zm0 6h16v4H4z' },
      { to: '/destinations', label: 'Destinations', permission: 'destinations:read', icon: 'M2 21 23 12 2 3v7l15 2-15 2z' },
    ],
  },
  {
    section: 'Admin',
    items: [
      { to: '/users', label: 'Users', permission: 'users:read', icon: 'M16 11a3 3 0 1 0 0-6 3 3 0 0 0 0 6zm-8 0a3 3 0 1 0 0-6 3 3 0 0 0 0 6zm0 2c-2.3 0-7 1.2-7 3.5V19h14v-2.5C15 14.2 10.3 13 8 13zm8 0h-1c1.2.9 2 2 2 3.5V19h6v-2.5c0-2.3-4.7-3.5-7-3.5z' },
      { to: '/tokens', label: 'API tokens', permission: 'tokens:read', icon: 'M12.7 10A6 6 0 1 0 12.7 14H17v4h4v-4h2v-4zM7 14a2 2 0 1 1 0-4 2 2 0 0 1 0 4z' },
      { to: '/audit', label: 'Audit log', permission: 'audit:read', icon: 'M14 2H6a2 2 0 0 0-2 2v16a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V8zm2 16H8v-2h8zm0-4H8v-2h8zm-3-5V3.5L18.5 9z' },
      { to: '/settings', label: 'Settings', icon: 'M19.4 13a7.5 7.5 0 0 0 0-2l2.1-1.6-2-3.5-2.5 1a7 7 0 0 0-1.7-1L15 3h-4l-.4 2.9a7 7 0 0 0-1.7 1l-2.5-1-2 3.5L6.6 11a7.5 7.5 0 0 0 0 2l-2.1 1.6 2 3.5 2.5-1a7 7 0 0 0 1.7 1L11 21h4l.4-2.9a7 7 0 0 0 1.7-1l2.5 1 2-3.5zM13 15.5a3.5 3.5 0 1 1 0-7 3.5 3.5 0 0 1 0 7z' },
    ],
  },
];

function Icon({ d }: { d: string }) {
  return (
    <svg width="16" height="16" viewBox="0 0 24 24" aria-hidden="true" fill="currentColor">
      <path d={d} />
    </svg>
  );
}

function NotFound() {
  return (
    <div className="page">
      <h1>Not found</h1>
      <p>
        There is no page at this address. <Link to="/">Go to the overview</Link>.
      </p>
    </div>
  );
}

function Forbidden({ permission }: { permission: string }) {
  return (
    <div className="page">
      <h1>Not allowed</h1>
      <p>
        Your role does not have the <code>{permission}</code> permission this page needs. An admin can change your role on the Users page.
      </p>
    </div>
  );
}

function Shell({ session, children }: { session: Session; children: ReactNode }) {
  const loc = useLocation();
  const [theme, setTheme] = useState<ThemeChoice>(storedTheme());
  const can = (p?: string) => !p || session.permissions.includes(p);
  const active = (to: string) => (to === '/' ? loc.path === '/' : loc.path === to || loc.path.startsWith(to + '/'));
  return (
    <div className="shell">
      <a className="skip-link" href="#content">
        Skip to content
      </a>
      <nav className="sidebar" aria-label="Main">
        <div className="brand">
          <Logo /> Panther
        </div>
        {nav.map((group, gi) => {
          const items = group.items.filter((i) => can(i.permission));
          if (items.length === 0) return null;
          return (
            <div key={gi}>
              {group.section && <div className="nav-section">{group.section}</div>}
              <ul className="nav">
                {items.map((i) => (
                  <li key={i.to}>
                    <Link to={i.to} aria-current={active(i.to) ? 'page' : undefined}>
                      <Icon d={i.icon} />
                      {i.label}
                    </Link>
                  </li>
                ))}
              </ul>
            </div>
          );
        })}
        <div className="sidebar-foot">
          <div title={session.user.email} style={{ overflow: 'hidden', textOverflow: 'ellipsis' }}>
            {userName(session.user)} · {session.user.role}
          </div>
          <div style={{ display: 'flex', gap: 6, marginTop: 8, flexWrap: 'wrap' }}>
            <SignOutButton />
            <label className="inline" style={{ color: 'inherit' }}>
              <span className="sr-only" style={{ position: 'absolute', left: -9999 }}>
                Theme
              </span>
              <select
                aria-label="Theme"
                value={theme}
                onChange={(e) => {
                  const v = e.target.value as ThemeChoice;
                  setTheme(v);
                  applyTheme(v);
                }}
                style={{ background: 'transparent', color: 'inherit', borderColor: '#3a3e4a' }}
              >
                <option value="system">System theme</option>
                <option value="light">Light</option>
                <option value="dark">Dark</option>
              </select>
            </label>
          </div>
        </div>
      </nav>
      <main className="main" id="content" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}

function SignOutButton() {
  const { signOut } = useSession();
  return (
    <button type="button" className="small" onClick={signOut}>
      Sign out
    </button>
  );
}

function Routed({ session }: { session: Session }) {
  const loc = useLocation();
  for (const r of routes) {
    const p = match(r.pattern, loc.path);
    if (!p) continue;
    if (r.permission && !session.permissions.includes(r.permission)) return <Forbidden permission={r.permission} />;
    return <>{r.render(p)}</>;
  }
  return <NotFound />;
}

export function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [error, setError] = useState<unknown>();
  const loc = useLocation();

  const refresh = useCallback(async () => {
    try {
      setSession(await client.session());
      setError(undefined);
    } catch (e) {
      setError(e);
    }
  }, []);
  useEffect(() => {
    refresh();
    return client.subscribeUnauthenticated(() => setSession(null));
  }, [refresh]);

  const signOut = useCallback(async () => {
    try {
      await client.signOut();
    } finally {
      setSession(null);
      navigate('/');
    }
  }, []);

  const value = useMemo(
    () => session && { session, can: (p: string) => session.permissions.includes(p), signOut, refresh },
    [session, signOut, refresh],
  );

  useEffect(() => {
    const m = routes.find((r) => match(r.pattern, loc.path));
    document.title = session ? `${m ? titleOf(m.pattern) : 'Not found'} · Panther` : 'Sign in · Panther';
  }, [loc.path, session]);

  if (error && session === undefined) {
    return (
      <div className="signin">
        <ErrorBox error={error} title="The console cannot reach the server" retry={refresh} />
      </div>
    );
  }
  if (session === undefined) {
    return (
      <div className="signin" aria-busy="true">
        <Skeleton rows={2} />
      </div>
    );
  }
  return (
    <ToastProvider>
      {session === null || !value ? (
        <SignIn onSignedIn={setSession} />
      ) : (
        <SessionContext.Provider value={value}>
          <Shell session={session}>
            <Suspense
              fallback={
                <div className="page">
                  <Skeleton rows={6} />
                </div>
              }
            >
              <Routed session={session} />
            </Suspense>
          </Shell>
        </SessionContext.Provider>
      )}
    </ToastProvider>
  );
}

function titleOf(pattern: string): string {
  const first = pattern.split('/')[1] ?? '';
  const names: Record<string, string> = {
    '': 'Overview', alerts: 'Alerts', detections: 'Detections', helpers: 'Global helpers', 'data-models': 'Data models', explorer: 'Data Explorer',
    search: 'Indicator search', sources: 'Sources', 'log-types': 'Log types', destinations: 'Destinations', users: 'Users', tokens: 'API tokens',
    audit: 'Audit log', settings: 'Settings',
  };
  return names[first] ?? 'Panther';
}
