/** The one test for "a JSON object" (not null, not an array), shared by every reader of untrusted JSON. */
export type JsonObject = Record<string, unknown>;

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
