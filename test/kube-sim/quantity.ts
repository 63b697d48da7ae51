/**
 * Kubernetes resource quantities (apimachinery resource.Quantity), as far as quota and LimitRange need them:
 * parsing (`100m`, `1.5`, `2Gi`, `500M`, `1e3`), exact arithmetic (BigInt nano-units, so sums never drift)
 * and the canonical String() the API server writes into `status.used` and error messages: binary quantities
 * as the largest exact power of 1024 (`1Gi`, `1536Mi`), decimal ones with an SI suffix whose exponent is a
 * multiple of 3 (`1500m`, `2`, `2k`, `500M`). A sum keeps the format of its first term, as Quantity.Add does.
 */

export type QuantityFormat = 'BinarySI' | 'DecimalSI';

export interface Quantity {
  /** The value in nano-units (10^-9). */
  nano: bigint;
  format: QuantityFormat;
}

/** The regular expression apimachinery quotes when a quantity does not parse. */
export const QUANTITY_PATTERN = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$";
const NUMBER = /^([+-]?)([0-9]*)(?:\.([0-9]*))?$/;
const BINARY: Record<string, number> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 };
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

/** Parses a quantity; null when it is not one (the caller words the error). */
export function parseQuantity(raw: unknown): Quantity | null {
  if (typeof raw === 'number' && Number.isFinite(raw)) raw = String(raw);
  if (typeof raw !== 'string') return null;
  const m = /^([+-]?[0-9.]+)(.*)$/.exec(raw.trim());
  if (m === null) return null;
  const num = NUMBER.exec(m[1] as string);
  if (num === null || ((num[2] ?? '') === '' && (num[3] ?? '') === '')) return null;
  const suffix = m[2] as string;
  const sign = num[1] === '-' ? -1n : 1n;
  const frac = num[3] ?? '';
  const mantissa = BigInt(`${num[2] ?? ''}${frac}` || '0');
  let exp10 = -frac.length + 9;
  let exp1024 = 0;
  let format: QuantityFormat = 'DecimalSI';
  if (suffix in BINARY) {
    exp1024 = BINARY[suffix] as number;
    format = 'BinarySI';
  } else if (suffix in DECIMAL) exp10 += DECIMAL[suffix] as number;
  else {
    const e = /^[eE]([-+]?[0-9]+)$/.exec(suffix);
    if (e === null) return null;
    exp10 += Number(e[1]);
  }
  let nano = mantissa * 1024n ** BigInt(exp1024);
  if (exp10 >= 0) nano *= pow10(exp10);
  else {
    // Below a nano-unit the API server rounds up.
    const d = pow10(-exp10);
    nano = (nano + d - 1n) / d;
  }
  return { nano: sign * nano, format };
}

export function zero(format: QuantityFormat = 'DecimalSI'): Quantity {
  return { nano: 0n, format };
}

export function add(a: Quantity, b: Quantity): Quantity {
  return { nano: a.nano + b.nano, format: a.format };
}

export function compare(a: Quantity, b: Quantity): number {
  return a.nano < b.nano ? -1 : a.nano > b.nano ? 1 : 0;
}

const DECIMAL_SUFFIXES: [number, string][] = [[18, 'E'], [15, 'P'], [12, 'T'], [9, 'G'], [6, 'M'], [3, 'k'], [0, ''], [-3, 'm'], [-6, 'u'], [-9, 'n']];

/** Quantity.String(): the canonical form. */
export function formatQuantity(q: Quantity): string {
  if (q.nano === 0n) return '0';
  const neg = q.nano < 0n;
  const abs = neg ? -q.nano : q.nano;
  const sign = neg ? '-' : '';
  const unit = pow10(9);
  if (q.format === 'BinarySI' && abs >= 1024n * unit && abs % unit === 0n) {
    let n = abs / unit;
    let k = 0;
    while (k < 6 && n % 1024n === 0n) {
      n /= 1024n;
      k++;
    }
    return `${sign}${n}${['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'][k]}`;
  }
  for (const [exp, suffix] of DECIMAL_SUFFIXES) {
    const d = pow10(exp + 9);
    if (abs % d === 0n) return `${sign}${abs / d}${suffix}`;
  }
  return `${sign}${abs}n`;
}

/** Re-renders a quantity string canonically (`"2048Mi"` → `"2Gi"`); unparsable text is returned as is. */
export function canonical(raw: unknown): string {
  const q = parseQuantity(raw);
  return q === null ? String(raw) : formatQuantity(q);
}
