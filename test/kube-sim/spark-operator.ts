/**
 * A fake kubeflow spark-operator (v1beta2), following its reconcile switch
 * (internal/controller/sparkapplication/controller.go) as summarised in kubernetes-and-spark.md §3:
 *
 *   (no status) → SUBMITTED (driver pod `<name>-driver` created) → RUNNING → SUCCEEDING → COMPLETED
 *                                                                  ↘ FAILING → FAILED (errorMessage)
 *   (no status) → SUBMISSION_FAILED → FAILED
 *
 * The app state mirrors the driver pod through GetDriverState / DriverStateToApplicationState. A driver
 * pod that is missing (deleted, or never created within the creation grace period) fails the app with
 * "driver pod not found". restartPolicy OnFailure/Always reruns through PENDING_RERUN with a new
 * submission. timeToLiveSeconds deletes a finished app. Deleting the app deletes the driver by ownerReference
 * garbage collection (api.ts). Status writes go to the status subresource only.
 *
 * Not simulated: executor pods, suspend/resume, INVALIDATING on spec change, retries of submission failures.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Api } from './api.ts';
import { ANNOTATION_PREFIX } from './behaviour.ts';
import { StatusError } from './errors.ts';
import { PODS, type ResourceType } from './resources.ts';
import { DRIVER_TO_APP, driverPod, driverPodName, driverState, type SparkSpec } from './spark-driver.ts';
import { nowIso, type Change, type Store } from './store.ts';
import type { Pod, SparkApplication, SparkApplicationStatus } from './types.ts';

export interface SparkOperatorSettings {
  submitDelayMs: number;
  /** Pause in the transient SUCCEEDING / FAILING states. */
  stepDelayMs: number;
  /** --driver-pod-creation-grace-period. */
  driverPodCreationGracePeriodMs: number;
}

const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

interface AppTimers {
  uid: string;
  timers: Set<NodeJS.Timeout>;
  pendingSubmit: boolean;
  /** When the last submission happened, in ms (the status timestamp only has seconds). */
  submittedAtMs: number;
  rerunScheduled: boolean;
}

function annotation(app: SparkApplication, key: string): string | undefined {
  return app.metadata.annotations?.[`${ANNOTATION_PREFIX}${key}`];
}

function msAnnotation(app: SparkApplication, key: string, fallback: number): number {
  const raw = annotation(app, key);
  const n = Number(raw);
  return raw === undefined || !Number.isFinite(n) || n < 0 ? fallback : n;
}

export class SparkOperator {
  readonly #store: Store;
  readonly #api: Api;
  readonly #type: ResourceType;
  readonly #settings: SparkOperatorSettings;
  readonly #onError: (err: unknown) => void;
  readonly #apps = new Map<string, AppTimers>();
  #unsubscribe: (() => void) | null = null;

  constructor(store: Store, api: Api, type: ResourceType, settings: SparkOperatorSettings, onError: (err: unknown) => void) {
    this.#store = store;
    this.#api = api;
    this.#type = type;
    this.#settings = settings;
    this.#onError = onError;
  }

  start(): void {
    this.#unsubscribe = this.#store.subscribe((c) => this.#onChange(c));
  }

  stop(): void {
    this.#unsubscribe?.();
    for (const a of this.#apps.values()) a.timers.forEach((t) => clearTimeout(t));
    this.#apps.clear();
  }

  #onChange(c: Change): void {
    if (c.resource === this.#type.plural) {
      const k = `${c.object.metadata.namespace}/${c.object.metadata.name}`;
      if (c.type === 'DELETED') {
        const a = this.#apps.get(k);
        a?.timers.forEach((t) => clearTimeout(t));
        this.#apps.delete(k);
        return;
      }
      if (c.type === 'ADDED') this.#apps.set(k, { uid: c.object.metadata.uid as string, timers: new Set(), pendingSubmit: false, submittedAtMs: Date.now(), rerunScheduled: false });
      this.#later(c.object.metadata.namespace as string, c.object.metadata.name, 0);
    } else if (c.resource === PODS.plural) {
      const app = c.object.metadata.labels?.['sparkoperator.k8s.io/app-name'];
      if (app !== undefined && c.object.metadata.labels?.['spark-role'] === 'driver') this.#later(c.object.metadata.namespace as string, app, 0);
    }
  }

