import { useEffect, useState } from 'react';
import { Page } from '../components/Page';
import { CodeEditor } from '../components/CodeEditor';
import { Empty, ErrorBox, Skeleton } from '../components/States';
import { useToast } from '../components/Toast';
import { client, errorMessage } from '../lib/api';
import { ago } from '../lib/format';
import { Link, navigate } from '../lib/router';
import { useSession } from '../lib/session';
import { useGql } from '../lib/useGql';

interface Helper { id: string; description: string | null; body: string; tags: string[]; updatedAt: string | null; version: number }

/** Helpers lists the global helper modules and edits one (/helpers/ID, /helpers/new). */
export default function Helpers({ id }: { id?: string }) {
  const { can } = useSession();
  const toast = useToast();
  const list = useGql<{ globalHelpers: { edges: { node: Helper }[] } }>(`{ globalHelpers(input: { pageSize: 1000 }) { edges { node { id description body tags updatedAt version } } } }`);
  const helpers = list.data?.globalHelpers.edges.map((e) => e.node) ?? [];
  const isNew = id === 'new';
  const cur = helpers.find((h) => h.id === id);
  const [newId, setNewId] = useState('');
  const [body, setBody] = useState('');
  const [description, setDescription] = useState('');
  const [error, setError] = useState('');
  useEffect(() => {
    setBody(cur?.body ?? (isNew ? '# Functions here can be imported by every rule: import my_helpers\n\n\ndef is_admin(user):\n    return user.endswith("-admin")\n' : ''));
    setDescription(cur?.description ?? '');
    setError('');
  }, [cur?.id, cur?.version, isNew]);
  const write = can('detections:write');
  const save = async () => {
    setError('');
    try {
      const hid = isNew ? newId.trim() : id!;
      const op = isNew ? 'createGlobalHelper' : 'updateGlobalHelper';
      await client.gql(`mutation($input: GlobalHelperInput!) { ${op}(input: $input) { globalHelper { id version } } }`, { input: { id: hid, body, description: description || null, expectedVersion: isNew ? undefined : cur?.version } });
      toast(`Saved ${hid}`);
      list.reload();
      if (isNew) navigate(`/helpers/${encodeURIComponent(hid)}`, { replace: true });
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  const remove = async () => {
    if (!id || !window.confirm(`Delete the helper ${id}? Rules importing it stop loading.`)) return;
    try {
      await client.gql(`mutation($input: DeleteEntitiesInput!) { deleteGlobalHelpers(input: $input) { ids } }`, { input: { ids: [id] } });
      list.reload();
      navigate('/helpers');
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  return (
    <Page title="Global helpers" subtitle="Python modules shared by detections" actions={write && <Link className="button primary" to="/helpers/new">New helper</Link>}>
      <ErrorBox error={list.error} retry={list.reload} />
      <div className="grid side-left">
        <nav className="panel" aria-label="Helpers">
          {!list.data ? <Skeleton rows={5} /> : helpers.length === 0 ? <p className="muted">No helpers yet.</p> : (
            <ul className="list-plain">
              {helpers.map((h) => (
                <li key={h.id}>
                  <Link to={`/helpers/${encodeURIComponent(h.id)}`} aria-current={h.id === id ? 'page' : undefined} style={h.id === id ? { fontWeight: 600 } : undefined}>{h.id}</Link>
                  <div className="muted" style={{ fontSize: 12 }}>updated {ago(h.updatedAt)}</div>
                </li>
              ))}
            </ul>
          )}
        </nav>
        {!id ? (
          <div className="panel"><Empty title="Pick a helper to read or edit it">Helpers are imported by name in rules (<code>from panther_base_helpers import deep_get</code>).</Empty></div>
        ) : !isNew && !cur ? (
          list.data ? <div className="panel"><Empty title={`There is no helper ${id}`} /></div> : <Skeleton rows={6} />
        ) : (
          <section className="panel form" aria-label="Helper">
            {isNew && <label>Module name<input value={newId} onChange={(e) => setNewId(e.target.value)} placeholder="my_helpers" required /></label>}
            {!isNew && <h2>{id} <span className="muted">· version {cur!.version}</span></h2>}
            <label>Description<input value={description} onChange={(e) => setDescription(e.target.value)} readOnly={!write} /></label>
            <CodeEditor key={id} value={body} onChange={setBody} language="python" label="Helper source" height={420} readOnly={!write} />
            {error && <div className="error-box" role="alert">{error}</div>}
            {write && (
              <div className="toolbar">
                <button type="button" className="primary" onClick={save}>Save</button>
                {!isNew && <button type="button" className="danger" onClick={remove}>Delete</button>}
              </div>
            )}
          </section>
        )}
      </div>
    </Page>
  );
}
