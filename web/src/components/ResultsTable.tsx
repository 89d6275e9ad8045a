import { useEffect, useState } from 'react';
import { Pager } from './Page';
import { num } from '../lib/format';

function show(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** ResultsTable shows rows a page at a time (100 rows), so thousands of rows stay smooth. */
export function ResultsTable({ columns, rows, label, pageSize = 100 }: { columns: string[]; rows: Record<string, unknown>[]; label: string; pageSize?: number }) {
  const [page, setPage] = useState(0);
  useEffect(() => setPage(0), [rows]);
  const pages = Math.max(1, Math.ceil(rows.length / pageSize));
  const slice = rows.slice(page * pageSize, (page + 1) * pageSize);
  return (
    <>
      {/* Focusable so keyboard users can scroll wide results (the cells hold no controls). */}
      <div className="table-wrap" style={{ maxHeight: '55vh' }} tabIndex={0} role="region" aria-label={`${label} (scrolls)`}>
        <table className="data" aria-label={label}>
          <thead>
            <tr>
              {columns.map((c) => (
                <th key={c} scope="col">
                  {c}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {slice.map((r, i) => (
              <tr key={page * pageSize + i}>
                {columns.map((c) => {
                  const s = show(r[c]);
                  return (
                    <td key={c} className="mono truncate" title={s.length > 60 ? s : undefined} style={{ maxWidth: 360 }}>
                      {s === '' ? <span className="muted">null</span> : s}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {rows.length > pageSize && (
        <div style={{ padding: 8 }}>
          <Pager
            label={`Rows ${num(page * pageSize + 1)}–${num(Math.min(rows.length, (page + 1) * pageSize))} of ${num(rows.length)}`}
            hasPrev={page > 0}
            hasNext={page < pages - 1}
            onPrev={() => setPage(page - 1)}
            onNext={() => setPage(page + 1)}
          />
        </div>
      )}
    </>
  );
}
