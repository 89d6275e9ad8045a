import { Page } from '../components/Page';
import { Empty, ErrorBox, Skeleton, SeverityBadge } from '../components/States';
import { ago } from '../lib/format';
import { destinationTypes } from '../lib/destinations';
import { Link } from '../lib/router';
import { useSession } from '../lib/session';
import { useGql } from '../lib/useGql';

export const DEST_FIELDS = `outputId displayName outputType defaultForSeverity alertTypes outputConfig createdBy creationTime lastModifiedBy lastModifiedTime`;

export interface Destination { outputId: string; displayName: string; outputType: string; defaultForSeverity: string[]; alertTypes: string[]; outputConfig: Record<string, unknown>; creationTime: string; lastModifiedTime: string; createdBy: string | null }

export default function Destinations() {
  const { can } = useSession();
  const q = useGql<{ destinations: Destination[] }>(`{ destinations { ${DEST_FIELDS} } }`);
  const label = (t: string) => destinationTypes.find((d) => d.type === t)?.label ?? t;
  return (
    <Page title="Destinations" subtitle="Where alerts are sent" actions={can('destinations:write') && <Link className="button primary" to="/destinations/new">New destination</Link>}>
      <ErrorBox error={q.error} retry={q.reload} />
      <div className="panel flush">
        {!q.data ? <div style={{ padding: 16 }}><Skeleton rows={4} /></div> : q.data.destinations.length === 0 ? (
          <Empty title="No destinations yet" action={can('destinations:write') && <Link className="button primary" to="/destinations/new">Add a destination</Link>}>
            Alerts are kept in Panther either way; a destination (Slack, PagerDuty, Jira, a webhook, e-mail...) also sends them out.
          </Empty>
        ) : (
          <table className="data" aria-label="Destinations">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Type</th>
                <th scope="col">Default for severities</th>
                <th scope="col">Alert types</th>
                <th scope="col">Changed</th>
              </tr>
            </thead>
            <tbody>
              {q.data.destinations.map((d) => (
                <tr key={d.outputId}>
                  <td><Link to={`/destinations/${d.outputId}`}>{d.displayName}</Link></td>
                  <td>{label(d.outputType)}</td>
                  <td>{d.defaultForSeverity.map((s) => <span key={s} style={{ marginRight: 4 }}><SeverityBadge severity={s} /></span>)}</td>
                  <td>{d.alertTypes.join(', ').toLowerCase().replace(/_/g, ' ')}</td>
                  <td>{ago(d.lastModifiedTime)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </Page>
  );
}
