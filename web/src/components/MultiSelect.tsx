import { useEffect, useRef, useState } from 'react';

/**
 * MultiSelect is a compact filter: a button that opens a list of checkboxes. It closes on
 * Escape or a click elsewhere, and says what is chosen on the button.
 */
export function MultiSelect({ label, options, value, onChange, render }: { label: string; options: string[]; value: string[]; onChange: (v: string[]) => void; render?: (o: string) => string }) {
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const onDoc = (e: MouseEvent) => {
      if (ref.current && !ref.current.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', onDoc);
    return () => document.removeEventListener('mousedown', onDoc);
  }, [open]);
  const shown = value.length === 0 ? 'Any' : value.length <= 2 ? value.map((v) => render?.(v) ?? v).join(', ') : `${value.length} chosen`;
  return (
    <div ref={ref} style={{ position: 'relative', display: 'inline-flex', flexDirection: 'column', gap: 4 }} onKeyDown={(e) => e.key === 'Escape' && setOpen(false)}>
      <span className="muted" style={{ fontSize: 13 }} id={`ms-${label}`}>
        {label}
      </span>
      <button type="button" aria-haspopup="true" aria-expanded={open} aria-labelledby={`ms-${label} ms-${label}-v`} onClick={() => setOpen(!open)} style={{ minWidth: 120, justifyContent: 'space-between' }}>
        <span id={`ms-${label}-v`}>{shown}</span> <span aria-hidden="true">▾</span>
      </button>
      {open && (
        <fieldset className="panel" style={{ position: 'absolute', top: '100%', zIndex: 10, marginTop: 4, minWidth: 200, maxHeight: 320, overflow: 'auto', display: 'flex', flexDirection: 'column', gap: 4 }}>
          <legend className="sr-only" style={{ position: 'absolute', left: -9999 }}>
            {label}
          </legend>
          {options.map((o) => (
            <label key={o} className="inline">
              <input
                type="checkbox"
                checked={value.includes(o)}
                onChange={(e) => onChange(e.target.checked ? [...value, o] : value.filter((x) => x !== o))}
              />
              {render?.(o) ?? o}
            </label>
          ))}
          {value.length > 0 && (
            <button type="button" className="link" onClick={() => onChange([])} style={{ alignSelf: 'flex-start' }}>
              Clear
            </button>
          )}
        </fieldset>
      )}
    </div>
  );
}
