import { useState } from 'react';
import { Page } from '../components/Page';
import { JsonViewer } from '../components/JsonViewer';
import { Empty, ErrorBox, SeverityBadge, Skeleton, StatusBadge } from '../components/States';
import { copy, useToast } from '../components/Toast';
import { client, errorMessage } from '../lib/api';
import { ago, dateTime, num, sqlString, statuses, tableName, userName } from '../lib/format';
import { Link, useSearchParams, withParams } from '../lib/router';
import { useSession } from '../lib/session';
import { useGql } from '../lib/useGql';

const ALERT = `query Alert($id: ID!) {
  alert(id: $id) {
    id title description severity status type createdAt updatedAt firstEventOccurredAt lastReceivedEventAt eventCount dedupString logTypes
    runbook reference context errorMessage
    assignee { id email givenName familyName }
    origin { __typename ... on Detection { id name type severity description } ... on DeletedDetection { id } ... on SystemError { errorType: type relatedComponent } }
    comments { id body createdAt createdBy { __typename ... on User { email givenName familyName } ... on APIToken { name } } }
    history { at actor action oldValue newValue }
    deliveries { dispatchedAt label message outputId statusCode success attempt retryable }
  }
}`;

const EVENTS = `query AlertEvents($id: ID!, $input: AlertEventsInput) {
  alert(id: $id) { id events(input: $input) { edges { node } pageInfo { hasNextPage endCursor } } }
}`;

interface Actor { __typename: string; email?: string; givenName?: string; familyName?: string; name?: string }
interface AlertDetail {
  id: string; title: string; description: string; severity: string; status: string; type: string; createdAt: string; updatedAt: string | null;
  firstEventOccurredAt: string | null; lastReceivedEventAt: string; eventCount: number; dedupString: string; logTypes: string[];
  runbook: string; reference: string; context: unknown; errorMessage: string | null;
  assignee: { id: string; email: string; givenName?: string; familyName?: string } | null;
  origin: { __typename: string; id?: string; name?: string; type?: string; errorType?: string; description?: string; relatedComponent?: string };
  comments: { id: string; body: string; createdAt: string; createdBy: Actor | null }[];
  history: { at: string; actor: string; action: string; oldValue: string | null; newValue: string | null }[];
  deliveries: { dispatchedAt: string; label: string; message: string; outputId: string; statusCode: number; success: boolean; attempt: number; retryable: boolean }[];
}

function actorName(a: Actor | null) {
  if (!a) return 'someone';
  return a.__typename === 'APIToken' ? `token ${a.name}` : userName(a);
}

function Events({ alert }: { alert: AlertDetail }) {
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors[cursors.length - 1];
  const toast = useToast();
  const ev = useGql<{ alert: { events: { edges: { node: unknown }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } | null } }>(EVENTS, { id: alert.id, input: { pageSize: 10, cursor } });
  const sql = alert.logTypes.length === 1
    ? `SELECT *\nFROM panther_rule_matches.${tableName(alert.logTypes[0])}\nWHERE p_alert_id = ${sqlString(alert.id)}\nORDER BY p_event_time DESC\nLIMIT 100`
    : `SELECT p_log_type, p_event_time, p_row_id\nFROM panther_views.all_rule_matches\nWHERE p_alert_id = ${sqlString(alert.id)}\nORDER BY p_event_time DESC\nLIMIT 100`;
  const events = ev.data?.alert.events?.edges.map((e) => e.node) ?? [];
  return (
    <section className="panel" aria-labelledby="events-title">
      <div className="panel-head">
        <h2 id="events-title">Matched events</h2>
        <span className="spacer" />
        <Link className="button small" to={withParams('/explorer', new URLSearchParams(), { sql })}>
          View in Data Explorer
        </Link>
      </div>
      <ErrorBox error={ev.error} title="The events could not be read" retry={ev.reload} />
      {ev.loading && !ev.data ? <Skeleton rows={6} /> : events.length === 0 ? (
        <Empty title="No events found in the data lake">The lake keeps matched events once the server has checkpointed them (within a minute of the alert).</Empty>
      ) : (
        <div style={{ display: 'flex', flexDirection: 'column', gap: 10 }}>
          {events.map((e, i) => (
            <div key={i}>
              <div className="toolbar" style={{ justifyContent: 'space-between', alignItems: 'center', marginBottom: 4 }}>
                <span className="muted">Event {cursors.length * 10 + i + 1}</span>
                <button type="button" className="small" onClick={() => copy(JSON.stringify(e, null, 2)).then(() => toast('Event copied'))}>
                  Copy JSON
                </button>
              </div>
              <JsonViewer value={e} openDepth={1} label={`Event ${i + 1}`} />
            </div>
          ))}
          <div className="toolbar" style={{ justifyContent: 'flex-end' }}>
            <button type="button" className="small" disabled={cursors.length === 0} onClick={() => setCursors(cursors.slice(0, -1))}>
              ← Previous events
            </button>
            <button type="button" className="small" disabled={!ev.data?.alert.events?.pageInfo.hasNextPage} onClick={() => setCursors([...cursors, ev.data!.alert.events!.pageInfo.endCursor!])}>
              Next events →
            </button>
          </div>
        </div>
      )}
    </section>
  );
}

