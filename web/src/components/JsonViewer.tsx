// A JSON tree with collapsible objects and arrays. Toggles are buttons (keyboard reachable,
// aria-expanded); nodes deeper than openDepth start collapsed, so a large event stays short.
import { useState, type ReactNode } from 'react';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function Scalar({ v }: { v: Json }) {
  if (v === null) return <span className="b">null</span>;
  switch (typeof v) {
    case 'string':
      return <span className="s">{JSON.stringify(v)}</span>;
    case 'number':
      return <span className="n">{String(v)}</span>;
    case 'boolean':
      return <span className="b">{String(v)}</span>;
  }
  return null;
}

function Node({ name, value, depth, openDepth, last }: { name?: string; value: Json; depth: number; openDepth: number; last: boolean }) {
  const isObj = value !== null && typeof value === 'object';
  const [open, setOpen] = useState(depth < openDepth);
  const key: ReactNode = name !== undefined ? (
    <>
      <span className="k">{JSON.stringify(name)}</span>:{' '}
    </>
  ) : null;
  const comma = last ? '' : ',';
  if (!isObj) {
    return (
      <li>
        {key}
        <Scalar v={value} />
        {comma}
      </li>
    );
  }
  const arr = Array.isArray(value);
  const entries: [string | undefined, Json][] = arr ? (value as Json[]).map((v) => [undefined, v]) : Object.entries(value as Record<string, Json>);
  const [o, c] = arr ? ['[', ']'] : ['{', '}'];
  if (entries.length === 0) {
    return (
      <li>
        {key}
        {o}
        {c}
        {comma}
      </li>
    );
  }
  return (
    <li>
      <button type="button" className="toggle" aria-expanded={open} aria-label={`${open ? 'Collapse' : 'Expand'} ${name ?? (arr ? 'array' : 'object')}`} onClick={() => setOpen(!open)}>
        {open ? '▾' : '▸'}
      </button>
      {key}
      {o}
      {open ? (
        <>
          <ul>
            {entries.map(([k, v], i) => (
              <Node key={k ?? i} name={k} value={v} depth={depth + 1} openDepth={openDepth} last={i === entries.length - 1} />
            ))}
          </ul>
          {c}
          {comma}
        </>
      ) : (
        <>
          <span className="muted"> {arr ? `${entries.length} items` : `${entries.length} keys`} </span>
          {c}
          {comma}
        </>
      )}
    </li>
  );
}

export function JsonViewer({ value, openDepth = 2, label = 'JSON' }: { value: unknown; openDepth?: number; label?: string }) {
  return (
    <div className="json" role="group" aria-label={label}>
      <ul style={{ paddingLeft: 0 }}>
        <Node value={value as Json} depth={0} openDepth={openDepth} last />
      </ul>
    </div>
  );
}
