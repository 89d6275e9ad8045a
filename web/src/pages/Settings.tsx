import { useEffect, useState } from 'react';
import { Page } from '../components/Page';
import { ErrorBox, Skeleton } from '../components/States';
import { useToast } from '../components/Toast';
import { client, errorMessage, type MFAEnrollment } from '../lib/api';
import { useSession } from '../lib/session';
import { useGql } from '../lib/useGql';

interface General { pantherVersion: string | null; displayName: string | null; email: string | null; mfaRequired: boolean; consoleUrl: string | null }

function MyAccount() {
  const { session, refresh } = useSession();
  const toast = useToast();
  const [cur, setCur] = useState('');
  const [next, setNext] = useState('');
  const [pwError, setPwError] = useState('');
  const [enr, setEnr] = useState<MFAEnrollment | null>(null);
  const [code, setCode] = useState('');
  const [mfaError, setMfaError] = useState('');
  const change = async () => {
    setPwError('');
    try {
      await client.gql(`mutation($input: ChangePasswordInput!) { changePassword(input: $input) { user { id } } }`, { input: { currentPassword: cur, newPassword: next } });
      setCur('');
      setNext('');
      toast('Password changed');
    } catch (e) {
      setPwError(errorMessage(e));
    }
  };
  const begin = async () => {
    setMfaError('');
    try {
      const r = await client.gql<{ beginMFA: MFAEnrollment }>(`mutation { beginMFA { secret url } }`);
      setEnr(r.beginMFA);
    } catch (e) {
      setMfaError(errorMessage(e));
    }
  };
  const confirm = async () => {
    setMfaError('');
    try {
      await client.gql(`mutation($input: ConfirmMFAInput!) { confirmMFA(input: $input) { user { mfaEnabled } } }`, { input: { code } });
      setEnr(null);
      setCode('');
      toast('Two-factor authentication is on');
      await refresh();
    } catch (e) {
      setMfaError(errorMessage(e));
    }
  };
  return (
    <section className="panel" aria-labelledby="me-title">
      <h2 id="me-title">My account</h2>
      <p>{session.user.email} · {session.user.role}</p>
      <form className="form" onSubmit={(e) => { e.preventDefault(); change(); }} aria-label="Change password">
        <h3>Password</h3>
        <input type="text" autoComplete="username" value={session.user.email} readOnly hidden />
        <label>Current password<input type="password" autoComplete="current-password" value={cur} onChange={(e) => setCur(e.target.value)} required /></label>
        <label>New password<input type="password" autoComplete="new-password" value={next} onChange={(e) => setNext(e.target.value)} required /></label>
        {pwError && <div className="error-box" role="alert">{pwError}</div>}
        <div><button type="submit" disabled={!cur || !next}>Change password</button></div>
      </form>
      <div className="form" style={{ marginTop: 16 }}>
        <h3>Two-factor authentication</h3>
        {session.user.mfaEnabled ? <p className="ok-text">On: sign-in asks for a code from your authenticator app.</p> : enr ? (
          <form className="form" onSubmit={(e) => { e.preventDefault(); confirm(); }}>
            <p className="hint">Add this key to your authenticator app, then type the code it shows.</p>
            <div className="secret" data-testid="mfa-secret">{enr.secret}</div>
            <label>6-digit code<input inputMode="numeric" autoComplete="one-time-code" value={code} onChange={(e) => setCode(e.target.value.trim())} required /></label>
            <div><button type="submit" className="primary">Turn on</button></div>
          </form>
        ) : (
          <div><button type="button" onClick={begin}>Set up an authenticator app</button></div>
        )}
        {mfaError && <div className="error-box" role="alert">{mfaError}</div>}
      </div>
    </section>
  );
}

export default function Settings() {
  const { can } = useSession();
  const toast = useToast();
  const q = useGql<{ generalSettings: General }>(`{ generalSettings { pantherVersion displayName email mfaRequired consoleUrl } }`);
  const [f, setF] = useState<General | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    if (q.data) setF(q.data.generalSettings);
  }, [q.data]);
  const write = can('settings:write');
  const save = async () => {
    if (!f) return;
    setError('');
    try {
      await client.gql(`mutation($input: UpdateGeneralSettingsInput!) { updateGeneralSettings(input: $input) { displayName } }`, { input: { displayName: f.displayName, email: f.email, mfaRequired: f.mfaRequired, consoleUrl: f.consoleUrl } });
      toast('Settings saved');
      q.reload();
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  return (
    <Page title="Settings">
      <div className="grid cols-2">
        <section className="panel" aria-labelledby="general-title">
          <h2 id="general-title">General</h2>
          <ErrorBox error={q.error} retry={q.reload} />
          {!f ? <Skeleton rows={4} /> : (
            <form className="form" onSubmit={(e) => { e.preventDefault(); save(); }}>
              <label>Organization name<input value={f.displayName ?? ''} onChange={(e) => setF({ ...f, displayName: e.target.value })} readOnly={!write} /></label>
              <label>Contact e-mail<input type="email" value={f.email ?? ''} onChange={(e) => setF({ ...f, email: e.target.value })} readOnly={!write} /></label>
              <label>Console URL (used in alert links)<input value={f.consoleUrl ?? ''} onChange={(e) => setF({ ...f, consoleUrl: e.target.value })} readOnly={!write} placeholder="https://panther.example.com" /></label>
              <label className="inline"><input type="checkbox" checked={f.mfaRequired} onChange={(e) => setF({ ...f, mfaRequired: e.target.checked })} disabled={!write} />Require two-factor authentication for everyone</label>
              <p className="hint">Panther version {f.pantherVersion ?? 'unknown'}</p>
              {error && <div className="error-box" role="alert">{error}</div>}
              {write && <div><button type="submit" className="primary">Save</button></div>}
            </form>
          )}
        </section>
        <MyAccount />
      </div>
    </Page>
  );
}
