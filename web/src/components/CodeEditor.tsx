import { useEffect, useRef, useState } from 'react';
import type { EditorHandle, Language } from './codemirror';
import type { SQLNamespace } from '@codemirror/lang-sql';

export interface CodeEditorProps {
  value: string;
  onChange?: (v: string) => void;
  language: Language;
  label: string;
  height?: number | string;
  readOnly?: boolean;
  placeholder?: string;
  onSubmit?: () => void;
  sqlSchema?: SQLNamespace;
  defaultSchema?: string;
}

/**
 * CodeEditor is CodeMirror, loaded on first use. Until it has loaded a plain textarea of the
 * same size stands in (and keeps what was typed), so nothing jumps.
 */
export function CodeEditor(p: CodeEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const handle = useRef<EditorHandle | null>(null);
  const latest = useRef(p);
  latest.current = p;
  const [ready, setReady] = useState(false);
  const [draft, setDraft] = useState(p.value);

  useEffect(() => {
    let cancelled = false;
    import('./codemirror').then(({ createEditor }) => {
      if (cancelled || !host.current) return;
      handle.current = createEditor(host.current, {
        value: latest.current.value,
        language: p.language,
        label: p.label,
        readOnly: p.readOnly,
        placeholder: p.placeholder,
        onChange: (v) => latest.current.onChange?.(v),
        onSubmit: () => latest.current.onSubmit?.(),
        sqlSchema: p.sqlSchema,
        defaultSchema: p.defaultSchema,
      });
      setReady(true);
    });
    return () => {
      cancelled = true;
      handle.current?.destroy();
      handle.current = null;
    };
    // The editor is built once; value and schema changes are pushed below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [p.language, p.readOnly]);

  useEffect(() => {
    handle.current?.setValue(p.value);
  }, [p.value, ready]);

  useEffect(() => {
    if (ready) handle.current?.setSchema(p.sqlSchema, p.defaultSchema);
  }, [p.sqlSchema, p.defaultSchema, ready]);

  return (
    <div className="editor" style={{ height: p.height ?? 320 }} data-language={p.language}>
      <div ref={host} style={{ height: '100%', display: ready ? 'block' : 'none' }} />
      {!ready && (
        <textarea
          className="fallback"
          aria-label={p.label}
          value={draft}
          readOnly={p.readOnly}
          onChange={(e) => {
            setDraft(e.target.value);
            p.onChange?.(e.target.value);
          }}
        />
      )}
    </div>
  );
}