  /** Runs `fn` after `ms` unless the app goes away first; a 404 on the way means it just did. */
  #schedule(a: AppTimers, ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      a.timers.delete(t);
      try {
        fn();
      } catch (err) {
        if (!(err instanceof StatusError && err.httpCode === 404)) this.#onError(err);
      }
    }, ms);
    a.timers.add(t);
  }

  /** Reconciles an app after `ms` (never synchronously inside a store listener). */
  #later(namespace: string, name: string, ms: number): void {
    const a = this.#apps.get(`${namespace}/${name}`);
    if (a !== undefined) this.#schedule(a, ms, () => this.#reconcile(namespace, name, a));
  }

  /** Writes through the status subresource: `patch` merged over the current status, or replacing it. */
  #writeStatus(app: SparkApplication, patch: Partial<SparkApplicationStatus>, replace = false): SparkApplication {
    const status: SparkApplicationStatus = replace ? { driverInfo: {}, ...patch } : { driverInfo: {}, ...app.status, ...patch };
    return this.#api.replace(this.#type, app.metadata.namespace, app.metadata.name, { ...app, status }, true).object as SparkApplication;
  }

  #reconcile(namespace: string, name: string, timers: AppTimers): void {
    const app = this.#store.get<SparkApplication>(this.#type.plural, namespace, name);
    if (app === undefined || app.metadata.uid !== timers.uid || app.metadata.deletionTimestamp !== undefined) return;
    const state = app.status?.applicationState?.state ?? '';
    const spec = app.spec as SparkSpec;
    switch (state) {
      case '':
        return this.#submit(namespace, name, timers);
      case 'SUBMITTED':
      case 'RUNNING':
      case 'UNKNOWN': {
        const pod = this.#store.get<Pod>(PODS.plural, namespace, driverPodName(app));
        if (pod === undefined) {
          const left = timers.submittedAtMs + this.#settings.driverPodCreationGracePeriodMs - Date.now();
          if (state === 'SUBMITTED' && left > 0) return this.#later(namespace, name, left + 5);
          this.#writeStatus(app, { applicationState: { state: 'FAILING', errorMessage: 'driver pod not found' }, terminationTime: nowIso() });
          return this.#later(namespace, name, this.#settings.stepDelayMs);
        }
        const driver = driverState(pod);
        const next = DRIVER_TO_APP[driver.state] as string;
        if (next === state) return;
        const terminal = next === 'SUCCEEDING' || next === 'FAILING';
        const errorMessage = next === 'FAILING'
          ? driver.exitCode === undefined ? 'driver container status missing' : `driver container failed with ExitCode: ${driver.exitCode}, Reason: ${driver.reason ?? ''}`
          : undefined;
        this.#writeStatus(app, {
          applicationState: errorMessage === undefined ? { state: next } : { state: next, errorMessage },
          ...(terminal ? { terminationTime: nowIso() } : {}),
        });
        if (terminal) this.#later(namespace, name, this.#settings.stepDelayMs);
        return;
      }
      case 'SUCCEEDING':
      case 'FAILING': {
        // ShouldRetry: Always reruns whatever happened; OnFailure reruns failures while attempts <= onFailureRetries.
        const policy = spec.restartPolicy ?? {};
        const attempts = app.status?.executionAttempts ?? 0;
        const retry = policy.type === 'Always' || (state === 'FAILING' && policy.type === 'OnFailure' && attempts <= (policy.onFailureRetries ?? 0));
        if (!retry) {
          this.#writeStatus(app, { applicationState: { ...app.status?.applicationState, state: state === 'FAILING' ? 'FAILED' : 'COMPLETED' } });
          return this.#afterTerminal(app);
        }
        if (timers.rerunScheduled) return;
        timers.rerunScheduled = true;
        // After the retry interval: delete the driver, reset the status (keeping the attempt counts), PENDING_RERUN.
        this.#schedule(timers, (policy.onFailureRetryInterval ?? 5) * 1000, () => {
          timers.rerunScheduled = false;
          const live = this.#store.get<SparkApplication>(this.#type.plural, namespace, name);
          if (live?.metadata.uid !== timers.uid) return;
          if (this.#store.get(PODS.plural, namespace, driverPodName(live)) !== undefined) {
            this.#api.delete(PODS, namespace, driverPodName(live), { gracePeriodSeconds: 0 });
          }
          this.#writeStatus(live, {
            applicationState: { state: 'PENDING_RERUN' },
            ...(live.status?.executionAttempts === undefined ? {} : { executionAttempts: live.status.executionAttempts }),
            ...(live.status?.submissionAttempts === undefined ? {} : { submissionAttempts: live.status.submissionAttempts }),
          }, true);
        });
        return;
      }
      case 'SUBMISSION_FAILED':
        // Retries of failed submissions are not simulated: the app fails, keeping the submission error.
        this.#writeStatus(app, { applicationState: { ...app.status?.applicationState, state: 'FAILED' }, terminationTime: nowIso() });
        return this.#afterTerminal(app);
      case 'PENDING_RERUN':
        if (this.#store.get(PODS.plural, namespace, driverPodName(app)) === undefined) this.#submit(namespace, name, timers);
        return;
      default:
        return;
    }
  }

  #afterTerminal(app: SparkApplication): void {
    const ttl = (app.spec as SparkSpec).timeToLiveSeconds;
    if (ttl === undefined) return;
    const a = this.#apps.get(`${app.metadata.namespace}/${app.metadata.name}`);
    if (a !== undefined) this.#schedule(a, ttl * 1000, () => void this.#api.delete(this.#type, app.metadata.namespace, app.metadata.name));
  }

  /** submitSparkApplication: after the submission delay, write SUBMITTED and create the driver pod. */
  #submit(namespace: string, name: string, timers: AppTimers): void {
    const first = this.#store.get<SparkApplication>(this.#type.plural, namespace, name);
    if (first === undefined || timers.pendingSubmit) return;
    timers.pendingSubmit = true;
    this.#schedule(timers, msAnnotation(first, 'submit-delay-ms', this.#settings.submitDelayMs), () => {
      timers.pendingSubmit = false;
      const app = this.#store.get<SparkApplication>(this.#type.plural, namespace, name);
      if (app !== undefined && app.metadata.uid === timers.uid) this.#doSubmit(app, timers);
    });
  }

  #doSubmit(app: SparkApplication, timers: AppTimers): void {
    const now = nowIso();
    timers.submittedAtMs = Date.now();
    const attempts = { submissionAttempts: (app.status?.submissionAttempts ?? 0) + 1, lastSubmissionAttemptTime: now };
    const injected = annotation(app, 'submission-error');
    const badName = DNS1035_LABEL.test(app.metadata.name) && app.metadata.name.length <= 63 ? undefined
      : `invalid SparkApplication name "${app.metadata.name}": must be a DNS-1035 label (it is used as a label value)`;
    const failure = injected ?? badName;
    if (failure !== undefined) {
      this.#writeStatus(app, { ...attempts, applicationState: { state: 'SUBMISSION_FAILED', errorMessage: `failed to submit spark application: ${failure}` } });
      return this.#later(app.metadata.namespace, app.metadata.name, this.#settings.stepDelayMs);
    }
    const submissionID = randomUUID();
    const appId = `spark-${randomBytes(16).toString('hex')}`;
    const submitted = this.#writeStatus(app, {
      ...attempts,
      submissionID,
      sparkApplicationId: appId,
      executionAttempts: (app.status?.executionAttempts ?? 0) + 1,
      driverInfo: { podName: driverPodName(app) },
      applicationState: { state: 'SUBMITTED' },
    });
    if (annotation(app, 'driver-pod-missing') === 'true') return this.#later(app.metadata.namespace, app.metadata.name, this.#settings.driverPodCreationGracePeriodMs + 5);
    const create = (): void => {
      const live = this.#store.get<SparkApplication>(this.#type.plural, app.metadata.namespace, app.metadata.name);
      if (live?.metadata.uid !== timers.uid) return;
      try {
        this.#api.create(PODS, app.metadata.namespace, driverPod(submitted, submissionID, appId));
      } catch (err) {
        if (!(err instanceof StatusError)) throw err;
        this.#writeStatus(live, { applicationState: { state: 'SUBMISSION_FAILED', errorMessage: `failed to submit spark application: ${err.message}` } });
        this.#later(app.metadata.namespace, app.metadata.name, this.#settings.stepDelayMs);
      }
    };
    this.#schedule(timers, msAnnotation(app, 'driver-pod-delay-ms', 0), create);
  }
}
