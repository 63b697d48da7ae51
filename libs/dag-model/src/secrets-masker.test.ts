import { describe, expect, it } from 'vitest';
import { addConnectionSecrets, addVariableSecret, DEFAULT_SENSITIVE_FIELDS, isSensitiveKey, MASK, SecretsMasker } from './secrets-masker.ts';

describe('isSensitiveKey (Airflow should_hide_value_for_key)', () => {
  it.each([
    ['password', true], ['PASSWORD', true], ['db_Password', true], ['  Api-Key ', true], ['my.api.key', true], ['apikey', true],
    ['AWS_SECRET_ACCESS_KEY', true], ['github token', true], ['Authorization', true], ['keyfile_dict', true], ['service_account_json', true],
    ['host', false], ['login', false], ['schema', false], ['pass', false], ['', false], ['environment', false],
  ])('%s → %s', (name, hidden) => expect(isSensitiveKey(name)).toBe(hidden));

  it('is not fooled by non-strings and takes extra words', () => {
    expect(isSensitiveKey(42)).toBe(false);
    expect(isSensitiveKey(null)).toBe(false);
    expect(new SecretsMasker({ sensitiveFields: ['Pin_Code'] }).isSensitiveKey('MY_PIN_CODE')).toBe(true);
    expect(DEFAULT_SENSITIVE_FIELDS).toContain('private_key');
  });
});

describe('SecretsMasker', () => {
  it('masks by key in nested dicts and lists, whatever the shape under the key', () => {
    const m = new SecretsMasker();
    const out = m.redact({
      env: { API_KEY: 'abcdef', HOME: '/root', nested: [{ Password: 'p4ssw0rd!', user: 'bob' }] },
      secret: { a: 'x', b: ['y', 1234, true, null] },
      list: [['token', 'not-a-key-value']],
    });
    expect(out).toEqual({
      env: { API_KEY: MASK, HOME: '/root', nested: [{ Password: MASK, user: 'bob' }] },
      secret: { a: MASK, b: [MASK, MASK, true, null] },
      list: [['token', 'not-a-key-value']],
    });
  });

  it('masks a whole value when the name it is redacted under is sensitive', () => {
    expect(new SecretsMasker().redact('hunter22', 'db_password')).toBe(MASK);
    expect(new SecretsMasker().redact('hunter22', 'bash_command')).toBe('hunter22');
  });

  it('masks registered values wherever they appear inside strings', () => {
    const m = new SecretsMasker();
    m.add('s3cr3t-value');
    expect(m.redactText('curl -u bob:s3cr3t-value https://x; echo s3cr3t-value')).toBe('curl -u bob:*** https://x; echo ***');
    expect(m.redact({ bash_command: ['echo s3cr3t-value'], n: 3 })).toEqual({ bash_command: ['echo ***'], n: 3 });
  });

  it('masks the longest secret first and escapes regex characters', () => {
    const m = new SecretsMasker();
    m.add('abc.d+e');
    m.add('abc.d+e(f)*');
    expect(m.redactText('x abc.d+e(f)* y abc.d+e z abcXd+e')).toBe('x *** y *** z abcXd+e');
  });

  it('masks the JSON-escaped and percent-encoded forms of a secret too', () => {
    const m = new SecretsMasker();
    m.add('pa"ss\\word');
    expect(m.redactText(JSON.stringify({ v: 'pa"ss\\word' }))).toBe('{"v":"***"}');
    m.add('p@ss/w:rd');
    expect(m.redactText('postgres://etl:p%40ss%2Fw%3Ard@db/x')).toBe('postgres://etl:***@db/x');
  });

  it('does not register short secrets (< 5 characters) or "airflow", as Airflow', () => {
    const m = new SecretsMasker();
    m.add('abcd');
    m.add('Airflow');
    m.add('');
    expect(m.size).toBe(0);
    expect(m.redactText('abcd Airflow')).toBe('abcd Airflow');
    m.add('abcde');
    expect(m.redactText('abcde abcd')).toBe('*** abcd');
  });

  it('registers only sensitive keys of a dict, and named strings only under sensitive names', () => {
    const m = new SecretsMasker();
    m.add({ host: 'db.example.com', nested: { api_key: 'key-12345' }, tokens: ['tok-aaaaa', 'tok-bbbbb'] });
    m.add('value-under-a-plain-name', 'region');
    expect(m.redactText('db.example.com key-12345 tok-aaaaa tok-bbbbb value-under-a-plain-name')).toBe('db.example.com *** *** *** value-under-a-plain-name');
  });

  it('fails closed on absurdly deep structures', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 200; i++) deep = [deep];
    expect(JSON.stringify(new SecretsMasker().redact(deep))).toContain(MASK);
  });
});

describe('what a task reads', () => {
  it('registers a connection password and its sensitive extras', () => {
    const m = new SecretsMasker();
    addConnectionSecrets(m, { password: 'pg-pass-123', extra_dejson: { region: 'eu-west-1', client_secret: 'cs-00000' } });
    expect(m.redactText('pg-pass-123 eu-west-1 cs-00000')).toBe('*** eu-west-1 ***');
    const n = new SecretsMasker();
    addConnectionSecrets(n, { password: null, extra: '{"token": "tok-12345"}' });
    expect(n.redactText('tok-12345')).toBe(MASK);
  });

  it('registers variables whose key looks sensitive, and the sensitive keys of JSON values', () => {
    const m = new SecretsMasker();
    addVariableSecret(m, 'slack_token', 'xoxb-1234');
    addVariableSecret(m, 'environment', 'production');
    addVariableSecret(m, 'db_config', '{"host": "h1", "password": "db-pass-9"}');
    expect(m.redactText('xoxb-1234 production h1 db-pass-9')).toBe('*** production h1 ***');
  });
});
