export const SOURCE_FIELDS = `integrationId integrationLabel integrationType enabled isHealthy logTypes createdAtTime lastEventReceivedAtTime lastEventProcessedAtTime
  health { events bytes quarantined lastError lastErrorAt }
  ... on HttpLogIntegration { url authMethod hmacHeader }
  ... on SyslogLogIntegration { udp tcp tls }
  ... on DirectoryLogIntegration { path }
  ... on S3LogIntegration { queueUrl region endpoint }`;

export interface SourceNode {
  integrationId: string; integrationLabel: string; integrationType: string; enabled: boolean; isHealthy: boolean; logTypes: string[];
  createdAtTime: string; lastEventReceivedAtTime: string | null; lastEventProcessedAtTime: string | null;
  health: { events: number; bytes: number; quarantined: number; lastError: string | null; lastErrorAt: string | null };
  url?: string; authMethod?: string; hmacHeader?: string | null; udp?: string | null; tcp?: string | null; tls?: string | null; path?: string; queueUrl?: string; region?: string | null; endpoint?: string | null;
}

export const kindNames: Record<string, string> = { http: 'HTTP push', syslog: 'Syslog', dir: 'Watched directory', s3: 'S3 via SQS' };

/** settingsFor builds a kind's settings (snake_case, as `panther sources add` takes them) from the form. */
export function settingsFor(kind: string, f: Record<string, string>): Record<string, unknown> {
  const pick = (keys: string[]) => Object.fromEntries(keys.filter((k) => (f[k] ?? '').trim() !== '').map((k) => [k, f[k].trim()]));
  switch (kind) {
    case 'http':
      return { auth: f.auth || 'bearer', ...(f.auth === 'hmac' && f.hmac_header ? { hmac_header: f.hmac_header } : {}) };
    case 'syslog':
      return pick(['udp', 'tcp', 'tls', 'tls_cert', 'tls_key']);
    case 'dir':
      return pick(['path']);
    case 's3':
      return pick(['queue_url', 'region', 'endpoint']);
  }
  return {};
}

/** missingSettings says which required settings of a kind are empty. */
export function missingSettings(kind: string, f: Record<string, string>): string[] {
  const has = (k: string) => (f[k] ?? '').trim() !== '';
  switch (kind) {
    case 'syslog':
      return has('udp') || has('tcp') || has('tls') ? (has('tls') && (!has('tls_cert') || !has('tls_key')) ? ['a TLS certificate and key file'] : []) : ['at least one listen address (UDP, TCP or TLS)'];
    case 'dir':
      return has('path') ? [] : ['the directory to watch'];
    case 's3':
      return has('queue_url') ? [] : ['the SQS queue URL'];
  }
  return [];
}
