/** /api/v1 pages: at most [api] maximum_page_limit, 100 when the client gives no limit (Airflow 2's default). */
import type { ApiContext } from '../../types.ts';

export const limitsV1 = (ctx: ApiContext) => ({ max: ctx.config.api.maximum_page_limit, fallback: 100 });
