import { describe, expect, it } from 'vitest';
import { sensorSettings } from './sensors.ts';

describe('sensorSettings', () => {
  it("is null for an operator that is no sensor", () => {
    expect(sensorSettings({ operator: 'PythonOperator', args: { mode: 'reschedule' } })).toBeNull();
  });

  it("takes BaseSensorOperator's defaults: poke mode, 60 s between pokes, seven days in all", () => {
    expect(sensorSettings({ operator: 'PythonSensor', args: {} })).toEqual({
      mode: 'poke', pokeInterval: 60, timeout: 604800, softFail: false, neverFail: false, exponentialBackoff: false, maxWait: null,
    });
  });

  it('reads numbers and the parser’s timedeltas', () => {
    expect(sensorSettings({ operator: '@task.sensor', args: {
      mode: 'reschedule', poke_interval: { __type: 'timedelta', seconds: 30 }, timeout: 90.5, soft_fail: true,
      exponential_backoff: true, max_wait: { __type: 'timedelta', seconds: 600 },
    } })).toEqual({ mode: 'reschedule', pokeInterval: 30, timeout: 90.5, softFail: true, neverFail: false, exponentialBackoff: true, maxWait: 600 });
  });
});
