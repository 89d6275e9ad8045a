import { useState } from 'react';
import { Page } from '../components/Page';
import { Empty, ErrorBox, Skeleton } from '../components/States';
import { ago } from '../lib/format';
import { Link, useSearchParams } from '../lib/router';
import { useSession } from '../lib/session';
import { useGql } from '../lib/useGql';

interface SchemaRow { name: string; description: string | null; isManaged: boolean; isArchived: boolean; revision: number; updatedAt: string | null; referenceURL: string | null }

export default function LogTypes() {
  const [params, setParams] = useSearchParams();
  const { can } = useSession();
  const filter = params.get('q') ?? '';
  const which = params.get('show') ?? 'all';
  const [draft, setDraft] = useState(filter);
  const q = useGql<{ schemas: { edges: { node: SchemaRow }[] } }>(
    `query($input: SchemasInput!) { schemas(input: $input) { edges { node { name description isManaged isArchived revision updatedAt referenceURL } } } }`,
    { input: { contains: filter || null, isManaged: which === 'managed' ? true : which === 'custom' ? false : null, isArchived: which === 'archived' ? true : null } },
  );
  const rows = q.data?.schemas.edges.map((e) => e.node) ?? [];
  return (
    <Page title="Log types" subtitle="Managed schemas built in, and your custom ones" actions={can('sources:write') && <Link className="button primary" to="/log-types/new">New custom schema</Link>}>
      <form className="panel toolbar" role="search" onSubmit={(e) => { e.preventDefault(); setParams({ q: draft || null }); }}>
        <label>Name contains<input type="search" value={draft} onChange={(e) => setDraft(e.target.value)} placeholder="cloudtrail" /></label>
        <label>
          Show
          <select value={which} onChange={(e) => setParams({ show: e.target.value === 'all' ? null : e.target.value })}>
            <option value="all">All</option><option value="managed">Managed</option><option value="custom">Custom</option><option value="archived">Archived</option>
          </select>
        </label>
        <button type="submit">Search</button>
      </form>
      <ErrorBox error={q.error} retry={q.reload} />
      <div className="panel flush">
        {!q.data ? <div style={{ padding: 16 }}><Skeleton rows={8} /></div> : rows.length === 0 ? (
          <Empty title="No log type matches" action={can('sources:write') && <Link to="/log-types/new">Write a custom schema</Link>}>A custom schema (named Custom.Something) parses logs no managed type knows.</Empty>
        ) : (
          <div className="table-wrap">
            <table className="data" aria-label="Log types">
              <thead><tr><th scope="col">Log type</th><th scope="col">Kind</th><th scope="col">Description</th><th scope="col">Revision</th><th scope="col">Updated</th></tr></thead>
              <tbody>
                {rows.map((s) => (
                  <tr key={s.name}>
                    <td><Link to={`/log-types/${encodeURIComponent(s.name)}`}>{s.name}</Link></td>
                    <td>{s.isManaged ? 'managed' : s.isArchived ? 'custom (archived)' : 'custom'}</td>
                    <td className="truncate" title={s.description ?? ''}>{s.description}</td>
                    <td>{s.revision}</td>
                    <td>{ago(s.updatedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </div>
    </Page>
  );
}
