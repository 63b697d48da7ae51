/**
 * Preloaded into a measured process (`node --import bench/mem-probe.ts …`): on SIGUSR2 it writes the process's
 * memory by part to $WS_MEM_PROBE_OUT as JSON. WebAssembly memories made in this thread (PGlite's) are tracked by
 * wrapping the constructor; the exported memories of instances (an Emscripten module that makes its own) too.
 * Nothing else in the process changes.
 */
import { writeFileSync } from 'node:fs';
import { getHeapSpaceStatistics } from 'node:v8';
import { isMainThread } from 'node:worker_threads';

const memories: WeakRef<WebAssembly.Memory>[] = [];
const track = (m: unknown) => { if (m instanceof WebAssembly.Memory) memories.push(new WeakRef(m)); };
const OrigMemory = WebAssembly.Memory;
WebAssembly.Memory = new Proxy(OrigMemory, {
  construct(target, args: [WebAssembly.MemoryDescriptor]) { const m = Reflect.construct(target, args) as WebAssembly.Memory; track(m); return m; },
});
const origInstantiate = WebAssembly.instantiate.bind(WebAssembly);
WebAssembly.instantiate = (async (...args: Parameters<typeof WebAssembly.instantiate>) => {
  const r = await (origInstantiate as (...a: unknown[]) => Promise<unknown>)(...args);
  const instance = (r as { instance?: WebAssembly.Instance }).instance ?? (r as WebAssembly.Instance);
  for (const v of Object.values(instance.exports ?? {})) track(v);
  return r;
}) as typeof WebAssembly.instantiate;

const MiB = (n: number) => Math.round((n / 2 ** 20) * 10) / 10;
const out = process.env.WS_MEM_PROBE_OUT;
if (isMainThread && out) {
  process.on('SIGUSR2', () => {
    const m = process.memoryUsage();
    const wasm = memories.map((r) => r.deref()).filter((x): x is WebAssembly.Memory => x !== undefined).map((x) => MiB(x.buffer.byteLength));
    const spaces = Object.fromEntries(getHeapSpaceStatistics().map((s) => [s.space_name, MiB(s.space_used_size)]));
    writeFileSync(out, JSON.stringify({
      rss: MiB(m.rss), heapUsed: MiB(m.heapUsed), heapTotal: MiB(m.heapTotal), external: MiB(m.external), arrayBuffers: MiB(m.arrayBuffers),
      wasmMemories: wasm, heapSpaces: spaces,
    }));
  });
}
