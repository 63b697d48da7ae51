import { describe, expect, it } from 'vitest';
import { describeCron } from './cron-description.ts';

// Sentences of the Python cron-descriptor package with Airflow's options (24-hour clock, sentence case).
describe('describeCron', () => {
  it.each([
    ['* * * * *', 'Every minute'],
    ['0 */2 * * *', 'Every 2 hours'],
    ['0 9-17 * * *', 'Between 09:00 and 17:59'],
    ['0-10 11 * * *', 'Every minute between 11:00 and 11:10'],
    ['23 0-20/2 * * *', 'At 23 minutes past the hour, every 2 hours, between 00:00 and 20:59'],
    ['5 4 * * SUN', 'At 04:05, only on Sunday'],
    ['0 0 * * 7', 'At 00:00, only on Sunday'],
    ['0 0 1,15 * *', 'At 00:00, on day 1 and 15 of the month'],
    ['0 0 * JAN,JUN *', 'At 00:00, only in January and June'],
    ['0 12 * * 5L', 'At 12:00, on the last Friday of the month'],
    ['0 0 ? * MON-FRI', 'At 00:00, Monday through Friday'],
  ])('%s → %s', (expression, sentence) => {
    expect(describeCron(expression)).toBe(sentence);
  });

  it.each([['0 0 * * 9'], ['0 0 * 13 *'], ['* * *']])('%s has no description, as in Airflow', (expression) => {
    expect(describeCron(expression)).toBe('');
  });
});
