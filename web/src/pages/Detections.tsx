import { useEffect, useMemo, useState } from 'react';
import { Page, Pager } from '../components/Page';
import { MultiSelect } from '../components/MultiSelect';
import { Empty, ErrorBox, SeverityBadge, Skeleton } from '../components/States';
import { Dialog } from '../components/Dialog';
import { useToast } from '../components/Toast';
import { client, errorMessage } from '../lib/api';
import { ago, num, severities } from '../lib/format';
import { Link, navigate, useSearchParams } from '../lib/router';
import { useSession } from '../lib/session';
import { useGql } from '../lib/useGql';
import { toBase64, zipFiles } from '../lib/zip';

const LIST = `query Detections($input: DetectionsInput) {
  detections(input: $input) {
    edges { node { id name type kind enabled severity logTypes resourceTypes tags reports updatedAt problems } }
    pageInfo { hasNextPage endCursor }
  }
}`;

interface Row { id: string; name: string; type: string; kind: string; enabled: boolean; severity: string; logTypes: string[]; resourceTypes: string[]; tags: string[]; reports: Record<string, string[]> | null; updatedAt: string | null; problems: string[] }

/** mitreOf lists the MITRE ATT&CK techniques of a detection's Reports. */
export function mitreOf(r: Row['reports']): string[] {
  if (!r) return [];
  const key = Object.keys(r).find((k) => k.toLowerCase().replace(/[^a-z]/g, '') === 'mitreattck');
  return key ? (r[key] ?? []) : [];
}

const types = ['RULE', 'SCHEDULED_RULE', 'CORRELATION_RULE', 'POLICY'];

