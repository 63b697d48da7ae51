/**
 * Renders a try's templated fields as Airflow does: Jinja2's SandboxedEnvironment with Airflow's filters, context,
 * macros, accessors and StrictUndefined, in Pyodide, in a child process that holds nothing worth stealing: the same
 * walls as DAG parsing (libs/pysandbox: empty environment, Node's permission model, no network where Linux allows,
 * a clean interpreter after every render) around python/windsock_render. A field whose strings hold no `{{`, `{%` or
 * `{#` is rendered here, as Jinja would render it, without the interpreter; all other fields of a try go in one
 * request. Variables, connections and XComs a template reads are fetched by the worker when the renderer asks for
 * them by name (see python/windsock_render/store.py), never sent wholesale.
 *
 * The interpreter is started by the first templated try and released after `idleReleaseMs` without one.
 */
import { fileURLToPath } from 'node:url';
import { SandboxPool, type CallOutcome } from '@windsock/pysandbox';

export class TemplateError extends Error {
  readonly code = 'TEMPLATE_ERROR';
  constructor(message: string) { super(message); this.name = 'TemplateError'; }
}

/** What a template sees of its try: dag-model's JSON context, the task instance's keys, native rendering. */
export interface TemplateTry {
  context: Record<string, unknown>;
  ti: { dag_id: string; task_id: string; run_id: string; try_number: number; map_index: number };
  /** The DAG's render_template_as_native_obj. */
  native: boolean;
}

export interface TemplateNeeds { variables: string[]; connections: string[]; xcoms: Array<[taskId: string, key: string]> }

/** Answers to needs: null (or found = false) for what does not exist. */
export interface TemplateData {
  variables: Record<string, string | null>;
  connections: Record<string, Record<string, unknown> | null>;
  xcoms: Array<[taskId: string, key: string, found: boolean, value: unknown]>;
}

export type FetchTemplateData = (needs: TemplateNeeds) => Promise<Partial<TemplateData>>;

export interface RenderedArgs {
  rendered: Record<string, unknown>;
  renderedFields: Record<string, unknown>;
  /** The variables and connections the templates read (for masking their secrets). */
  read: { variables: Record<string, string>; connections: Record<string, Record<string, unknown>> };
}

export interface TemplateRendererOptions {
  /** Release the interpreter after this long without a templated try (0 = keep it). */
  idleReleaseMs: number;
  /** A render (all fields of one try) taking longer fails the try and restarts the interpreter. */
  timeoutMs: number;
  /** A folder for the interpreter's snapshot (libs/pysandbox): built once, then boots copy it. Unset: boots start cold. */
  snapshotDir?: string;
}

export const defaultTemplateRendererOptions = (): TemplateRendererOptions => ({ idleReleaseMs: 60_000, timeoutMs: 10_000 });

const ROOT = '/windsock/render';

/**
 * Run once, then kept in the interpreter snapshot: Jinja2 and windsock_render on the path and imported, and the
 * samples rendered once (every module rendering needs is loaded). No hook yet: Pyodide's own bootstrap runs again
 * after a snapshot is loaded.
 */
const SNAPSHOT_SETUP = `
import sys
sys.path[:0] = ['${ROOT}', '${ROOT}/vendor']
from windsock_render.render import render_request, warm_up
from windsock_render import hook
warm_up()
`;

/**
 * Python run once in each template process: Pyodide's JS finder dropped; the warm-up renders samples again and then
 * installs the audit hook, which refuses imports, files, processes and sockets from then on. The clean state is taken
 * after it.
 */
const SETUP = `
import sys
for _finder in [f for f in sys.meta_path if type(f).__name__ == 'JsFinder']:
    getattr(_finder, 'js_modules', {}).clear()
    sys.meta_path.remove(_finder)
from windsock_render.render import render_request, warm_up
from windsock_render import hook
__sandbox_exports__ = {'render': render_request}
def __sandbox_warmup__():
    warm_up()
    hook.install()
`;

