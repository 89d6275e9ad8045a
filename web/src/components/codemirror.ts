// The code editor (CodeMirror 6), loaded on demand in its own chunk: only the screens that
// edit code pay for it. Colors are the console's CSS variables, so it follows the theme.
import { EditorState, Compartment, type Extension } from '@codemirror/state';
import { EditorView, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter, drawSelection, placeholder as placeholderExt } from '@codemirror/view';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { bracketMatching, indentOnInput, syntaxHighlighting, HighlightStyle, foldGutter, foldKeymap } from '@codemirror/language';
import { autocompletion, closeBrackets, closeBracketsKeymap, completionKeymap } from '@codemirror/autocomplete';
import { searchKeymap, highlightSelectionMatches } from '@codemirror/search';
import { python } from '@codemirror/lang-python';
import { yaml } from '@codemirror/lang-yaml';
import { json } from '@codemirror/lang-json';
import { sql, PostgreSQL, type SQLNamespace } from '@codemirror/lang-sql';
import { tags as t } from '@lezer/highlight';

export type Language = 'python' | 'yaml' | 'sql' | 'json' | 'text';

// Token colours are the theme's --code-* variables, chosen for at least 5:1 contrast on the
// editor's background and active line in both themes.
const highlight = HighlightStyle.define([
  { tag: [t.keyword, t.controlKeyword, t.operatorKeyword, t.definitionKeyword, t.moduleKeyword], color: 'var(--code-keyword)', fontWeight: '600' },
  { tag: [t.string, t.special(t.string), t.regexp], color: 'var(--code-string)' },
  { tag: [t.number, t.bool, t.null, t.atom], color: 'var(--code-number)' },
  { tag: [t.comment, t.lineComment, t.blockComment], color: 'var(--code-comment)', fontStyle: 'italic' },
  { tag: [t.function(t.variableName), t.function(t.propertyName)], color: 'var(--code-function)' },
  { tag: [t.definition(t.variableName), t.className, t.propertyName, t.attributeName], color: 'var(--code-name)' },
  { tag: [t.typeName], color: 'var(--code-type)' },
  { tag: t.invalid, color: 'var(--danger)' },
]);

const theme = EditorView.theme({
  '&': { color: 'var(--text)', backgroundColor: 'var(--code-bg)', fontSize: '12.5px' },
  '.cm-content': { fontFamily: "ui-monospace, 'DejaVu Sans Mono', Menlo, monospace", caretColor: 'var(--text)' },
  '.cm-scroller': { fontFamily: "ui-monospace, 'DejaVu Sans Mono', Menlo, monospace" },
  '.cm-gutters': { backgroundColor: 'var(--panel-2)', color: 'var(--muted)', borderRight: '1px solid var(--border)' },
  '.cm-activeLine': { backgroundColor: 'color-mix(in srgb, var(--accent-soft) 45%, transparent)' },
  '.cm-activeLineGutter': { backgroundColor: 'var(--accent-soft)', color: 'var(--text)' },
  '&.cm-focused .cm-selectionBackground, .cm-selectionBackground, ::selection': { backgroundColor: 'color-mix(in srgb, var(--accent) 30%, transparent)' },
  '.cm-cursor': { borderLeftColor: 'var(--text)' },
  '.cm-tooltip': { backgroundColor: 'var(--panel)', color: 'var(--text)', border: '1px solid var(--border)' },
  '.cm-tooltip-autocomplete ul li[aria-selected]': { backgroundColor: 'var(--accent)', color: 'var(--accent-text)' },
  '.cm-placeholder': { color: 'var(--muted)' },
});

function language(lang: Language, schema?: SQLNamespace, defaultSchema?: string): Extension {
  switch (lang) {
    case 'python':
      return python();
    case 'yaml':
      return yaml();
    case 'json':
      return json();
    case 'sql':
      return sql({ dialect: PostgreSQL, schema, defaultSchema, upperCaseKeywords: true });
  }
  return [];
}

export interface EditorOptions {
  value: string;
  language: Language;
  label: string;
  readOnly?: boolean;
  placeholder?: string;
  onChange?: (value: string) => void;
  /** Ctrl/Cmd-Enter runs this (run a query, run tests). */
  onSubmit?: () => void;
  sqlSchema?: SQLNamespace;
  defaultSchema?: string;
}

export interface EditorHandle {
  setValue(v: string): void;
  setSchema(schema: SQLNamespace | undefined, defaultSchema?: string): void;
  focus(): void;
  destroy(): void;
}

export function createEditor(parent: HTMLElement, o: EditorOptions): EditorHandle {
  const lang = new Compartment();
  const submit = o.onSubmit;
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc: o.value,
      extensions: [
        lineNumbers(),
        highlightActiveLineGutter(),
        foldGutter(),
        history(),
        drawSelection(),
        indentOnInput(),
        bracketMatching(),
        closeBrackets(),
        autocompletion(),
        highlightActiveLine(),
        highlightSelectionMatches(),
        syntaxHighlighting(highlight),
        theme,
        lang.of(language(o.language, o.sqlSchema, o.defaultSchema)),
        EditorState.readOnly.of(!!o.readOnly),
        EditorView.contentAttributes.of({ 'aria-label': o.label }),
        o.placeholder ? placeholderExt(o.placeholder) : [],
        keymap.of([
          ...(submit ? [{ key: 'Mod-Enter', run: () => (submit(), true) }] : []),
          ...closeBracketsKeymap,
          ...defaultKeymap,
          ...searchKeymap,
          ...historyKeymap,
          ...foldKeymap,
          ...completionKeymap,
          // Tab indents; Escape then Tab leaves the editor (CodeMirror's accessible tab handling).
          indentWithTab,
        ]),
        EditorView.updateListener.of((u) => {
          if (u.docChanged) o.onChange?.(u.state.doc.toString());
        }),
      ],
    }),
  });
  // The scroller is a scrollable region: keyboard users reach it (axe's scrollable-region-focusable,
  // and read-only editors have no editable content to focus), and it says what it holds.
  view.scrollDOM.tabIndex = 0;
  view.scrollDOM.setAttribute('role', 'region');
  view.scrollDOM.setAttribute('aria-label', `${o.label} (scroll area)`);
  return {
    setValue(v: string) {
      if (v === view.state.doc.toString()) return;
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: v } });
    },
    setSchema(schema, defaultSchema) {
      view.dispatch({ effects: lang.reconfigure(language(o.language, schema, defaultSchema)) });
    },
    focus() {
      view.focus();
    },
    destroy() {
      view.destroy();
    },
  };
}
