import type { ReactNode } from 'react';
import { errorMessage } from '../lib/api';

/** Empty says there is nothing yet, and what to do about it. */
export function Empty({ title, children, action }: { title: string; children?: ReactNode; action?: ReactNode }) {
  return (
    <div className="empty" role="status">
      <strong>{title}</strong>
      {children && <div>{children}</div>}
      {action}
    </div>
  );
}

/** ErrorBox shows an error where it happened. */
export function ErrorBox({ error, title = 'Something went wrong', retry }: { error: unknown; title?: string; retry?: () => void }) {
  if (!error) return null;
  return (
    <div className="error-box" role="alert">
      <strong>{title}:</strong> {errorMessage(error)}
      {retry && (
        <>
          {' '}
          <button type="button" className="link" onClick={retry}>
            Try again
          </button>
        </>
      )}
    </div>
  );
}

/** Skeleton rows keep the layout while data loads. */
export function Skeleton({ rows = 3, height = 18 }: { rows?: number; height?: number }) {
  return (
    <div aria-busy="true" aria-label="Loading" style={{ display: 'flex', flexDirection: 'column', gap: 8 }}>
      {Array.from({ length: rows }, (_, i) => (
        <div key={i} className="skeleton" style={{ height, width: `${90 - ((i * 17) % 30)}%` }} />
      ))}
    </div>
  );
}

export function Progress({ label }: { label: string }) {
  return (
    <div role="progressbar" aria-label={label} className="progress">
      <div />
    </div>
  );
}

export function SeverityBadge({ severity }: { severity: string }) {
  return <span className={`badge sev-${severity}`}>{severity}</span>;
}

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge st-${status}`}>{status}</span>;
}
