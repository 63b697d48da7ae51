/**
 * Records every module a process loads (ES modules and CommonJS alike, through Node's in-thread module hooks),
 * appending each URL, one a line, to $WINDSOCK_MODULE_TRACE as it loads (so a thread that is terminated, such as
 * a parser worker, leaves its list too). Load it with `NODE_OPTIONS=--import=<this file>`;
 * `test/cli-lazy.test.ts` uses it to check what a command loads.
 */
import { registerHooks } from 'node:module';
import { appendFileSync } from 'node:fs';

const out = process.env.WINDSOCK_MODULE_TRACE;
if (out) {
  registerHooks({
    load(url, context, nextLoad) {
      appendFileSync(out, url + '\n');
      return nextLoad(url, context);
    },
  });
}
