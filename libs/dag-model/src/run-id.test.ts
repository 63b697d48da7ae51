import { describe, expect, it } from 'vitest';
import { generateRunId, parseRunId } from './run-id.ts';
import type { DagRunType } from './states.ts';

describe('generateRunId', () => {
  it.each([
    ['scheduled', '2024-01-01T00:00:00.000Z', 'scheduled__2024-01-01T00:00:00+00:00'],
    ['manual', '2024-05-03T10:11:12.123Z', 'manual__2024-05-03T10:11:12.123000+00:00'],
    ['manual', '2024-05-03T10:11:12.001Z', 'manual__2024-05-03T10:11:12.001000+00:00'],
    ['backfill', '1999-12-31T23:59:59.000Z', 'backfill__1999-12-31T23:59:59+00:00'],
    ['asset_triggered', '2030-02-28T05:06:07.000Z', 'asset_triggered__2030-02-28T05:06:07+00:00'],
    ['scheduled', '0099-03-04T00:00:00.000Z', 'scheduled__0099-03-04T00:00:00+00:00'],
  ] as [DagRunType, string, string][])('%s at %s -> %s', (type, iso, expected) => {
    const d = new Date(iso);
    expect(generateRunId(type, d)).toBe(expected);
    expect(parseRunId(expected)).toEqual({ runType: type, logicalDate: d });
  });
});

describe('parseRunId', () => {
  it('reads a non-UTC offset', () => {
    expect(parseRunId('manual__2024-01-01T02:00:00+02:00')).toEqual({
      runType: 'manual', logicalDate: new Date('2024-01-01T00:00:00Z'),
    });
  });
  it('maps Airflow 2 dataset_triggered to asset_triggered', () => {
    expect(parseRunId('dataset_triggered__2024-01-01T00:00:00+00:00')?.runType).toBe('asset_triggered');
  });
  it.each([
    'my_custom_run', 'manual__2024-01-01', 'weird__2024-01-01T00:00:00+00:00', 'manual__2024-02-30T00:00:00+00:00',
    'manual__2024-01-01T00:00:00.12+00:00', 'manual__2024-01-01T00:00:00Z', 'scheduled__2024-01-01T24:00:00+00:00',
  ])('does not parse %s', (id) => {
    expect(parseRunId(id)).toBeNull();
  });
});
