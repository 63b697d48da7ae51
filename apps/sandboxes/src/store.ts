/** The sandbox operations the webserver needs (light: no Kubernetes client, no process handling). */
export { insertSandbox, type NewSandbox } from './sql/insert-sandbox.ts';
export { getSandbox, listSandboxes } from './sql/read-sandboxes.ts';
export { requestDelete } from './sql/request-delete.ts';
export { extendSandbox } from './sql/extend-sandbox.ts';
export { touchSandbox } from './sql/touch-sandbox.ts';
export { sandboxView, type SandboxRow, type SandboxView, type DagSource } from './types.ts';
export { SANDBOX_NAME, SANDBOX_NAME_RULE, sandboxPlaces, parseQuantity } from './names.ts';
export { scopedCredentials, type SandboxCredentials } from './credentials.ts';