export default function AlertPage({ id }: { id: string }) {
  const { can, session } = useSession();
  const toast = useToast();
  const [params, setParams] = useSearchParams();
  const tab = params.get('tab') ?? 'events';
  const q = useGql<{ alert: AlertDetail }>(ALERT, { id }, { pollMs: 15000 });
  const dests = useGql<{ destinations: { outputId: string; displayName: string }[] }>(`{ destinations { outputId displayName } }`, undefined, { skip: !can('destinations:read') });
  const [comment, setComment] = useState('');
  const [assignee, setAssignee] = useState('');
  const [actionError, setActionError] = useState('');
  const [busy, setBusy] = useState(false);
  const a = q.data?.alert;
  const write = can('alerts:write');

  const act = async (what: string, fn: () => Promise<unknown>) => {
    setBusy(true);
    setActionError('');
    try {
      await fn();
      toast(what);
      q.reload();
    } catch (e) {
      setActionError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  if (q.error && !a) {
    return (
      <Page title="Alert">
        <ErrorBox error={q.error} title="The alert could not be loaded" retry={q.reload} />
        <Link to="/alerts">Back to the alerts</Link>
      </Page>
    );
  }
  if (!a) {
    return (
      <Page title="Alert">
        <Skeleton rows={8} />
      </Page>
    );
  }
  const setStatus = (s: string) => act(`Status set to ${s}`, () => client.gql(`mutation($input: UpdateAlertStatusByIdInput!) { updateAlertStatusById(input: $input) { alerts { id } } }`, { input: { ids: [a.id], status: s } }));
  const assign = (email: string | null) => act(email ? `Assigned to ${email}` : 'Unassigned', () => client.gql(`mutation($input: UpdateAlertsAssigneeByEmailInput!) { updateAlertsAssigneeByEmail(input: $input) { alerts { id } } }`, { input: { ids: [a.id], assigneeEmail: email } }));
  const resend = (outputIds?: string[]) => act('Alert sent again', () => client.gql(`mutation($input: DeliverAlertInput!) { deliverAlert(input: $input) { alert { id } } }`, { input: { alertId: a.id, outputIds } }));

  return (
    <Page
      title={a.title}
      subtitle={
        <>
          <Link to="/alerts">Alerts</Link> · {a.type.replace(/_/g, ' ').toLowerCase()} · created {ago(a.createdAt)}
        </>
      }
      actions={
        <div className="toolbar" style={{ alignItems: 'center' }}>
          <SeverityBadge severity={a.severity} />
          <label className="inline">
            Status
            <select value={a.status} disabled={!write || busy} onChange={(e) => setStatus(e.target.value)}>
              {statuses.map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
          </label>
        </div>
      }
    >
      {actionError && (
        <div className="error-box" role="alert">
          {actionError}
        </div>
      )}
      <div className="grid side">
        <div style={{ display: 'flex', flexDirection: 'column', gap: 16, minWidth: 0 }}>
          {a.description && (
            <section className="panel">
              <h2>Description</h2>
              <p>{a.description}</p>
              {a.runbook && (
                <>
                  <h3>Runbook</h3>
                  <p style={{ whiteSpace: 'pre-wrap' }}>{a.runbook}</p>
                </>
              )}
            </section>
          )}
          {a.errorMessage && (
            <section className="error-box" aria-label="Error">
              <strong>Error:</strong> <pre style={{ whiteSpace: 'pre-wrap', margin: 0 }}>{a.errorMessage}</pre>
            </section>
          )}
          <div className="tabs" role="tablist" aria-label="Alert details">
            {[['events', 'Events'], ['comments', `Comments (${a.comments.length})`], ['history', 'History'], ['deliveries', `Deliveries (${a.deliveries.length})`], ['context', 'Alert context']].map(([k, label]) => (
              <button key={k} type="button" role="tab" id={`tab-${k}`} aria-selected={tab === k} aria-controls={`panel-${k}`} onClick={() => setParams({ tab: k === 'events' ? null : k })}>
                {label}
              </button>
            ))}
          </div>
          <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
            {tab === 'events' && (can('queries:run') ? <Events alert={a} /> : <Empty title="Reading events needs the queries:run permission" />)}
            {tab === 'comments' && (
              <section className="panel">
                {a.comments.length === 0 ? <p className="muted">No comments yet.</p> : (
                  <ul className="list-plain">
                    {a.comments.map((c) => (
                      <li key={c.id} className="comment">
                        <div className="muted" style={{ fontSize: 12.5 }}>
                          {actorName(c.createdBy)} · <span title={dateTime(c.createdAt)}>{ago(c.createdAt)}</span>
                        </div>
                        <div style={{ whiteSpace: 'pre-wrap' }}>{c.body}</div>
                      </li>
                    ))}
                  </ul>
                )}
                {write && (
                  <form
                    className="form"
                    style={{ marginTop: 12 }}
                    onSubmit={(e) => {
                      e.preventDefault();
                      if (!comment.trim()) return;
                      act('Comment added', async () => {
                        await client.gql(`mutation($input: CreateAlertCommentInput!) { createAlertComment(input: $input) { comment { id } } }`, { input: { alertId: a.id, body: comment } });
                        setComment('');
                      });
                    }}
                  >
                    <label>
                      Add a comment
                      <textarea rows={3} value={comment} onChange={(e) => setComment(e.target.value)} style={{ fontFamily: 'inherit', fontSize: 14 }} />
                    </label>
                    <div>
                      <button type="submit" className="primary" disabled={busy || !comment.trim()}>
                        Comment
                      </button>
                    </div>
                  </form>
                )}
              </section>
            )}
            {tab === 'history' && (
              <section className="panel">
                {a.history.length === 0 ? <p className="muted">Nobody has changed this alert yet.</p> : (
                  <ol className="timeline">
                    {a.history.map((h, i) => (
                      <li key={i}>
                        <span title={dateTime(h.at)}>{ago(h.at)}</span> · <strong>{h.actor}</strong> {h.action === 'comment' ? 'commented' : <>changed {h.action}{h.oldValue ? <> from <code>{h.oldValue}</code></> : null} to <code>{h.newValue || 'nobody'}</code></>}
                      </li>
                    ))}
                  </ol>
                )}
              </section>
            )}
            {tab === 'deliveries' && (
              <section className="panel flush">
                {a.deliveries.length === 0 ? (
                  <Empty title="Not delivered anywhere">No destination took this alert. Add one on the <Link to="/destinations">Destinations</Link> page, then send it again.</Empty>
                ) : (
                  <table className="data">
                    <thead>
                      <tr>
                        <th scope="col">When</th>
                        <th scope="col">Destination</th>
                        <th scope="col">Attempt</th>
                        <th scope="col">Result</th>
                        <th scope="col">Answer</th>
                      </tr>
                    </thead>
                    <tbody>
                      {a.deliveries.map((d, i) => (
                        <tr key={i}>
                          <td title={dateTime(d.dispatchedAt)}>{ago(d.dispatchedAt)}</td>
                          <td>{d.label}</td>
                          <td>{d.attempt}</td>
                          <td>{d.success ? <span className="ok-text">sent</span> : <span className="bad-text">failed{d.retryable ? ', will retry' : ''}</span>}</td>
                          <td className="truncate" title={d.message}>{d.statusCode ? `${d.statusCode} ` : ''}{d.message}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
                {write && (
                  <div className="toolbar" style={{ padding: 12 }}>
                    <button type="button" disabled={busy} onClick={() => resend()}>
                      Send again to its destinations
                    </button>
                    {(dests.data?.destinations ?? []).map((d) => (
                      <button key={d.outputId} type="button" className="small" disabled={busy} onClick={() => resend([d.outputId])}>
                        Send to {d.displayName}
                      </button>
                    ))}
                  </div>
                )}
              </section>
            )}
            {tab === 'context' && (
              <section className="panel">{a.context ? <JsonViewer value={a.context} label="Alert context" /> : <p className="muted">The detection returned no alert context.</p>}</section>
            )}
          </div>
        </div>
        <aside className="panel" aria-label="Alert facts">
          <dl className="kv">
            <dt>Status</dt>
            <dd><StatusBadge status={a.status} /></dd>
            <dt>Detection</dt>
            <dd>{a.origin.id ? <Link to={`/detections/${encodeURIComponent(a.origin.id)}`}>{a.origin.name ?? a.origin.id}</Link> : a.origin.__typename === 'SystemError' ? `${a.origin.errorType}` : '—'}</dd>
            <dt>Events</dt>
            <dd>{num(a.eventCount)}</dd>
            <dt>First event</dt>
            <dd>{dateTime(a.firstEventOccurredAt)}</dd>
            <dt>Last event</dt>
            <dd>{dateTime(a.lastReceivedEventAt)}</dd>
            <dt>Created</dt>
            <dd>{dateTime(a.createdAt)}</dd>
            <dt>Log types</dt>
            <dd>{a.logTypes.join(', ') || '—'}</dd>
            <dt>Dedup string</dt>
            <dd>
              <code>{a.dedupString}</code>
            </dd>
            <dt>Alert ID</dt>
            <dd>
              <code>{a.id}</code>{' '}
              <button type="button" className="link" onClick={() => copy(window.location.origin + `/alerts/${a.id}`).then(() => toast('Link copied'))}>
                Copy link
              </button>
            </dd>
            {a.reference && (
              <>
                <dt>Reference</dt>
                <dd>{/^https?:\/\//.test(a.reference) ? <a href={a.reference} target="_blank" rel="noreferrer noopener">{a.reference}</a> : a.reference}</dd>
              </>
            )}
            <dt>Assignee</dt>
            <dd>{a.assignee ? userName(a.assignee) : <span className="muted">unassigned</span>}</dd>
          </dl>
          {write && (
            <form
              className="form"
              style={{ marginTop: 12 }}
              onSubmit={(e) => {
                e.preventDefault();
                if (assignee.trim()) assign(assignee.trim()).then(() => setAssignee(''));
              }}
            >
              <div className="toolbar">
                {a.assignee?.id !== session.user.id && (
                  <button type="button" className="small" disabled={busy} onClick={() => assign(session.user.email)}>
                    Assign to me
                  </button>
                )}
                {a.assignee && (
                  <button type="button" className="small" disabled={busy} onClick={() => assign(null)}>
                    Unassign
                  </button>
                )}
              </div>
              <label>
                Assign to (e-mail)
                <input type="email" value={assignee} onChange={(e) => setAssignee(e.target.value)} placeholder="ana@example.com" />
              </label>
            </form>
          )}
        </aside>
      </div>
    </Page>
  );
}