const MAX_ROUNDS = 5;
const MARKERS = /\{\{|\{%|\{#/;

/** Whether any string inside `value` is a template (holds `{{`, `{%` or `{#`). */
export function hasTemplateSyntax(value: unknown): boolean {
  if (typeof value === 'string') return MARKERS.test(value);
  if (Array.isArray(value)) return value.some(hasTemplateSyntax);
  if (value && typeof value === 'object') return Object.values(value).some(hasTemplateSyntax);
  return false;
}

/**
 * Renders a value without template syntax as Jinja does: newlines normalised to `\n` and one trailing newline
 * dropped (keep_trailing_newline is off), recursively through lists and dict values; other values as they are.
 */
export function renderPlain(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(/\r\n?/g, '\n').replace(/\n$/, '');
  if (Array.isArray(value)) return value.map(renderPlain);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderPlain(v)]));
  return value;
}

interface Reply { ok?: boolean; field?: string | null; error?: string; fields?: Record<string, unknown>; needs?: TemplateNeeds }

export class TemplateRenderer {
  readonly #pool: SandboxPool;
  readonly #stats = { requests: 0, boots: 0, lastBootMs: 0 };
  readonly #limit: string;

  constructor(options: Partial<TemplateRendererOptions> = {}) {
    const o = { ...defaultTemplateRendererOptions(), ...options };
    this.#limit = `${o.timeoutMs / 1000} s ([worker] template_render_timeout_sec)`;
    const pythonDir = fileURLToPath(new URL('../python/', import.meta.url));
    this.#pool = new SandboxPool({
      size: 1, timeoutMs: o.timeoutMs, graceMs: 1000, idleReleaseMs: o.idleReleaseMs,
      onEvent: (e) => { if (e.type === 'started') { this.#stats.boots++; this.#stats.lastBootMs = e.bootMs; } },
      sandbox: {
        setup: SETUP,
        snapshotSetup: SNAPSHOT_SETUP,
        ...(o.snapshotDir ? { snapshotDir: o.snapshotDir } : {}),
        copies: [{ hostPath: `${pythonDir}vendor`, target: `${ROOT}/vendor` }, { hostPath: `${pythonDir}windsock_render`, target: `${ROOT}/windsock_render` }],
        pythonEnv: { HOME: '/home/pyodide' },
      },
    });
  }

  /** Renders asked for, interpreter boots, and the last boot's time. */
  get stats(): { requests: number; boots: number; lastBootMs: number } { return { ...this.#stats }; }
  get running(): boolean { return this.#pool.processes.length > 0; }

  /** Starts the interpreter now rather than at the first templated try. */
  warmUp(): Promise<void> { return this.#pool.start(); }

  /** Stops the interpreter; the renderer cannot be used after. */
  close(): void { void this.#pool.close(); }

  /** Renders the template fields of a task's args; other args pass through untouched. */
  async renderArgs(args: Record<string, unknown>, templateFields: readonly string[], tryCtx: TemplateTry, fetch: FetchTemplateData): Promise<RenderedArgs> {
    const rendered: Record<string, unknown> = { ...args };
    const renderedFields: Record<string, unknown> = {};
    const templated: Record<string, unknown> = {};
    for (const f of templateFields) {
      if (!(f in args)) continue;
      if (hasTemplateSyntax(args[f])) templated[f] = args[f];
      else renderedFields[f] = rendered[f] = renderPlain(args[f]);
    }
    const read: RenderedArgs['read'] = { variables: {}, connections: {} };
    if (Object.keys(templated).length === 0) return { rendered, renderedFields, read };

    const data: TemplateData = { variables: {}, connections: {}, xcoms: [] };
    for (let round = 1; ; round++) {
      const reply = await this.#request({ fields: templated, context: tryCtx.context, ti: tryCtx.ti, native: tryCtx.native, data });
      if (reply.needs) {
        if (round >= MAX_ROUNDS) throw new TemplateError(`cannot render templates: they still named new variables, connections or XComs after ${MAX_ROUNDS} fetches`);
        mergeData(data, await fetch(reply.needs), reply.needs);
        continue;
      }
      if (!reply.ok) {
        throw new TemplateError(reply.field ? `cannot render template field "${reply.field}": ${reply.error}` : `cannot render templates: ${reply.error}`);
      }
      for (const f of templateFields) if (f in templated) renderedFields[f] = rendered[f] = reply.fields![f];
      for (const [k, v] of Object.entries(data.variables)) if (v !== null) read.variables[k] = v;
      for (const [k, v] of Object.entries(data.connections)) if (v !== null) read.connections[k] = v;
      return { rendered, renderedFields, read };
    }
  }

  async #request(request: unknown): Promise<Reply> {
    this.#stats.requests++;
    let outcome: CallOutcome;
    try {
      outcome = await this.#pool.call('render', [JSON.stringify(request)]);
    } catch (err) {
      throw new TemplateError(`cannot render templates: ${(err as Error).message}`);
    }
    switch (outcome.kind) {
      case 'ok':
        return JSON.parse(outcome.value as string) as Reply;
      case 'error':
        // render_request answers every template error itself: this is the interpreter failing, or the time limit.
        throw new TemplateError(outcome.interrupted ? `cannot render templates: they ran longer than ${this.#limit}` : `cannot render templates: the renderer failed: ${outcome.message.split('\n').slice(-2).join(' ')}`);
      case 'killed':
        throw new TemplateError(`cannot render templates: they ran longer than ${this.#limit}; the interpreter was restarted`);
      case 'crashed':
        throw new TemplateError(`cannot render templates: the template interpreter stopped: ${outcome.message}`);
      default: {
        const never: never = outcome;
        throw new Error(`unexpected outcome ${JSON.stringify(never)}`);
      }
    }
  }
}

let shared: { renderer: TemplateRenderer; users: number } | null = null;

/**
 * The process's renderer, shared by every worker in it (standalone, tests), so one interpreter stays warm for
 * all of them; the first caller's options win. `release()` closes it when its last user lets go.
 */
export function acquireTemplateRenderer(options: Partial<TemplateRendererOptions> = {}): { renderer: TemplateRenderer; release: () => void } {
  const lease = (shared ??= { renderer: new TemplateRenderer(options), users: 0 });
  lease.users++;
  let released = false;
  return {
    renderer: lease.renderer,
    release: () => {
      if (released) return;
      released = true;
      if (--lease.users === 0 && shared === lease) {
        shared = null;
        lease.renderer.close();
      }
    },
  };
}

/** Adds fetched answers; a name asked for and not answered counts as not existing. */
function mergeData(into: TemplateData, got: Partial<TemplateData>, asked: TemplateNeeds): void {
  for (const k of asked.variables) into.variables[k] = got.variables?.[k] ?? null;
  for (const k of asked.connections) into.connections[k] = got.connections?.[k] ?? null;
  const found = new Map((got.xcoms ?? []).filter((x) => x[2]).map((x) => [`${x[0]}\u0000${x[1]}`, x[3]]));
  for (const [taskId, key] of asked.xcoms) {
    const k = `${taskId}\u0000${key}`;
    into.xcoms.push(found.has(k) ? [taskId, key, true, found.get(k)] : [taskId, key, false, null]);
  }
}
