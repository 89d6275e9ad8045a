// Asynchronous data lake queries: start, poll until done, read pages of results.
import { client } from './api';

export interface ResultsPage {
  columnInfo: { order: string[]; types: Record<string, string> };
  edges: { node: Record<string, unknown> }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  stats: { bytesScanned: number; executionTime: number; rowCount: number };
}

export interface QueryState {
  id: string;
  status: 'running' | 'succeeded' | 'failed' | 'cancelled';
  message: string;
  sql: string;
  startedAt: string;
  completedAt: string | null;
  results: ResultsPage | null;
}

const RESULTS = `columnInfo { order types } edges { node } pageInfo { hasNextPage endCursor } stats { bytesScanned executionTime rowCount }`;

export async function startQuery(sql: string, databaseName: string, name?: string): Promise<string> {
  const r = await client.gql<{ executeDataLakeQuery: { id: string } }>(
    `mutation($input: ExecuteDataLakeQueryInput!) { executeDataLakeQuery(input: $input) { id } }`,
    { input: { sql, databaseName, name } },
  );
  return r.executeDataLakeQuery.id;
}

export async function getQuery(id: string, cursor?: string): Promise<QueryState> {
  const r = await client.gql<{ dataLakeQuery: QueryState }>(
    `query($id: ID!, $input: DataLakeQueryResultsInput) { dataLakeQuery(id: $id) { id status message sql startedAt completedAt results(input: $input) { ${RESULTS} } } }`,
    { id, input: { cursor, pageSize: 999 } },
  );
  return r.dataLakeQuery;
}

export async function cancelQuery(id: string): Promise<void> {
  await client.gql(`mutation($input: CancelDataLakeQueryInput!) { cancelDataLakeQuery(input: $input) { id } }`, { input: { id } });
}

/** waitQuery polls a query until it is no longer running (or signal aborts). */
export async function waitQuery(id: string, signal: AbortSignal, onTick?: (q: QueryState) => void): Promise<QueryState> {
  let delay = 250;
  for (;;) {
    const q = await getQuery(id);
    onTick?.(q);
    if (q.status !== 'running') return q;
    await new Promise<void>((res, rej) => {
      const t = setTimeout(res, delay);
      signal.addEventListener('abort', () => {
        clearTimeout(t);
        rej(new DOMException('aborted', 'AbortError'));
      }, { once: true });
    });
    delay = Math.min(1500, delay * 1.5);
  }
}

/** allRows reads every page of a finished query's results. */
export async function allRows(id: string, first: ResultsPage): Promise<Record<string, unknown>[]> {
  const rows = first.edges.map((e) => e.node);
  let page = first;
  while (page.pageInfo.hasNextPage && page.pageInfo.endCursor) {
    const q = await getQuery(id, page.pageInfo.endCursor);
    if (!q.results) break;
    page = q.results;
    rows.push(...page.edges.map((e) => e.node));
  }
  return rows;
}
