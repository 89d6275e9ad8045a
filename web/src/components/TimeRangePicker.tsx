import { useState } from 'react';
import { rangePresets, type TimeRange } from '../lib/format';

function local(d: Date) {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** TimeRangePicker offers presets and a custom from/to; the choice lives in the URL. */
export function TimeRangePicker({ range, onChange }: { range: TimeRange; onChange: (set: { range?: string | null; from?: string | null; to?: string | null }) => void }) {
  const [custom, setCustom] = useState(!range.preset);
  const [from, setFrom] = useState(local(range.from));
  const [to, setTo] = useState(local(range.to));
  return (
    <div className="toolbar" role="group" aria-label="Time range">
      <label>
        Time range
        <select
          value={custom ? 'custom' : range.preset}
          onChange={(e) => {
            if (e.target.value === 'custom') {
              setCustom(true);
              return;
            }
            setCustom(false);
            onChange({ range: e.target.value, from: null, to: null });
          }}
        >
          {rangePresets.map((p) => (
            <option key={p.key} value={p.key}>
              {p.label}
            </option>
          ))}
          <option value="custom">Custom…</option>
        </select>
      </label>
      {custom && (
        <>
          <label>
            From
            <input type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} />
          </label>
          <label>
            To
            <input type="datetime-local" value={to} onChange={(e) => setTo(e.target.value)} />
          </label>
          <button
            type="button"
            onClick={() => {
              const f = new Date(from);
              const t = new Date(to);
              if (!(f < t)) return;
              onChange({ range: null, from: f.toISOString(), to: t.toISOString() });
            }}
          >
            Apply
          </button>
        </>
      )}
    </div>
  );
}
