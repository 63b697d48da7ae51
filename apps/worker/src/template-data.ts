/**
 * Answers a template's needs (templates.ts) from the metastore: the variables and connections it names, and the
 * XComs it pulls from its own DAG run — what the task itself could read, and nothing it did not name.
 */
import type { Kysely } from 'kysely';
import type { Database } from '@windsock/metastore';
import type { FetchTemplateData, TemplateData } from './templates.ts';
import { readVariables } from './sql/read-variables.ts';
import { readRunXComs, xcomKey } from './sql/read-run-xcoms.ts';

export interface TemplateDataDeps {
  db: Kysely<Database>;
  readConnection: (connId: string) => Promise<Record<string, unknown> | null>;
}

export function templateDataFetcher(deps: TemplateDataDeps, dagRunId: number): FetchTemplateData {
  return async (needs) => {
    const [vars, xcoms] = await Promise.all([readVariables(deps.db, needs.variables), readRunXComs(deps.db, dagRunId, needs.xcoms)]);
    const data: TemplateData = { variables: {}, connections: {}, xcoms: [] };
    for (const k of needs.variables) data.variables[k] = vars.get(k) ?? null;
    for (const id of needs.connections) data.connections[id] = await deps.readConnection(id);
    for (const [taskId, key] of needs.xcoms) {
      const k = xcomKey(taskId, key);
      data.xcoms.push(xcoms.has(k) ? [taskId, key, true, xcoms.get(k)] : [taskId, key, false, null]);
    }
    return data;
  };
}
