import { describe, expect, it } from 'vitest';
import { compileConfig, ConfigError, configToEnv, operatorAliases } from './config.ts';

describe('compileConfig', () => {
  it('has Airflow-like defaults', () => {
    const c = compileConfig({});
    expect(c.core.executor).toBe('local');
    expect(c.core.parallelism).toBe(32);
    expect(c.core.dags_are_paused_at_creation).toBe(true);
    expect(c.worker.queues).toEqual(['default']);
  });
  it('reads WINDSOCK__SECTION__KEY over the file over defaults, with types', () => {
    const c = compileConfig({ WINDSOCK__CORE__PARALLELISM: '64', WINDSOCK__WORKER__QUEUES: 'default, gpu', WINDSOCK__CORE__DAGS_ARE_PAUSED_AT_CREATION: 'False', UNRELATED: 'x' },
      'core:\n  parallelism: 8\n  dags_folder: /srv/dags\n');
    expect(c.core.parallelism).toBe(64);
    expect(c.core.dags_folder).toBe('/srv/dags');
    expect(c.worker.queues).toEqual(['default', 'gpu']);
    expect(c.core.dags_are_paused_at_creation).toBe(false);
  });
  it('rejects unknown settings, bad numbers, bad booleans and unknown executors, naming the variable', () => {
    expect(() => compileConfig({ WINDSOCK__CORE__DAGS_FOLDR: 'x' })).toThrow(/WINDSOCK__CORE__DAGS_FOLDR: unknown setting \[core\] dags_foldr/);
    expect(() => compileConfig({ WINDSOCK__CORE__PARALLELISM: 'many' })).toThrow(/WINDSOCK__CORE__PARALLELISM: expected an integer/);
    expect(() => compileConfig({ WINDSOCK__CORE__DAG_DISCOVERY_SAFE_MODE: 'perhaps' })).toThrow(ConfigError);
    expect(() => compileConfig({ WINDSOCK__CORE__EXECUTOR: 'celery' })).toThrow(/not an executor/);
    expect(() => compileConfig({}, 'core: [1, 2]\n')).toThrow(/section core must be a mapping/);
  });
  it('parses operator aliases', () => {
    const c = compileConfig({ WINDSOCK__CORE__OPERATOR_ALIASES: 'dsp.operators.K8sOperator=windsock.operators.K8sOperator' });
    expect(operatorAliases(c)).toEqual({ 'dsp.operators.K8sOperator': 'windsock.operators.K8sOperator' });
    expect(() => operatorAliases(compileConfig({ WINDSOCK__CORE__OPERATOR_ALIASES: 'nonsense' }))).toThrow(/from=to/);
  });
});

describe('configToEnv', () => {
  it('round-trips through compileConfig, lists and all', () => {
    const cfg = compileConfig({ WINDSOCK__CORE__EXECUTOR: 'kubernetes', WINDSOCK__WORKER__QUEUES: 'gpu,default', WINDSOCK__KUBERNETES__QPS: '7.5' });
    expect(compileConfig(configToEnv(cfg))).toEqual(cfg);
    expect(Object.keys(configToEnv(cfg, ['api_auth'])).some((k) => k.startsWith('WINDSOCK__API_AUTH__'))).toBe(false);
  });
});
