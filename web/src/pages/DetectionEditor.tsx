import { useEffect, useMemo, useState } from 'react';
import { Page } from '../components/Page';
import { CodeEditor } from '../components/CodeEditor';
import { ErrorBox, Skeleton } from '../components/States';
import { useToast } from '../components/Toast';
import { client, errorMessage } from '../lib/api';
import { severities, withDefault } from '../lib/detection';
import { Link, navigate } from '../lib/router';
import { useSession } from '../lib/session';
import { useGql } from '../lib/useGql';
import type { Draft, DraftTest, TestResult } from '../lib/detection';
import { draftFromDetection, emptyDraft, toInput, validateDraft } from '../lib/detection';

const GET = `query Detection($id: ID!) {
  detection(id: $id) {
    id name type kind enabled displayName description severity logTypes resourceTypes tags reports runbook reference
    dedupPeriodMinutes threshold body detection inlineFilters alertTitle baseDetection spec version problems
    tests { name expectedResult resource mocks { objectName returnValue } }
  }
}`;

const TEST = `mutation Test($input: TestDetectionInput!) {
  testDetection(input: $input) { passed problems results { name passed errored error output functions { name passed output } } }
}`;

function TestResults({ results, problems }: { results: TestResult[]; problems: string[] }) {
  return (
    <div aria-live="polite" style={{ display: 'flex', flexDirection: 'column', gap: 8 }}>
      {problems.map((p, i) => (
        <div key={i} className="error-box" role="alert">
          <strong>Cannot load:</strong> <pre style={{ margin: 0, whiteSpace: 'pre-wrap' }}>{p}</pre>
        </div>
      ))}
      {results.map((r) => (
        <div key={r.name} className={r.passed ? 'ok-box' : 'error-box'} data-testid="test-result">
          <strong>{r.passed ? '✓ PASS' : '✗ FAIL'}</strong> {r.name}
          {r.error && <pre style={{ margin: '4px 0 0', whiteSpace: 'pre-wrap' }}>{r.error}</pre>}
          {r.functions.length > 0 && (
            <table className="data" style={{ marginTop: 6, background: 'transparent' }}>
              <thead>
                <tr>
                  <th scope="col">Function</th>
                  <th scope="col">Result</th>
                  <th scope="col">Output</th>
                </tr>
              </thead>
              <tbody>
                {r.functions.map((f) => (
                  <tr key={f.name}>
                    <td className="mono">{f.name}</td>
                    <td>{f.passed ? <span className="ok-text">ok</span> : <span className="bad-text">failed</span>}</td>
                    <td className="mono" style={{ whiteSpace: 'pre-wrap' }}>{f.output}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {r.output && <pre style={{ margin: '4px 0 0', whiteSpace: 'pre-wrap' }} className="muted">{r.output}</pre>}
        </div>
      ))}
    </div>
  );
}

function TestEditor({ tests, onChange, policy }: { tests: DraftTest[]; onChange: (t: DraftTest[]) => void; policy: boolean }) {
  const [open, setOpen] = useState(0);
  const cur = tests[open];
  const update = (p: Partial<DraftTest>) => onChange(tests.map((t, i) => (i === open ? { ...t, ...p } : t)));
  return (
    <section className="panel" aria-labelledby="tests-title">
      <div className="panel-head">
        <h2 id="tests-title">Unit tests</h2>
        <span className="spacer" />
        <button
          type="button"
          className="small"
          onClick={() => {
            onChange([...tests, { name: `Test ${tests.length + 1}`, expectedResult: true, resource: '{\n  \n}' }]);
            setOpen(tests.length);
          }}
        >
          Add a test
        </button>
      </div>
      {tests.length === 0 ? (
        <p className="muted">No tests. A test is an example {policy ? 'resource' : 'event'} and whether the detection should match it.</p>
      ) : (
        <>
          <div className="tabs" role="tablist" aria-label="Tests">
            {tests.map((t, i) => (
              <button key={i} type="button" role="tab" aria-selected={i === open} onClick={() => setOpen(i)}>
                {t.name || `Test ${i + 1}`}
              </button>
            ))}
          </div>
          {cur && (
            <div className="form" style={{ marginTop: 10 }}>
              <div className="field-row">
                <label style={{ flex: 1 }}>
                  Test name
                  <input value={cur.name} onChange={(e) => update({ name: e.target.value })} />
                </label>
                <label className="inline">
                  <input type="checkbox" checked={cur.expectedResult} onChange={(e) => update({ expectedResult: e.target.checked })} />
                  Should match
                </label>
                <button type="button" className="small danger" onClick={() => { onChange(tests.filter((_, i) => i !== open)); setOpen(0); }}>
                  Remove test
                </button>
              </div>
              <CodeEditor key={open} value={cur.resource} onChange={(v) => update({ resource: v })} language="json" label={`Test ${cur.name}: ${policy ? 'resource' : 'event'} as JSON`} height={220} />
            </div>
          )}
        </>
      )}
    </section>
  );
}

export default function DetectionEditor({ id }: { id?: string }) {
  const { can } = useSession();
  const toast = useToast();
  const q = useGql<{ detection: Parameters<typeof draftFromDetection>[0] }>(GET, { id: id ?? '' }, { skip: !id });
  const logTypes = useGql<{ logTypes: string[] }>(`{ logTypes }`);
  const [draft, setDraft] = useState<Draft | null>(id ? null : emptyDraft());
  const [results, setResults] = useState<{ results: TestResult[]; problems: string[] } | null>(null);
  const [busy, setBusy] = useState('');
  const [error, setError] = useState('');
  const loaded = q.data?.detection;
  useEffect(() => {
    if (loaded) setDraft(draftFromDetection(loaded));
  }, [loaded]);
  const write = can('detections:write');
  const problems = useMemo(() => (draft ? validateDraft(draft) : []), [draft]);

  if (id && q.error) {
    return (
      <Page title="Detection">
        <ErrorBox error={q.error} title="The detection could not be loaded" retry={q.reload} />
        <Link to="/detections">Back to the detections</Link>
      </Page>
    );
  }
  if (!draft) {
    return (
      <Page title="Detection">
        <Skeleton rows={10} />
      </Page>
    );
  }
  const set = (p: Partial<Draft>) => setDraft({ ...draft, ...p });
  const policy = draft.type === 'POLICY';
  const runTests = async () => {
    setBusy('test');
    setError('');
    try {
      const r = await client.gql<{ testDetection: { passed: boolean; problems: string[]; results: TestResult[] } }>(TEST, { input: { detection: toInput(draft) } });
      setResults(r.testDetection);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy('');
    }
  };
  const save = async () => {
    if (problems.length) {
      setError(problems.join('; '));
      return;
    }
    setBusy('save');
    setError('');
    try {
      const op = id ? 'updateDetection' : 'createDetection';
      const r = await client.gql<Record<string, { detection: { id: string; version: number }; testResults: TestResult[] }>>(
        `mutation($input: DetectionInput!) { ${op}(input: $input) { detection { id version } testResults { name passed errored error output functions { name passed output } } } }`,
        { input: { ...toInput(draft), expectedVersion: id ? draft.version : undefined } },
      );
      const out = r[op];
      setResults({ results: out.testResults, problems: [] });
      toast(`Saved ${out.detection.id}`);
      if (!id) navigate(`/detections/${encodeURIComponent(out.detection.id)}`, { replace: true });
      else q.reload();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy('');
    }
  };
  const toggle = async () => {
    if (!id) {
      set({ enabled: !draft.enabled });
      return;
    }
    setBusy('enable');
    try {
      await client.gql(`mutation($input: SetDetectionsEnabledInput!) { setDetectionsEnabled(input: $input) { detections { id enabled } } }`, { input: { ids: [id], enabled: !draft.enabled } });
      toast(draft.enabled ? 'Disabled' : 'Enabled');
      q.reload();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy('');
    }
  };
  const remove = async () => {
    if (!id || !window.confirm(`Delete ${id}? This cannot be undone.`)) return;
    try {
      await client.gql(`mutation($input: DeleteDetectionsInput!) { deleteDetections(input: $input) { ids } }`, { input: { ids: [id] } });
      toast(`Deleted ${id}`);
      navigate('/detections');
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  const passed = results && results.problems.length === 0 && results.results.every((r) => r.passed);
  return (
    <Page
      title={id ? draft.displayName || id : 'New detection'}
      subtitle={
        <>
          <Link to="/detections">Detections</Link>
          {id && <> · version {draft.version}</>}
        </>
      }
      actions={
        <div className="toolbar" style={{ alignItems: 'center' }}>
          {id && <span className={draft.enabled ? 'ok-text' : 'muted'}>{draft.enabled ? '● Enabled' : '○ Disabled'}</span>}
          {write && (
            <button type="button" onClick={toggle} disabled={!!busy} aria-pressed={draft.enabled}>
              {draft.enabled ? 'Disable' : 'Enable'}
            </button>
          )}
          <button type="button" onClick={runTests} disabled={!!busy} title="Ctrl+Enter in the editor">
            {busy === 'test' ? 'Running…' : 'Run tests'}
          </button>
          {write && (
            <button type="button" className="primary" onClick={save} disabled={!!busy}>
              {busy === 'save' ? 'Saving…' : 'Save'}
            </button>
          )}
        </div>
      }
    >
      {loaded?.problems && loaded.problems.length > 0 && (
        <div className="error-box" role="alert">
          <strong>This detection cannot run:</strong>
          <ul style={{ margin: '4px 0 0' }}>{loaded.problems.map((p, i) => <li key={i}>{p}</li>)}</ul>
        </div>
      )}
      {error && (
        <div className="error-box" role="alert">
          {error}
        </div>
      )}
      <div className="grid side">
        <div style={{ display: 'flex', flexDirection: 'column', gap: 16, minWidth: 0 }}>
          <section className="panel" aria-labelledby="code-title">
            <div className="panel-head">
              <h2 id="code-title">{draft.kind === 'SIMPLE' ? 'Detection (YAML)' : draft.kind === 'PYTHON' ? 'Python' : 'Definition'}</h2>
              <span className="spacer" />
              {!id && (
                <div className="segmented" role="group" aria-label="Written in">
                  <button type="button" aria-pressed={draft.kind === 'PYTHON'} onClick={() => set({ kind: 'PYTHON' })}>
                    Python
                  </button>
                  <button type="button" aria-pressed={draft.kind === 'SIMPLE'} onClick={() => set({ kind: 'SIMPLE', type: draft.type === 'POLICY' ? 'RULE' : draft.type })}>
                    YAML
                  </button>
                </div>
              )}
            </div>
            {draft.kind === 'PYTHON' ? (
              <CodeEditor key="py" value={draft.body} onChange={(v) => set({ body: v })} language="python" label="Python source" height={380} readOnly={!write} onSubmit={runTests} />
            ) : draft.kind === 'DERIVED' ? (
              <>
                <p>Derived from <Link to={`/detections/${encodeURIComponent(draft.baseDetection)}`}>{draft.baseDetection}</Link>; its filters:</p>
                <CodeEditor key="inline" value={draft.inlineFilters} onChange={(v) => set({ inlineFilters: v })} language="yaml" label="Inline filters (YAML)" height={200} readOnly={!write} />
              </>
            ) : (
              <CodeEditor key="yaml" value={draft.detection} onChange={(v) => set({ detection: v })} language="yaml" label="Detection (YAML)" height={380} readOnly={!write} onSubmit={runTests} />
            )}
          </section>
          <TestEditor tests={draft.tests} onChange={(t) => set({ tests: t })} policy={policy} />
          <section className="panel" aria-labelledby="results-title">
            <div className="panel-head">
              <h2 id="results-title">Test results</h2>
              <span className="spacer" />
              {results && <span className={passed ? 'ok-text' : 'bad-text'}>{passed ? `All ${results.results.length} passed` : 'Some tests failed'}</span>}
            </div>
            {results ? <TestResults {...results} /> : <p className="muted">Run the tests to see each one's result and the outputs of title, dedup and the other functions.</p>}
          </section>
        </div>
        <aside className="panel form" aria-label="Detection settings">
          <label>
            ID
            <input value={draft.id} onChange={(e) => set({ id: e.target.value })} readOnly={!!id} required placeholder="Custom.AWS.RootLogin" />
          </label>
          <label>
            Type
            <select value={draft.type} onChange={(e) => set({ type: e.target.value })} disabled={!!id}>
              <option value="RULE">Rule</option>
              <option value="SCHEDULED_RULE">Scheduled rule</option>
              <option value="POLICY" disabled={draft.kind === 'SIMPLE'}>Policy</option>
              <option value="CORRELATION_RULE">Correlation rule</option>
            </select>
          </label>
          <label>
            Display name
            <input value={draft.displayName} onChange={(e) => set({ displayName: e.target.value })} />
          </label>
          <label>
            Severity
            <select value={draft.severity} onChange={(e) => set({ severity: e.target.value })}>
              {severities.map((s) => <option key={s}>{s}</option>)}
            </select>
          </label>
          {policy ? (
            <label>
              Resource types (comma-separated)
              <input value={draft.resourceTypes} onChange={(e) => set({ resourceTypes: e.target.value })} placeholder="AWS.S3.Bucket" />
            </label>
          ) : (
            <label>
              Log types (comma-separated)
              <input value={draft.logTypes} onChange={(e) => set({ logTypes: e.target.value })} list="log-type-names" placeholder="AWS.CloudTrail" />
              <datalist id="log-type-names">
                {(logTypes.data?.logTypes ?? []).map((t) => <option key={t} value={t} />)}
              </datalist>
            </label>
          )}
          <label>
            Description
            <textarea rows={3} value={draft.description} onChange={(e) => set({ description: e.target.value })} style={{ fontFamily: 'inherit', fontSize: 14 }} />
          </label>
          <label>
            Runbook
            <textarea rows={3} value={draft.runbook} onChange={(e) => set({ runbook: e.target.value })} style={{ fontFamily: 'inherit', fontSize: 14 }} />
          </label>
          <label>
            Reference
            <input value={draft.reference} onChange={(e) => set({ reference: e.target.value })} />
          </label>
          <label>
            Tags (comma-separated)
            <input value={draft.tags} onChange={(e) => set({ tags: e.target.value })} />
          </label>
          <label>
            MITRE ATT&amp;CK (comma-separated, e.g. TA0001:T1078)
            <input value={draft.mitre} onChange={(e) => set({ mitre: e.target.value })} />
          </label>
          <div className="field-row">
            <label>
              Dedup period (minutes)
              <input type="number" min={5} value={draft.dedupPeriodMinutes} onChange={(e) => set({ dedupPeriodMinutes: withDefault(e.target.value, 60) })} style={{ width: 110 }} />
            </label>
            <label>
              Threshold
              <input type="number" min={1} value={draft.threshold} onChange={(e) => set({ threshold: withDefault(e.target.value, 1) })} style={{ width: 90 }} />
            </label>
          </div>
          {!id && (
            <label className="inline">
              <input type="checkbox" checked={draft.enabled} onChange={(e) => set({ enabled: e.target.checked })} />
              Enabled when saved
            </label>
          )}
          {problems.length > 0 && <p className="hint bad-text">{problems.join('; ')}</p>}
          {id && write && (
            <button type="button" className="danger" onClick={remove}>
              Delete detection
            </button>
          )}
        </aside>
      </div>
    </Page>
  );
}
