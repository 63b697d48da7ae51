/**
 * A DAG folder reached through a link that moves (git-sync's `current`, a git sandbox's checkout): a new commit is a
 * new tree and the link is swapped to it, then the tree before is removed. Helper modules must be imported from the
 * commit being parsed, not from the tree the parser processes mounted when they started (which is gone two commits
 * later).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PythonDagLoader } from '../libs/dag-parser/src/python/index.ts';

const DAG = `from datetime import datetime
from airflow import DAG
from airflow.operators.bash import BashOperator
from helpers.naming import TASK_ID

with DAG("relinked", schedule=None, start_date=datetime(2024, 1, 1)):
    BashOperator(task_id=TASK_ID, bash_command="true")
`;

const root = await mkdtemp(join(tmpdir(), 'windsock-relink-'));
let loader: PythonDagLoader | undefined;
afterAll(async () => { await loader?.close(); await rm(root, { recursive: true, force: true }); });

async function commit(n: number): Promise<void> {
  const tree = join(root, 'trees', `c${n}`);
  await mkdir(join(tree, 'helpers'), { recursive: true });
  await writeFile(join(tree, 'helpers', '__init__.py'), '');
  await writeFile(join(tree, 'helpers', 'naming.py'), `TASK_ID = "task_of_commit_${n}"\n`);
  await writeFile(join(tree, 'dag.py'), DAG);
  await symlink(join('trees', `c${n}`), join(root, 'current.new'));
  await rename(join(root, 'current.new'), join(root, 'current')); // the atomic swap git-sync does
  if (n > 1) await rm(join(root, 'trees', `c${n - 1}`), { recursive: true, force: true });
}

describe('a DAG folder behind a swapped link', () => {
  it('parses each commit with its own helper modules, after the tree before is removed', async () => {
    await commit(1);
    loader = new PythonDagLoader({ dagFolder: join(root, 'current'), poolSize: 1, timeoutSeconds: 20, idleReleaseSeconds: 600 });
    const taskIds = async () => {
      const r = await loader!.load('dag.py', DAG);
      if (!r.ok) throw new Error(r.error.message);
      return r.dags[0]!.tasks.map((t) => t.task_id);
    };
    expect(await taskIds()).toEqual(['task_of_commit_1']);
    await commit(2);
    expect(await taskIds()).toEqual(['task_of_commit_2']);
    await commit(3);
    expect(await taskIds()).toEqual(['task_of_commit_3']);
    // One set of parser processes at a time: the ones that mounted a tree that is gone were closed.
    expect(loader.processes.length).toBeLessThanOrEqual(1);
  }, 120_000);
});
