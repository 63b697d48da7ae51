/**
 * Airflow's connection URIs (`Connection(uri=...)` and `Connection.get_uri()` in airflow/models/connection.py):
 * `conn-type://login:password@host:port/schema?extra`, every part percent-encoded; extra as query parameters when
 * all its values are strings, else as `__extra__=<JSON>`; a host with its own protocol as
 * `type://protocol://host`. A `postgresql://` URI names the `postgres` type and `-` in a type stands for `_`.
 */
import { usageError } from './errors.ts';

/** The fields of a connection as the REST API's body names them (extra is a JSON object in a string). */
export interface ConnFields {
  conn_type: string; host?: string | null; login?: string | null; password?: string | null;
  schema?: string | null; port?: number | null; extra?: string | null; description?: string | null;
}

const EXTRA_KEY = '__extra__';

/** Python's `urllib.parse.quote(s, safe="")`: only letters, digits and `_.-~` are left as they are. */
export function pyQuote(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Python's `urlencode` of a dict of strings (quote_plus: a space is `+`). */
const urlencode = (o: Record<string, string>) => Object.entries(o).map(([k, v]) => `${pyQuote(k).replaceAll('%20', '+')}=${pyQuote(v).replaceAll('%20', '+')}`).join('&');

const unquote = (s: string) => {
  try { return decodeURIComponent(s); } catch { return s; }
};

export function parseConnUri(uri: string): ConnFields {
  const schemes = uri.split('://').length - 1;
  if (schemes === 0) throw usageError(`--conn-uri must look like TYPE://LOGIN:PASSWORD@HOST:PORT/SCHEMA?EXTRA (got "${uri}")`);
  if (schemes > 2) throw usageError(`invalid connection URI "${uri}": it may hold at most one protocol inside its host (TYPE://PROTOCOL://HOST)`);
  const scheme = uri.slice(0, uri.indexOf('://'));
  if (!/^[A-Za-z][\w+.-]*$/.test(scheme)) throw usageError(`invalid connection type "${scheme}" in the connection URI`);
  let rest = uri.slice(scheme.length + 3);
  let protocol: string | null = null;
  if (schemes === 2) {
    const i = rest.indexOf('://');
    protocol = rest.slice(0, i);
    if (/[@:]/.test(protocol)) throw usageError(`invalid connection URI "${uri}": the host's protocol comes before login and password`);
    rest = rest.slice(i + 3);
  }
  // Split by hand (not WHATWG URL, which treats hosts of some schemes specially): [userinfo@]host[:port][/path][?query]
  const q = rest.indexOf('?');
  const query = q >= 0 ? rest.slice(q + 1) : '';
  const beforeQuery = q >= 0 ? rest.slice(0, q) : rest;
  const slash = beforeQuery.indexOf('/');
  const authority = slash >= 0 ? beforeQuery.slice(0, slash) : beforeQuery;
  const path = slash >= 0 ? beforeQuery.slice(slash + 1) : '';
  const at = authority.lastIndexOf('@');
  const userinfo = at >= 0 ? authority.slice(0, at) : null;
  const hostport = at >= 0 ? authority.slice(at + 1) : authority;
  // An IPv6 host is in brackets (kept out of the host, as Python's urlsplit does); the port follows the last colon.
  const v6 = /^\[([^\]]*)\](?::(.*))?$/.exec(hostport);
  const colon = hostport.lastIndexOf(':');
  let host = v6 ? v6[1]! : colon >= 0 ? hostport.slice(0, colon) : hostport;
  const portText = v6 ? v6[2] ?? '' : colon >= 0 ? hostport.slice(colon + 1) : '';
  if (portText && (!/^\d+$/.test(portText) || Number(portText) > 65535)) throw usageError(`invalid port "${portText}" in the connection URI`);
  host = unquote(host);
  const fields: ConnFields = { conn_type: scheme === 'postgresql' ? 'postgres' : scheme.replaceAll('-', '_') };
  fields.host = host ? (protocol ? `${protocol}://${host}` : host) : protocol ? `${protocol}://` : null;
  fields.port = portText ? Number(portText) : null;
  fields.schema = path ? unquote(path) : null;
  if (userinfo !== null) {
    const colon = userinfo.indexOf(':');
    const login = colon >= 0 ? userinfo.slice(0, colon) : userinfo;
    fields.login = login ? unquote(login) : null;
    fields.password = colon >= 0 && userinfo.slice(colon + 1) ? unquote(userinfo.slice(colon + 1)) : null;
  } else {
    fields.login = null;
    fields.password = null;
  }
  if (query) {
    const params = Object.fromEntries(new URLSearchParams(query));
    fields.extra = EXTRA_KEY in params ? params[EXTRA_KEY]! : JSON.stringify(params);
  } else {
    fields.extra = null;
  }
  return fields;
}

/** The connection as a URI, as `Connection.get_uri()` writes it. */
export function connUri(c: ConnFields): string {
  let uri = `${c.conn_type.replaceAll('_', '-')}://`;
  let host = c.host ?? '';
  const p = host.indexOf('://');
  if (p >= 0) { uri += `${host.slice(0, p)}://`; host = host.slice(p + 3); }
  let authority = '';
  if (c.login != null) authority += pyQuote(c.login);
  if (c.password != null) authority += `:${pyQuote(c.password)}`;
  if (authority) uri += `${authority}@`;
  let hostBlock = host ? pyQuote(host) : '';
  if (c.port) hostBlock += hostBlock === '' && authority === '' ? `@:${c.port}` : `:${c.port}`;
  if (c.schema) hostBlock += `/${pyQuote(c.schema)}`;
  uri += hostBlock;
  if (c.extra) {
    const sep = c.schema ? '?' : '/?';
    let extra: unknown = null;
    try { extra = JSON.parse(c.extra); } catch { /* not JSON: sent whole, below */ }
    const allStrings = extra !== null && typeof extra === 'object' && !Array.isArray(extra) && Object.values(extra).every((v) => typeof v === 'string');
    uri += sep + (allStrings ? urlencode(extra as Record<string, string>) : urlencode({ [EXTRA_KEY]: c.extra }));
  }
  return uri;
}
