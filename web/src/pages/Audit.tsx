import { useMemo, useState } from 'react';
import { Page, Pager } from '../components/Page';
import { JsonViewer } from '../components/JsonViewer';
import { Empty, ErrorBox, Skeleton } from '../components/States';
import { TimeRangePicker } from '../components/TimeRangePicker';
import { ago, dateTime, parseRange } from '../lib/format';
import { useSearchParams } from '../lib/router';
import { useGql } from '../lib/useGql';

interface Entry { id: string; at: string; actorId: string; actorName: string; via: string; action: string; target: string; sourceAddress: string; success: boolean; details: unknown }

export default function Audit() {
  const [params, setParams] = useSearchParams();
  const range = parseRange(params, '7d');
  const [cursors, setCursors] = useState<string[]>([]);
  const [open, setOpen] = useState<string | null>(null);
  const [actor, setActor] = useState(params.get('actor') ?? '');
  const input = useMemo(() => ({
    input: { from: range.from.toISOString(), to: range.preset ? null : range.to.toISOString(), actor: params.get('actor') || null, actions: params.get('action') ? [params.get('action')] : null, cursor: cursors[cursors.length - 1] ?? null, pageSize: 50 },
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }), [params.toString(), cursors]);
  const q = useGql<{ auditLogs: { edges: { node: Entry }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } }>(
    `query($input: AuditLogsInput) { auditLogs(input: $input) { edges { node { id at actorId actorName via action target sourceAddress success details } } pageInfo { hasNextPage endCursor } } }`, input,
  );
  const rows = q.data?.auditLogs.edges.map((e) => e.node) ?? [];
  const set = (s: Record<string, string | null>) => { setCursors([]); setParams(s); };
  return (
    <Page title="Audit log" subtitle="Every change and every sign-in: who, what, when and from where">
      <form className="panel toolbar" role="search" onSubmit={(e) => { e.preventDefault(); set({ actor: actor || null }); }}>
        <label>Actor (e-mail, user or token ID)<input value={actor} onChange={(e) => setActor(e.target.value)} /></label>
        <label>Action<input value={params.get('action') ?? ''} onChange={(e) => set({ action: e.target.value || null })} placeholder="auth.sign_in" list="audit-actions" /></label>
        <datalist id="audit-actions">{['auth.sign_in', 'auth.sign_out', 'alerts.update', 'detections.create', 'detections.update', 'sources.create', 'users.create', 'tokens.create'].map((a) => <option key={a} value={a} />)}</datalist>
        <TimeRangePicker range={range} onChange={(s) => set(s as Record<string, string | null>)} />
        <button type="submit">Filter</button>
      </form>
      <ErrorBox error={q.error} retry={q.reload} />
      <div className="panel flush">
        {!q.data ? <div style={{ padding: 16 }}><Skeleton rows={8} /></div> : rows.length === 0 ? <Empty title="No entries match">Widen the time range or clear the filters.</Empty> : (
          <div className="table-wrap">
            <table className="data" aria-label="Audit log">
              <thead><tr><th scope="col">When</th><th scope="col">Actor</th><th scope="col">Action</th><th scope="col">Target</th><th scope="col">Result</th><th scope="col">From</th><th scope="col">Details</th></tr></thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.id}>
                    <td title={dateTime(r.at)}>{ago(r.at)}</td>
                    <td>{r.actorName || <span className="muted">unknown</span>} <span className="muted">({r.via})</span></td>
                    <td className="mono">{r.action}</td>
                    <td className="truncate mono" style={{ maxWidth: 240 }}>{r.target}</td>
                    <td>{r.success ? <span className="ok-text">ok</span> : <span className="bad-text">refused</span>}</td>
                    <td className="mono">{r.sourceAddress}</td>
                    <td>
                      {r.details ? (
                        <>
                          <button type="button" className="small" aria-expanded={open === r.id} onClick={() => setOpen(open === r.id ? null : r.id)}>{open === r.id ? 'Hide' : 'Show'}</button>
                          {open === r.id && <JsonViewer value={r.details} label="Details" />}
                        </>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </div>
      <Pager hasPrev={cursors.length > 0} hasNext={!!q.data?.auditLogs.pageInfo.hasNextPage} onPrev={() => setCursors(cursors.slice(0, -1))} onNext={() => setCursors([...cursors, q.data!.auditLogs.pageInfo.endCursor!])} />
    </Page>
  );
}
