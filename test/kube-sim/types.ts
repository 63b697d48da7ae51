/**
 * The wire shapes the simulator stores and serves. Objects are kept exactly as the API server would
 * serialize them (timestamps as RFC 3339 strings), so what a test reads from `sim.pods()` is what a
 * client receives over HTTP.
 */
import type { IPod } from 'kubernetes-models/v1';

export type ObjectMeta = NonNullable<IPod['metadata']>;
export type PodSpec = NonNullable<IPod['spec']>;
export type PodStatus = NonNullable<IPod['status']>;
export type ContainerStatus = NonNullable<PodStatus['containerStatuses']>[number];
export type PodCondition = NonNullable<PodStatus['conditions']>[number];

/** Any stored object: every resource has apiVersion, kind and metadata with name and namespace filled in. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta & { name: string };
  spec?: unknown;
  status?: unknown;
  [key: string]: unknown;
}

export interface Pod extends KubeObject {
  metadata: ObjectMeta & { name: string; namespace: string };
  spec: PodSpec;
  status: PodStatus;
}

/** The subset of the SparkApplication status (sparkoperator.k8s.io/v1beta2) the fake operator writes. */
export interface SparkApplicationStatus {
  sparkApplicationId?: string;
  submissionID?: string;
  lastSubmissionAttemptTime?: string;
  terminationTime?: string;
  driverInfo: { podName?: string; webUIServiceName?: string; webUIPort?: number; webUIAddress?: string };
  applicationState?: { state: string; errorMessage?: string };
  executionAttempts?: number;
  submissionAttempts?: number;
}

export interface SparkApplication extends KubeObject {
  metadata: ObjectMeta & { name: string; namespace: string };
  spec: Record<string, unknown>;
  status?: SparkApplicationStatus;
}

/** A `kind: Status` body, as apimachinery's errors.go builds it. */
export interface StatusBody {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    uid?: string;
    causes?: StatusCause[];
    retryAfterSeconds?: number;
  };
  code: number;
}

export interface StatusCause {
  reason: string;
  message: string;
  field: string;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
