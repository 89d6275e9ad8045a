// The detection editor's draft: what the form holds, and its mapping to the API's
// DetectionInput (the panther-analysis YAML keys).
export { severities } from './format';

export interface DraftTest {
  name: string;
  expectedResult: boolean;
  resource: string;
  mocks?: { objectName: string; returnValue: string }[];
}

export interface Draft {
  id: string;
  type: string;
  kind: string;
  enabled: boolean;
  displayName: string;
  description: string;
  severity: string;
  logTypes: string;
  resourceTypes: string;
  tags: string;
  mitre: string;
  runbook: string;
  reference: string;
  dedupPeriodMinutes: number;
  threshold: number;
  body: string;
  detection: string;
  inlineFilters: string;
  baseDetection: string;
  tests: DraftTest[];
  version: number;
  reports: Record<string, string[]>;
}

export interface TestResult {
  name: string;
  passed: boolean;
  errored: boolean;
  error: string | null;
  output: string | null;
  functions: { name: string; passed: boolean; output: string }[];
}

export const pythonTemplate = `def rule(event):
    # Return True to raise an alert for this event.
    return event.get("eventName") == "ConsoleLogin" and event.deep_get("userIdentity", "type") == "Root"


def title(event):
    return f"Root console sign-in from {event.get('sourceIPAddress', 'an unknown address')}"
`;

export const yamlTemplate = `MatchFilters:
  - Key: eventName
    Condition: Equals
    Value: ConsoleLogin
`;

export function emptyDraft(): Draft {
  return {
    id: '', type: 'RULE', kind: 'PYTHON', enabled: true, displayName: '', description: '', severity: 'MEDIUM', logTypes: '', resourceTypes: '',
    tags: '', mitre: '', runbook: '', reference: '', dedupPeriodMinutes: 60, threshold: 1, body: pythonTemplate, detection: yamlTemplate,
    inlineFilters: '', baseDetection: '', tests: [], version: 0, reports: {},
  };
}

const MITRE = 'MITRE ATT&CK';

interface ApiDetection {
  id: string; type: string; kind: string; enabled: boolean; displayName: string | null; description: string | null; severity: string;
  logTypes: string[]; resourceTypes: string[]; tags: string[]; reports: Record<string, string[]> | null; runbook: string | null; reference: string | null;
  dedupPeriodMinutes: number; threshold: number; body: string | null; detection: string | null; inlineFilters: string | null; baseDetection: string | null;
  version: number; problems: string[]; tests: { name: string; expectedResult: boolean; resource: string; mocks: { objectName: string; returnValue: string }[] }[];
}

function prettyJSON(s: string): string {
  try {
    return JSON.stringify(JSON.parse(s), null, 2);
  } catch {
    return s;
  }
}

export function draftFromDetection(d: ApiDetection): Draft {
  const reports = d.reports ?? {};
  return {
    id: d.id, type: d.type === 'DERIVED_RULE' ? 'RULE' : d.type, kind: d.kind, enabled: d.enabled, displayName: d.displayName ?? '', description: d.description ?? '',
    severity: d.severity, logTypes: d.logTypes.join(', '), resourceTypes: d.resourceTypes.join(', '), tags: d.tags.join(', '),
    mitre: (reports[MITRE] ?? []).join(', '), runbook: d.runbook ?? '', reference: d.reference ?? '', dedupPeriodMinutes: d.dedupPeriodMinutes || 60,
    threshold: d.threshold || 1, body: d.body ?? '', detection: d.detection ?? '', inlineFilters: d.inlineFilters ?? '', baseDetection: d.baseDetection ?? '',
    tests: d.tests.map((t) => ({ name: t.name, expectedResult: t.expectedResult, resource: prettyJSON(t.resource), mocks: t.mocks })),
    version: d.version, reports,
  };
}

export function list(s: string): string[] {
  return s.split(',').map((x) => x.trim()).filter(Boolean);
}

export function withDefault(v: string, def: number): number {
  const n = Number(v);
  return Number.isFinite(n) && n > 0 ? Math.floor(n) : def;
}

/** validateDraft lists what must be fixed before saving, in words. */
export function validateDraft(d: Draft): string[] {
  const out: string[] = [];
  if (!d.id.trim()) out.push('give the detection an ID');
  else if (!/^[A-Za-z0-9_.:-]+$/.test(d.id)) out.push('the ID may hold only letters, digits and . _ : -');
  if (d.type === 'POLICY' ? list(d.resourceTypes).length === 0 : d.type === 'RULE' && list(d.logTypes).length === 0) {
    out.push(d.type === 'POLICY' ? 'name at least one resource type' : 'name at least one log type');
  }
  d.tests.forEach((t, i) => {
    try {
      JSON.parse(t.resource);
    } catch (e) {
      out.push(`test ${t.name || i + 1} is not valid JSON (${(e as Error).message})`);
    }
  });
  return out;
}

/** toInput maps a draft onto DetectionInput. */
export function toInput(d: Draft): Record<string, unknown> {
  const reports = { ...d.reports };
  const mitre = list(d.mitre);
  if (mitre.length) reports[MITRE] = mitre;
  else delete reports[MITRE];
  const input: Record<string, unknown> = {
    id: d.id.trim(), type: d.type, enabled: d.enabled, displayName: d.displayName || null, description: d.description || null, severity: d.severity,
    tags: list(d.tags), reports: Object.keys(reports).length ? reports : null, runbook: d.runbook || null, reference: d.reference || null,
    dedupPeriodMinutes: d.dedupPeriodMinutes, threshold: d.threshold,
    tests: d.tests.map((t) => ({ name: t.name, expectedResult: t.expectedResult, resource: t.resource, mocks: t.mocks ?? [] })),
  };
  if (d.type === 'POLICY') input.resourceTypes = list(d.resourceTypes);
  else input.logTypes = list(d.logTypes);
  if (d.kind === 'PYTHON') input.body = d.body;
  else if (d.kind === 'DERIVED') {
    input.baseDetection = d.baseDetection;
    input.inlineFilters = d.inlineFilters || null;
  } else input.detection = d.detection;
  return input;
}
