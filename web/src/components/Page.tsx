import type { ReactNode } from 'react';

/** Page is a screen: its title bar (with actions on the right) and its content. */
export function Page({ title, subtitle, actions, children }: { title: ReactNode; subtitle?: ReactNode; actions?: ReactNode; children: ReactNode }) {
  return (
    <>
      <header className="topbar">
        <div style={{ minWidth: 0 }}>
          <h1>{title}</h1>
          {subtitle && <div className="subtitle">{subtitle}</div>}
        </div>
        <div className="spacer" />
        {actions}
      </header>
      <div className="page">{children}</div>
    </>
  );
}

/** Pager pages a cursor-paged list: the cursors of the pages seen are kept for "Previous". */
export function Pager({ hasNext, hasPrev, onNext, onPrev, label }: { hasNext: boolean; hasPrev: boolean; onNext: () => void; onPrev: () => void; label?: string }) {
  return (
    <nav className="toolbar" aria-label="Pages" style={{ justifyContent: 'flex-end', alignItems: 'center' }}>
      {label && <span className="muted">{label}</span>}
      <button type="button" className="small" disabled={!hasPrev} onClick={onPrev}>
        ← Previous
      </button>
      <button type="button" className="small" disabled={!hasNext} onClick={onNext}>
        Next →
      </button>
    </nav>
  );
}
