/**
 * `windsock jobs submit|spark-submit|list|get|logs|cancel`: jobs without a DAG, through `/api/windsock/v1/jobs` of
 * a running Windsock (or of a sandbox with --sandbox). Each job is a single-task run of a built-in DAG, so it has a
 * run, a task instance, logs and tries like any other. The code runs from ../remote/jobs.ts, imported when a command
 * runs.
 */
import type { Command } from 'commander';
import type { ContainerOpts, JobLogsOpts, ListOpts, SparkOpts } from '../remote/jobs.ts';
import { remoteOptions, type RemoteOpts } from './remote-options.ts';

const actions = () => import('../remote/jobs.ts');
const collect = (value: string, previous: string[]) => [...previous, value];

export function registerJobs(program: Command, _setExit: (code: number) => void): void {
  const jobs = program.command('jobs').description('Jobs without a DAG on a running Windsock: submit a container or a Spark application, follow, list, cancel');

  const common = (cmd: Command) => remoteOptions(cmd)
    .requiredOption('--image-tag <tag>', 'image built by the platform\'s CI (<repo>.<dag>.<build_folder>)')
    .option('--name <name>', 'a label for the job')
    .option('--node-group <group>', 'node group the job runs on')
    .option('-e, --env <K=V>', 'environment variable (repeatable; visible to whoever may read the run: put secrets in --env-from-secret)', collect, [])
    .option('--env-from-secret <name>', 'a Kubernetes Secret whose keys become environment variables (repeatable)', collect, [])
    .option('--label <K=V>', 'label on the pod or application (repeatable)', collect, [])
    .option('--startup-timeout <seconds>', 'how long the job may wait to start (pending pod, image pull)')
    .option('--retries <n>', 'tries after the first when one fails (10 s apart)')
    .option('-f, --follow', 'stream the log until the job ends and exit with its outcome (Ctrl-C: cancel it or stop following)');

  common(jobs.command('submit'))
    .description('Run a command in a container of an image (prints the job; --follow streams its log)')
    .requiredOption('--cmd <command>', 'the command, run by bash -c in the container')
    .option('--cpu <cpu>', 'CPU request (e.g. 1, 500m)')
    .option('--memory <memory>', 'memory request and limit (e.g. 2Gi)')
    .option('--gpu <n>', 'GPUs')
    .action(async (opts: ContainerOpts) => { await (await actions()).submit(opts); });

  common(jobs.command('spark-submit [args...]'))
    .description('Run a Spark application (prints the job; --follow streams the driver\'s log); arguments after --')
    .requiredOption('--code-path <path>', 'the application in the image (.py, .jar, .R), or a URL')
    .option('--main-class <class>', 'main class of a JVM application')
    .option('--conf <k=v>', 'Spark configuration (repeatable)', collect, [])
    .option('--executors <n>', 'a fixed number of executors')
    .option('--dynamic-allocation', 'scale executors with the load (instead of --executors)')
    .option('--min-executors <n>', 'with --dynamic-allocation: fewest executors').option('--max-executors <n>', 'with --dynamic-allocation: most executors')
    .option('--initial-executors <n>', 'with --dynamic-allocation: executors to start with')
    .option('--driver-cores <n>', 'driver cores').option('--driver-memory <memory>', 'driver memory (e.g. 2g)')
    .option('--executor-cores <n>', 'cores per executor').option('--executor-memory <memory>', 'memory per executor (e.g. 4g)')
    .option('--jars <paths>', 'comma-separated jars').option('--files <paths>', 'comma-separated files').option('--py-files <paths>', 'comma-separated Python files')
    .option('--spark-version <version>', 'Spark version of the image (e.g. 3.5.1)')
    .action(async (args: string[], opts: SparkOpts) => { await (await actions()).sparkSubmit(args, opts); });

  remoteOptions(jobs.command('list')).description('List your jobs, newest first (everyone\'s for an admin)')
    .option('--state <state>', 'only jobs in this state (queued, running, success, failed)')
    .option('--owner <user>', 'only this user\'s jobs (admins)')
    .option('--limit <n>', 'at most this many', '50')
    .action(async (opts: ListOpts) => { await (await actions()).list(opts); });

  remoteOptions(jobs.command('get <job_id>')).description('Show a job')
    .action(async (id: string, opts: RemoteOpts) => { await (await actions()).get(id, opts); });

  remoteOptions(jobs.command('logs <job_id>')).description('Print a job\'s log (the driver\'s for Spark); --follow until it ends')
    .option('-t, --try <n>', 'try number (default: the latest)')
    .option('-f, --follow', 'keep printing until the job ends, and exit with its outcome')
    .action(async (id: string, opts: JobLogsOpts) => { await (await actions()).logs(id, opts); });

  remoteOptions(jobs.command('cancel <job_id>')).description('Cancel a job: its pod or Spark application is deleted')
    .action(async (id: string, opts: RemoteOpts) => { await (await actions()).cancel(id, opts); });
}
