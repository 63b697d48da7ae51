/**
 * deploy/grafana/windsock.json is a Grafana dashboard whose every query names only metrics the code exports
 * (libs/metrics' catalog, under the Prometheus names), and which shows every metric the catalog has. Renaming a
 * metric without the dashboard, or the dashboard querying a typo, fails here.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { expect, it } from 'vitest';
import { exportedPrometheusNames, METRICS, prometheusName } from '@windsock/metrics';

const FILE = resolve(import.meta.dirname, '../deploy/grafana/windsock.json');

interface Panel { id: number; type: string; title: string; gridPos: { h: number; w: number; x: number; y: number }; targets?: Array<{ refId: string; expr: string }>; datasource?: { type: string } }

/** Metric names in a PromQL expression: identifiers that are not functions, label names, keywords or label values. */
function metricsIn(expr: string): string[] {
  const stripped = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/\{[^}]*\}/g, '{}').replace(/\b(by|without)\s*\([^)]*\)/g, '').replace(/\[[^\]]*\]/g, '');
  return [...stripped.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()/g)].map((m) => m[1]!).filter((n) => !/^(le|and|or|unless|on|ignoring|group_left|group_right|offset|bool|inf|nan)$/i.test(n));
}

it('is a valid Grafana dashboard whose queries use only exported metrics, covering each one', async () => {
  const dash = JSON.parse(await readFile(FILE, 'utf8')) as { uid: string; title: string; schemaVersion: number; panels: Panel[]; templating: { list: Array<{ name: string; query: unknown; definition?: string }> } };
  expect(dash.uid).toBe('windsock-overview');
  expect(dash.schemaVersion).toBeGreaterThanOrEqual(30);
  const ids = dash.panels.map((p) => p.id);
  expect(new Set(ids).size).toBe(ids.length);
  for (const p of dash.panels) {
    expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
    if (p.type === 'row') continue;
    expect(p.datasource?.type).toBe('prometheus');
    expect(p.targets?.length, p.title).toBeGreaterThan(0);
  }

  const exported = exportedPrometheusNames();
  const exprs = [...dash.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)),
    ...dash.templating.list.flatMap((v) => (v.definition ? [v.definition.replace(/^label_values\(([^,]+),.*$/, '$1')] : []))];
  const used = new Set<string>();
  for (const expr of exprs) {
    const names = metricsIn(expr);
    expect(names.length, expr).toBeGreaterThan(0);
    for (const n of names) {
      expect(exported.has(n), `${n} (in ${expr}) is not a metric the code exports`).toBe(true);
      used.add(n.replace(/_(bucket|sum|count)$/, ''));
    }
  }
  const missing = Object.keys(METRICS).map((n) => prometheusName(n)).filter((n) => !used.has(n));
  expect(missing).toEqual([]);
});

it('the PromQL name extraction sees metrics, not functions or labels', () => {
  expect(metricsIn('histogram_quantile(0.95, sum by (le, dag_id) (rate(airflow_dagrun_duration_success_bucket{dag_id=~"$dag_id"}[1h])))')).toEqual(['airflow_dagrun_duration_success_bucket']);
  expect(metricsIn('sum(rate(airflow_ti_failures[5m])) * 60 / airflow_x')).toEqual(['airflow_ti_failures', 'airflow_x']);
});
