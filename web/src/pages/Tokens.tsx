import { useState } from 'react';
import { Page } from '../components/Page';
import { Empty, ErrorBox, Skeleton } from '../components/States';
import { copy, useToast } from '../components/Toast';
import { client, errorMessage } from '../lib/api';
import { ago, dateTime } from '../lib/format';
import { useSession } from '../lib/session';
import { useGql } from '../lib/useGql';

interface Token { id: string; name: string; role: { name: string }; createdAt: string; expiresAt: string | null; lastUsedAt: string | null; createdBy: { email: string } | null }

export default function Tokens() {
  const { can } = useSession();
  const toast = useToast();
  const q = useGql<{ apiTokens: Token[] }>(`{ apiTokens { id name role { name } createdAt expiresAt lastUsedAt createdBy { email } } }`);
  const [name, setName] = useState('');
  const [role, setRole] = useState('ReadOnly');
  const [value, setValue] = useState<{ name: string; value: string } | null>(null);
  const [error, setError] = useState('');
  const write = can('tokens:write');
  const create = async () => {
    setError('');
    try {
      const r = await client.gql<{ createAPIToken: { token: { name: string; value: string } } }>(`mutation($input: CreateAPITokenInput!) { createAPIToken(input: $input) { token { id name value } } }`, { input: { name: name.trim(), role } });
      setValue(r.createAPIToken.token);
      setName('');
      q.reload();
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  const revoke = async (t: Token) => {
    if (!window.confirm(`Revoke ${t.name}? Calls with it are refused at once.`)) return;
    try {
      await client.gql(`mutation($input: DeleteAPITokenInput!) { deleteAPIToken(input: $input) { id } }`, { input: { id: t.id } });
      toast(`Revoked ${t.name}`);
      q.reload();
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  return (
    <Page title="API tokens" subtitle="For scripts, panther_analysis_tool and mcp-panther (X-API-Key header on /public/graphql and /v1/)">
      {write && (
        <form className="panel toolbar" onSubmit={(e) => { e.preventDefault(); if (name.trim()) create(); }} aria-label="Create a token">
          <label>Name<input value={name} onChange={(e) => setName(e.target.value)} placeholder="ci-upload" required /></label>
          <label>Role<select value={role} onChange={(e) => setRole(e.target.value)}><option>ReadOnly</option><option>Analyst</option><option>Admin</option></select></label>
          <button type="submit" className="primary" disabled={!name.trim()}>Create token</button>
        </form>
      )}
      {value && (
        <div className="warn-box" role="status">
          <p>The token <strong>{value.name}</strong>, shown only now:</p>
          <div className="secret">{value.value}</div>
          <div className="toolbar" style={{ marginTop: 8 }}>
            <button type="button" onClick={() => copy(value.value).then(() => toast('Token copied'))}>Copy</button>
            <button type="button" onClick={() => setValue(null)}>I have saved it</button>
          </div>
        </div>
      )}
      {error && <div className="error-box" role="alert">{error}</div>}
      <ErrorBox error={q.error} retry={q.reload} />
      <div className="panel flush">
        {!q.data ? <div style={{ padding: 16 }}><Skeleton rows={3} /></div> : q.data.apiTokens.length === 0 ? <Empty title="No API tokens">Create one for a script; its value is shown once.</Empty> : (
          <table className="data" aria-label="API tokens">
            <thead><tr><th scope="col">Name</th><th scope="col">Role</th><th scope="col">Created</th><th scope="col">Expires</th><th scope="col">Last used</th>{write && <th scope="col">Actions</th>}</tr></thead>
            <tbody>
              {q.data.apiTokens.map((t) => (
                <tr key={t.id}>
                  <td>{t.name}</td>
                  <td>{t.role.name}</td>
                  <td title={dateTime(t.createdAt)}>{ago(t.createdAt)}{t.createdBy ? ` by ${t.createdBy.email}` : ''}</td>
                  <td>{t.expiresAt ? dateTime(t.expiresAt) : 'never'}</td>
                  <td>{t.lastUsedAt ? ago(t.lastUsedAt) : <span className="muted">never</span>}</td>
                  {write && <td><button type="button" className="small danger" onClick={() => revoke(t)}>Revoke</button></td>}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </Page>
  );
}