function UploadDialog({ open, onClose, onDone }: { open: boolean; onClose: () => void; onDone: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [result, setResult] = useState<string>('');
  const [issues, setIssues] = useState<{ path: string; errorMessage: string }[]>([]);
  const upload = async (data: Uint8Array) => {
    setBusy(true);
    setError('');
    setResult('');
    setIssues([]);
    try {
      const { uploadDetectionEntitiesAsync: r } = await client.gql<{ uploadDetectionEntitiesAsync: { receiptId: string } }>(
        `mutation($input: UploadDetectionEntitiesAsyncInput!) { uploadDetectionEntitiesAsync(input: $input) { receiptId } }`,
        { input: { data: toBase64(data) } },
      );
      for (;;) {
        const { detectionEntitiesUploadStatus: st } = await client.gql<{ detectionEntitiesUploadStatus: { status: string; error: string | null; result: Record<string, { new: number; modified: number; total: number }> | null } }>(
          `query($id: ID!) { detectionEntitiesUploadStatus(receiptId: $id) { status error result {
            rules { new modified total } policies { new modified total } globalHelpers { new modified total } dataModels { new modified total }
            correlationRules { new modified total } queries { new modified total } packs { new modified total } } } }`,
          { id: r.receiptId },
        );
        if (st.status === 'NOT_PROCESSED') {
          await new Promise((res) => setTimeout(res, 700));
          continue;
        }
        if (st.status === 'FAILED') {
          let msg = st.error ?? 'the upload failed';
          try {
            const j = JSON.parse(msg);
            msg = j.error ?? msg;
            setIssues(j.issues ?? []);
          } catch {
            /* a plain message */
          }
          setError(msg);
          return;
        }
        const parts = Object.entries(st.result ?? {})
          .filter(([, v]) => v.total > 0)
          .map(([k, v]) => `${k}: ${v.new} new, ${v.modified} changed, ${v.total} in total`);
        setResult(parts.join('; ') || 'Nothing to upload was found in the archive.');
        onDone();
        return;
      }
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  const fromZip = async (f: File) => upload(new Uint8Array(await f.arrayBuffer()));
  const fromDir = async (files: FileList) => {
    const list = await Promise.all([...files].map(async (f) => ({ path: (f as File & { webkitRelativePath: string }).webkitRelativePath || f.name, data: new Uint8Array(await f.arrayBuffer()) })));
    await upload(zipFiles(list));
  };
  return (
    <Dialog open={open} title="Upload detections" onClose={onClose}>
      <p className="hint">A panther-analysis zip (as <code>panther_analysis_tool zip</code> makes it) or a folder of rules, policies, global helpers and data models. Detections with the same IDs are replaced.</p>
      <div className="form">
        <label>
          Zip file
          <input type="file" accept=".zip,application/zip" disabled={busy} onChange={(e) => e.target.files?.[0] && fromZip(e.target.files[0])} />
        </label>
        <label>
          Or a folder
          <input type="file" disabled={busy} {...{ webkitdirectory: '', directory: '' }} multiple onChange={(e) => e.target.files && e.target.files.length > 0 && fromDir(e.target.files)} />
        </label>
      </div>
      {busy && <p role="status">Uploading and checking…</p>}
      {error && (
        <div className="error-box" role="alert">
          <strong>Upload refused:</strong> {error}
          {issues.length > 0 && (
            <ul>
              {issues.map((i, k) => (
                <li key={k}>
                  <code>{i.path}</code>: {i.errorMessage}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      {result && <div className="ok-box" role="status">Uploaded. {result}</div>}
      <div className="dialog-actions">
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
    </Dialog>
  );
}

export default function Detections() {
  const [params, setParams] = useSearchParams();
  const { can } = useSession();
  const toast = useToast();
  const [draft, setDraft] = useState(params.get('q') ?? '');
  useEffect(() => setDraft(params.get('q') ?? ''), [params]);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [cursors, setCursors] = useState<string[]>([]);
  const [uploading, setUploading] = useState(params.get('upload') === '1');
  const [bulkError, setBulkError] = useState('');
  const mitre = params.get('mitre') ?? '';
  const input = useMemo(() => {
    const i: Record<string, unknown> = { pageSize: mitre ? 1000 : 100 };
    if (params.getAll('type').length) i.types = params.getAll('type');
    if (params.getAll('severity').length) i.severities = params.getAll('severity');
    if (params.getAll('logType').length) i.logTypes = params.getAll('logType');
    if (params.get('tag')) i.tags = [params.get('tag')];
    if (params.get('q')) i.nameContains = params.get('q');
    if (params.get('enabled')) i.enabled = params.get('enabled') === 'true';
    if (cursors.length) i.cursor = cursors[cursors.length - 1];
    return { input: i };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [params.toString(), cursors]);
  const q = useGql<{ detections: { edges: { node: Row }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } }>(LIST, input);
  const logTypes = useGql<{ logTypes: string[] }>(`{ logTypes }`);
  const rows = useMemo(() => {
    const all = q.data?.detections.edges.map((e) => e.node) ?? [];
    if (!mitre) return all;
    const m = mitre.toLowerCase();
    return all.filter((r) => mitreOf(r.reports).some((t) => t.toLowerCase().includes(m)));
  }, [q.data, mitre]);
  const set = (s: Record<string, string | string[] | null>) => {
    setCursors([]);
    setSelected(new Set());
    setParams(s);
  };
  const enable = async (ids: string[], enabled: boolean) => {
    setBulkError('');
    try {
      await client.gql(`mutation($input: SetDetectionsEnabledInput!) { setDetectionsEnabled(input: $input) { detections { id enabled } } }`, { input: { ids, enabled } });
      toast(`${ids.length} detection${ids.length === 1 ? '' : 's'} ${enabled ? 'enabled' : 'disabled'}`);
      setSelected(new Set());
      q.reload();
    } catch (e) {
      setBulkError(errorMessage(e));
    }
  };
  const write = can('detections:write');
  return (
    <Page
      title="Detections"
      subtitle="Rules, scheduled rules, correlation rules and policies"
      actions={
        write && (
          <div className="toolbar">
            <button type="button" onClick={() => setUploading(true)}>
              Upload…
            </button>
            <Link className="button primary" to="/detections/new">
              New detection
            </Link>
          </div>
        )
      }
    >
      <UploadDialog open={uploading} onClose={() => setUploading(false)} onDone={q.reload} />
      <div className="panel">
        <form
          className="toolbar"
          role="search"
          onSubmit={(e) => {
            e.preventDefault();
            set({ q: draft || null });
          }}
        >
          <label>
            Search names and IDs
            <input type="search" value={draft} onChange={(e) => setDraft(e.target.value)} />
          </label>
          <MultiSelect label="Type" options={types} value={params.getAll('type')} onChange={(v) => set({ type: v })} render={(t) => t.replace(/_/g, ' ').toLowerCase()} />
          <MultiSelect label="Severity" options={severities} value={params.getAll('severity')} onChange={(v) => set({ severity: v })} />
          <MultiSelect label="Log type" options={logTypes.data?.logTypes ?? []} value={params.getAll('logType')} onChange={(v) => set({ logType: v })} />
          <label>
            Enabled
            <select value={params.get('enabled') ?? ''} onChange={(e) => set({ enabled: e.target.value || null })}>
              <option value="">Either</option>
              <option value="true">Enabled</option>
              <option value="false">Disabled</option>
            </select>
          </label>
          <label>
            Tag
            <input value={params.get('tag') ?? ''} onChange={(e) => set({ tag: e.target.value || null })} size={12} />
          </label>
          <label>
            MITRE ATT&amp;CK
            <input value={mitre} onChange={(e) => set({ mitre: e.target.value || null })} placeholder="TA0001 or T1078" size={14} />
          </label>
          <button type="submit">Search</button>
          {params.toString() !== '' && (
            <button type="button" className="link" onClick={() => navigate('/detections')}>
              Clear filters
            </button>
          )}
        </form>
      </div>
      {write && selected.size > 0 && (
        <div className="panel toolbar" role="region" aria-label="Bulk actions" style={{ alignItems: 'center' }}>
          <strong>{selected.size} selected</strong>
          <button type="button" onClick={() => enable([...selected], true)}>
            Enable
          </button>
          <button type="button" onClick={() => enable([...selected], false)}>
            Disable
          </button>
          {bulkError && <span className="bad-text" role="alert">{bulkError}</span>}
        </div>
      )}
      <ErrorBox error={q.error} title="Detections could not be loaded" retry={q.reload} />
      <div className="panel flush">
        {q.loading && !q.data ? (
          <div style={{ padding: 16 }}>
            <Skeleton rows={8} />
          </div>
        ) : rows.length === 0 ? (
          <Empty
            title={params.toString() ? 'No detections match these filters' : 'No detections yet'}
            action={write && !params.toString() ? (
              <div className="toolbar">
                <Link className="button primary" to="/detections/new">Write a rule</Link>
                <button type="button" onClick={() => setUploading(true)}>Upload panther-analysis content</button>
              </div>
            ) : undefined}
          >
            {params.toString() ? 'Widen the filters.' : 'Write a rule here, or upload a panther-analysis zip or folder.'}
          </Empty>
        ) : (
          <div className="table-wrap">
            <table className="data" aria-label="Detections">
              <thead>
                <tr>
                  {write && (
                    <th scope="col" style={{ width: 32 }}>
                      <input type="checkbox" aria-label="Select every detection on this page" checked={rows.every((r) => selected.has(r.id))} onChange={(e) => setSelected(e.target.checked ? new Set(rows.map((r) => r.id)) : new Set())} />
                    </th>
                  )}
                  <th scope="col">Detection</th>
                  <th scope="col">Type</th>
                  <th scope="col">Severity</th>
                  <th scope="col">Log / resource types</th>
                  <th scope="col">Tags</th>
                  <th scope="col">MITRE ATT&amp;CK</th>
                  <th scope="col">State</th>
                  <th scope="col">Updated</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.id}>
                    {write && (
                      <td>
                        <input
                          type="checkbox"
                          aria-label={`Select ${r.name}`}
                          checked={selected.has(r.id)}
                          onChange={(e) => {
                            const n = new Set(selected);
                            if (e.target.checked) n.add(r.id);
                            else n.delete(r.id);
                            setSelected(n);
                          }}
                        />
                      </td>
                    )}
                    <td>
                      <Link to={`/detections/${encodeURIComponent(r.id)}`}>{r.name}</Link>
                      {r.name !== r.id && <div className="muted mono">{r.id}</div>}
                    </td>
                    <td>{r.type.replace(/_/g, ' ').toLowerCase()}{r.kind === 'SIMPLE' ? ' (YAML)' : ''}</td>
                    <td><SeverityBadge severity={r.severity} /></td>
                    <td className="truncate" title={[...r.logTypes, ...r.resourceTypes].join(', ')}>{[...r.logTypes, ...r.resourceTypes].join(', ')}</td>
                    <td>{r.tags.slice(0, 3).map((t) => <span key={t} className="badge tag" style={{ marginRight: 4 }}>{t}</span>)}{r.tags.length > 3 ? <span className="muted">+{r.tags.length - 3}</span> : null}</td>
                    <td className="mono">{mitreOf(r.reports).slice(0, 2).join(', ')}</td>
                    <td>
                      {r.problems.length > 0 ? <span className="bad-text" title={r.problems.join('\n')}>cannot load</span> : r.enabled ? <span className="ok-text">enabled</span> : <span className="muted">disabled</span>}
                    </td>
                    <td>{ago(r.updatedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </div>
      <Pager
        label={`${num(rows.length)} shown`}
        hasPrev={cursors.length > 0}
        hasNext={!!q.data?.detections.pageInfo.hasNextPage}
        onPrev={() => setCursors(cursors.slice(0, -1))}
        onNext={() => setCursors([...cursors, q.data!.detections.pageInfo.endCursor!])}
      />
    </Page>
  );
}
