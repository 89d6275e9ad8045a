import { useState } from 'react';
import { Page } from '../components/Page';
import { Dialog } from '../components/Dialog';
import { ErrorBox, Skeleton } from '../components/States';
import { useToast } from '../components/Toast';
import { client, errorMessage } from '../lib/api';
import { ago } from '../lib/format';
import { useSession } from '../lib/session';
import { useGql } from '../lib/useGql';

interface User { id: string; email: string; givenName: string | null; familyName: string | null; role: { name: string }; status: string; enabled: boolean; mfaEnabled: boolean; lastLoggedInAt: string | null; createdAt: string }
const roles = ['Admin', 'Analyst', 'ReadOnly'];

export default function Users() {
  const { can, session } = useSession();
  const toast = useToast();
  const q = useGql<{ users: User[] }>(`{ users { id email givenName familyName role { name } status enabled mfaEnabled lastLoggedInAt createdAt } }`);
  const [inviting, setInviting] = useState(false);
  const [form, setForm] = useState({ email: '', givenName: '', familyName: '', role: 'Analyst' });
  const [secret, setSecret] = useState<{ email: string; password: string } | null>(null);
  const [error, setError] = useState('');
  const write = can('users:write');
  const run = async (what: string, query: string, vars: Record<string, unknown>) => {
    setError('');
    try {
      const r = await client.gql<Record<string, { temporaryPassword?: string }>>(query, vars);
      toast(what);
      q.reload();
      return r;
    } catch (e) {
      setError(errorMessage(e));
      return undefined;
    }
  };
  const invite = async () => {
    const r = await run(`Invited ${form.email}`, `mutation($input: InviteUserInput!) { inviteUser(input: $input) { temporaryPassword user { id } } }`, {
      input: { email: form.email, givenName: form.givenName, familyName: form.familyName, role: { kind: 'NAME', value: form.role } },
    });
    if (r) {
      setSecret({ email: form.email, password: r.inviteUser.temporaryPassword! });
      setInviting(false);
      setForm({ email: '', givenName: '', familyName: '', role: 'Analyst' });
    }
  };
  return (
    <Page title="Users" subtitle="Who can sign in to the console, with which role" actions={write && <button type="button" className="primary" onClick={() => setInviting(true)}>Invite a user</button>}>
      {error && <div className="error-box" role="alert">{error}</div>}
      {secret && (
        <div className="warn-box" role="status">
          One-time password of {secret.email} (shown only now; they choose their own at the first sign-in): <span className="secret" style={{ display: 'inline-block' }}>{secret.password}</span>{' '}
          <button type="button" className="link" onClick={() => setSecret(null)}>Hide</button>
        </div>
      )}
      <ErrorBox error={q.error} retry={q.reload} />
      <div className="panel flush">
        {!q.data ? <div style={{ padding: 16 }}><Skeleton rows={4} /></div> : (
          <table className="data" aria-label="Users">
            <thead><tr><th scope="col">User</th><th scope="col">Role</th><th scope="col">State</th><th scope="col">MFA</th><th scope="col">Last sign-in</th>{write && <th scope="col">Actions</th>}</tr></thead>
            <tbody>
              {q.data.users.map((u) => (
                <tr key={u.id}>
                  <td>{[u.givenName, u.familyName].filter(Boolean).join(' ') || u.email}<div className="muted">{u.email}</div></td>
                  <td>
                    {write && u.id !== session.user.id ? (
                      <select aria-label={`Role of ${u.email}`} value={u.role.name} onChange={(e) => run(`${u.email} is now ${e.target.value}`, `mutation($input: UpdateUserInput!) { updateUser(input: $input) { user { id } } }`, { input: { id: u.id, role: { kind: 'NAME', value: e.target.value } } })}>
                        {roles.map((r) => <option key={r}>{r}</option>)}
                      </select>
                    ) : u.role.name}
                  </td>
                  <td>{!u.enabled ? 'disabled' : u.status === 'FORCE_CHANGE_PASSWORD' ? 'invited' : 'active'}</td>
                  <td>{u.mfaEnabled ? 'on' : <span className="muted">off</span>}</td>
                  <td>{ago(u.lastLoggedInAt)}</td>
                  {write && (
                    <td>
                      <div className="toolbar">
                        <button type="button" className="small" onClick={async () => { const r = await run(`New one-time password for ${u.email}`, `mutation($input: ResetUserPasswordInput!) { resetUserPassword(input: $input) { temporaryPassword user { id } } }`, { input: { id: u.id } }); if (r) setSecret({ email: u.email, password: r.resetUserPassword.temporaryPassword! }); }}>Reset password</button>
                        {u.mfaEnabled && <button type="button" className="small" onClick={() => run(`MFA reset for ${u.email}`, `mutation($input: ResetUserMFAInput!) { resetUserMFA(input: $input) { user { id } } }`, { input: { id: u.id } })}>Reset MFA</button>}
                        <button type="button" className="small" onClick={() => run(`Signed ${u.email} out everywhere`, `mutation($input: RevokeUserSessionsInput!) { revokeUserSessions(input: $input) { revoked } }`, { input: { id: u.id } })}>Sign out everywhere</button>
                        {u.id !== session.user.id && <button type="button" className="small danger" onClick={() => window.confirm(`Remove ${u.email}?`) && run(`Removed ${u.email}`, `mutation($input: DeleteUserInput!) { deleteUser(input: $input) { id } }`, { input: { id: u.id } })}>Remove</button>}
                      </div>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      <Dialog open={inviting} title="Invite a user" onClose={() => setInviting(false)}>
        <form className="form" onSubmit={(e) => { e.preventDefault(); invite(); }}>
          <label>E-mail<input type="email" value={form.email} onChange={(e) => setForm({ ...form, email: e.target.value })} required autoFocus /></label>
          <div className="field-row">
            <label>Given name<input value={form.givenName} onChange={(e) => setForm({ ...form, givenName: e.target.value })} required /></label>
            <label>Family name<input value={form.familyName} onChange={(e) => setForm({ ...form, familyName: e.target.value })} /></label>
          </div>
          <label>Role<select value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value })}>{roles.map((r) => <option key={r}>{r}</option>)}</select></label>
          <p className="hint">Admin: everything. Analyst: alerts, detections, queries and sources. ReadOnly: reads only.</p>
          <div className="dialog-actions"><button type="button" onClick={() => setInviting(false)}>Cancel</button><button type="submit" className="primary">Invite</button></div>
        </form>
      </Dialog>
    </Page>
  );
}
