import { describe, expect, it } from 'vitest';
import { fernetDecrypt, fernetEncrypt, generateFernetKey } from './fernet.ts';

describe('fernet', () => {
  it('round-trips and rejects another key', () => {
    const k = generateFernetKey();
    const t = fernetEncrypt(k, 's3cret pässword');
    expect(t).not.toContain('s3cret');
    expect(fernetDecrypt(k, t)).toBe('s3cret pässword');
    expect(() => fernetDecrypt(generateFernetKey(), t)).toThrow(/another fernet key/);
  });
  it('decrypts a token made by Python cryptography (the spec test vector)', () => {
    // From the Fernet spec's generate.json test vector.
    const key = 'cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=';
    const token = 'gAAAAAAdwJ6wAAECAwQFBgcICQoLDA0ODy021cpGVWKZ_eEwCGM4BLLF_5CV9dOPmrhuVUPgJobwOz7JcbmrR64jVmpU4IwqDA==';
    expect(fernetDecrypt(key, token)).toBe('hello');
  });
});
