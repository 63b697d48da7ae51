/**
 * Where DAG files come from besides a local folder: a branch of a git repository, synced over HTTP into a folder
 * that is swapped atomically. Used by sandboxes (one branch each) and by `[dag_sources]` (several, one folder each).
 */
export { syncRepo, remoteHead, checkoutPath, describeGitError, GitSyncError, type GitSyncErrorCode, type RemoteBranch, type SyncOptions, type SyncResult } from './git-sync.ts';
export { credentialsFor, loadGitCredentials, parseGitCredentials, TOKEN_USERNAME, type GitAuth, type GitCredential } from './credentials.ts';
export { checkGitSource, gitHostProblem, gitUrlProblem, isLinkLocal, isValidBranch, normalizeSubdir, type GitSource } from './validate.ts';
export { resolvedHostProblem } from './host-check.ts';
export { refLabel } from './git-sync.ts';
export { compileDagSources, DagSourceConfigError, type DagSourceSpec, type GitSourceSpec, type FolderSourceSpec } from './spec.ts';
export { DagSourceSet, folderCommit, type DagSourceState, type DagSourceSetOptions, type SourceLogger, type SyncOutcome } from './source-set.ts';
