{{/* Names */}}
{{- define "windsock.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The prefix of every object's name, cut to 40 characters: the longest suffix (-tasks-deny-ingress) must still fit
in 63, and a StatefulSet's name plus the 11 characters of its pods' controller-revision-hash label too.
*/}}
{{- define "windsock.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 40 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 40 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "windsock.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels. The NetworkPolicies select Windsock's pods by app.kubernetes.io/name: windsock. Call with (dict "root" $ "component" "scheduler"). */}}
{{- define "windsock.selectorLabels" -}}
app.kubernetes.io/name: {{ include "windsock.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- if .component }}
app.kubernetes.io/component: {{ .component }}
{{- end }}
{{- end }}

{{- define "windsock.labels" -}}
helm.sh/chart: {{ include "windsock.chart" .root }}
{{ include "windsock.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: windsock
{{- end }}

{{- define "windsock.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* The namespace of task pods ([kubernetes] namespace). */}}
{{- define "windsock.tasksNamespace" -}}
{{- default .Release.Namespace .Values.tasks.namespace }}
{{- end }}

{{/* ServiceAccount name of a component: (dict "root" $ "component" "worker"). */}}
{{- define "windsock.serviceAccountName" -}}
{{- $sa := index .root.Values.serviceAccounts .component }}
{{- if $sa.create }}
{{- default (printf "%s-%s" (include "windsock.fullname" .root) .component) $sa.name }}
{{- else }}
{{- default "default" $sa.name }}
{{- end }}
{{- end }}

{{- define "windsock.secretName" -}}
{{- default (printf "%s-secrets" (include "windsock.fullname" .)) .Values.secrets.existingSecret }}
{{- end }}

{{/* Git sources of dags.sources (those with a git: block). */}}
{{- define "windsock.gitSources" -}}
{{- $out := list }}
{{- range .Values.dags.sources }}
{{- if .git }}{{- $out = append $out . }}{{- end }}
{{- end }}
{{- toYaml (dict "sources" $out) }}
{{- end }}

{{/* True when DAGs come from git (the scheduler and the workers then need to reach git hosts, or their sidecars do). */}}
{{- define "windsock.usesGit" -}}
{{- if and (ne .Values.dags.mode "image") (gt (len (fromYaml (include "windsock.gitSources" .)).sources) 0) }}true{{- end }}
{{- end }}

{{/* True when git-sync sidecars fill a shared emptyDir mounted on dags.mountPath (else DAG files stay as the image has them). */}}
{{- define "windsock.gitSyncVolume" -}}
{{- if and (eq .Values.dags.mode "gitSync") (include "windsock.usesGit" .) }}true{{- end }}
{{- end }}

{{/* True when [dag_sources] lists the sources (builtin mode, or gitSync with declareSources) and Windsock keeps them under dags.mountPath. */}}
{{- define "windsock.declaresSources" -}}
{{- if and .Values.dags.sources (or (eq .Values.dags.mode "builtin") (and (eq .Values.dags.mode "gitSync") .Values.dags.gitSync.declareSources)) }}true{{- end }}
{{- end }}

{{/* True when the Windsock containers that read DAGs get the `dags` emptyDir on dags.mountPath. */}}
{{- define "windsock.dagsVolume" -}}
{{- if or (include "windsock.declaresSources" .) (include "windsock.gitSyncVolume" .) }}true{{- end }}
{{- end }}

{{/* The chart-level git credentials file (builtin mode): where it is mounted, and whether it is. */}}
{{- define "windsock.credentialsDir" -}}/etc/windsock/git-credentials{{- end }}
{{- define "windsock.credentialsFile" -}}
{{- if and (eq .Values.dags.mode "builtin") .Values.dags.sources .Values.dags.credentialsSecret .Values.dags.credentialsSecret.name }}{{ include "windsock.credentialsDir" . }}/credentials.yaml{{- end }}
{{- end }}

{{/*
The config file (WINDSOCK_CONFIG) with [dag_sources] (libs/dag-sources spec.ts), when sources are declared. The
root is dags.mountPath: each source appears as <mountPath>/<name>. builtin mode lists git sources Windsock syncs
into <mountPath>/.sources/<name>; gitSync mode lists each sidecar's link <mountPath>/.sources/<name>/current as a
folder source. A folder source ({name, path}) must lie inside the root. Empty otherwise.
*/}}
{{- define "windsock.configFile" -}}
{{- $root := . }}
{{- if include "windsock.declaresSources" . }}
{{- $mount := trimSuffix "/" .Values.dags.mountPath }}
{{- $builtin := eq .Values.dags.mode "builtin" }}
{{- $sources := list }}
{{- range .Values.dags.sources }}
{{- if .git }}
{{- if and .git.ref .git.tag }}
{{- fail (printf "dags.sources %s: give git.ref (a branch) or git.tag, not both" .name) }}
{{- end }}
{{- if $builtin }}
{{- if .git.credentialsSecret }}
{{- fail (printf "dags.sources %s: git.credentialsSecret is for gitSync sidecars; in builtin mode put the credentials in the one file of dags.credentialsSecret ({name, key}: a Secret holding YAML mapping git URL prefix -> {username, password} or {token})" .name) }}
{{- end }}
{{- $s := dict "name" .name "git" .git.url "sync_interval_sec" (default $root.Values.dags.gitSync.intervalSeconds .git.intervalSeconds) }}
{{- if .git.tag }}{{- $_ := set $s "tag" .git.tag }}{{- else }}{{- $_ := set $s "branch" (default "main" .git.ref) }}{{- end }}
{{- if .git.subPath }}{{- $_ := set $s "subdir" .git.subPath }}{{- end }}
{{- $sources = append $sources $s }}
{{- else }}
{{- $s := dict "name" .name "folder" (printf ".sources/%s/current" .name) }}
{{- if .git.subPath }}{{- $_ := set $s "subdir" .git.subPath }}{{- end }}
{{- $sources = append $sources $s }}
{{- end }}
{{- else }}
{{- $path := trimSuffix "/" .path }}
{{- if not (hasPrefix (printf "%s/" $mount) $path) }}
{{- fail (printf "dags.sources %s: path %s must be inside dags.mountPath %s (Windsock reads DAG files only under it): mount its volume there, e.g. at %s/.sources/%s" .name .path $mount $mount .name) }}
{{- end }}
{{- if or (eq $path (printf "%s/%s" $mount .name)) (hasPrefix (printf "%s/%s/" $mount .name) $path) }}
{{- fail (printf "dags.sources %s: path %s is where Windsock links the source (%s/%s); mount it elsewhere under dags.mountPath, e.g. %s/.sources/%s" .name .path $mount .name $mount .name) }}
{{- end }}
{{- $sources = append $sources (dict "name" .name "folder" $path) }}
{{- end }}
{{- end }}
{{- $ds := dict "root" .Values.dags.mountPath "sources" $sources }}
{{- with include "windsock.credentialsFile" . }}{{- $_ := set $ds "credentials_file" . }}{{- end }}
{{- toYaml (dict "dag_sources" $ds) }}
{{- end }}
{{- end }}

{{/*
Windsock's configuration as {section: {key: value}}: what the chart decides (executor, namespace, ports, DAG folder,
sandboxes, metrics) with .Values.config laid over it. Read back with fromYaml.
*/}}
{{- define "windsock.config" -}}
{{- $fullname := include "windsock.fullname" . }}
{{- $c := dict }}
{{- $_ := set $c "core" (dict "executor" "kubernetes" "dags_folder" .Values.dags.mountPath) }}
{{- $_ := set $c "kubernetes" (dict "namespace" (include "windsock.tasksNamespace" .)) }}
{{- $_ := set $c "scheduler" (dict "health_check_port" 8974) }}
{{- $_ := set $c "worker" (dict "health_check_port" 8793) }}
{{- $_ := set $c "webserver" (dict "port" 8080 "host" "0.0.0.0") }}
{{- $sb := dict "enabled" .Values.sandboxes.enabled "runtime" .Values.sandboxes.runtime }}
{{- if and .Values.sandboxes.enabled (eq .Values.sandboxes.runtime "kubernetes") }}
{{- $_ := set $sb "control_plane_account" (printf "%s:%s" .Release.Namespace (include "windsock.serviceAccountName" (dict "root" . "component" "webserver"))) }}
{{- $_ := set $sb "scheduler_image" (default (include "windsock.image" .) .Values.sandboxes.schedulerImage) }}
{{- end }}
{{- $_ := set $c "sandboxes" $sb }}
{{- with .Values.metrics.statsd }}
{{- if .enabled }}
{{- $m := dict "statsd_on" true "statsd_port" .port "statsd_prefix" .prefix }}
{{- if not .useHostIP }}{{- $_ := set $m "statsd_host" (required "metrics.statsd.host is required when metrics.statsd.enabled (or set useHostIP)" .host) }}{{- end }}
{{- if .datadog.enabled }}
{{- $_ := set $m "statsd_datadog_enabled" true }}
{{- if .datadog.tags }}{{- $_ := set $m "statsd_datadog_tags" .datadog.tags }}{{- end }}
{{- end }}
{{- $_ := set $c "metrics" $m }}
{{- end }}
{{- end }}
{{- toYaml (mergeOverwrite $c (deepCopy .Values.config)) }}
{{- end }}

{{/* A config value as the string a WINDSOCK__ variable holds: lists comma-joined, numbers without exponents. */}}
{{- define "windsock.envValue" -}}
{{- if kindIs "slice" . }}{{- $out := list }}{{- range . }}{{- $out = append $out (include "windsock.envValue" .) }}{{- end }}{{- join "," $out }}
{{- else if kindIs "string" . }}{{- . }}
{{- else if kindIs "invalid" . }}
{{- else }}{{- toJson . }}
{{- end }}
{{- end }}

{{/* env of a Windsock container: (dict "root" $ "component" "scheduler"). Variables here win over envFrom. */}}
{{- define "windsock.env" -}}
{{- $root := .root }}
{{- $fullname := include "windsock.fullname" $root }}
- name: WINDSOCK_HOME
  value: /tmp/windsock
{{- if include "windsock.configFile" $root }}
- name: WINDSOCK_CONFIG
  value: /etc/windsock/windsock.yaml
{{- end }}
- name: WINDSOCK__DATABASE__URL
  valueFrom:
    secretKeyRef:
{{- if $root.Values.postgresql.bundled }}
      name: {{ $fullname }}-postgresql
      key: url
{{- else }}
      name: {{ required "postgresql.external.existingSecret is required (a Secret holding the Postgres URL), or set postgresql.bundled=true for a trial" $root.Values.postgresql.external.existingSecret }}
      key: {{ $root.Values.postgresql.external.existingSecretKey }}
{{- end }}
- name: WINDSOCK__QUEUE__REDIS_URL
  valueFrom:
    secretKeyRef:
{{- if $root.Values.redis.bundled }}
      name: {{ $fullname }}-redis
      key: url
{{- else }}
      name: {{ required "redis.external.existingSecret is required (a Secret holding the Redis URL), or set redis.bundled=true for a trial" $root.Values.redis.external.existingSecret }}
      key: {{ $root.Values.redis.external.existingSecretKey }}
{{- end }}
{{- if and $root.Values.metrics.statsd.enabled $root.Values.metrics.statsd.useHostIP }}
- name: WINDSOCK__METRICS__STATSD_HOST
  valueFrom:
    fieldRef:
      fieldPath: status.hostIP
{{- end }}
{{- with $root.Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- with (index $root.Values .component).extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "windsock.envFrom" -}}
- configMapRef:
    name: {{ include "windsock.fullname" . }}-config
- secretRef:
    name: {{ include "windsock.secretName" . }}
{{- with .Values.extraEnvFrom }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Probe timings from values: (dict "probe" .Values.scheduler.livenessProbe). */}}
{{- define "windsock.probeTimings" -}}
{{- range $k, $v := . }}
{{ $k }}: {{ $v }}
{{- end }}
{{- end }}

{{/* Volume mounts of a Windsock container that reads DAGs (scheduler, worker): (dict "root" $ "component" "worker"). */}}
{{- define "windsock.volumeMounts" -}}
{{- $root := .root }}
- name: tmp
  mountPath: /tmp
{{- if include "windsock.configFile" $root }}
- name: config-file
  mountPath: /etc/windsock/windsock.yaml
  subPath: windsock.yaml
  readOnly: true
{{- end }}
{{- if .dags }}
{{- if include "windsock.dagsVolume" $root }}
- name: dags
  mountPath: {{ $root.Values.dags.mountPath }}
  {{- if not (include "windsock.declaresSources" $root) }}
  readOnly: true
  {{- end }}
{{- end }}
{{- if include "windsock.credentialsFile" $root }}
- name: git-credentials
  mountPath: {{ include "windsock.credentialsDir" $root }}
  readOnly: true
{{- end }}
{{- end }}
{{- with (index $root.Values .component).extraVolumeMounts }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "windsock.volumes" -}}
{{- $root := .root }}
- name: tmp
  emptyDir:
    sizeLimit: {{ $root.Values.tmpSizeLimit }}
{{- if include "windsock.configFile" $root }}
- name: config-file
  configMap:
    name: {{ include "windsock.fullname" $root }}-config-file
{{- end }}
{{- if .dags }}
{{- if include "windsock.dagsVolume" $root }}
- name: dags
  emptyDir:
    sizeLimit: {{ default $root.Values.dags.sizeLimit $root.Values.dags.gitSync.sizeLimit }}
{{- end }}
{{- with include "windsock.credentialsFile" $root }}
- name: git-credentials
  secret:
    secretName: {{ $root.Values.dags.credentialsSecret.name }}
    defaultMode: 0440
    items:
      - key: {{ default "credentials.yaml" $root.Values.dags.credentialsSecret.key }}
        path: credentials.yaml
{{- end }}
{{- if eq $root.Values.dags.mode "gitSync" }}
{{- range $root.Values.dags.sources }}
{{- if and .git .git.credentialsSecret }}
- name: git-credentials-{{ .name }}
  secret:
    secretName: {{ .git.credentialsSecret.name }}
    defaultMode: 0440
{{- end }}
{{- end }}
{{- end }}
{{- end }}
{{- with (index $root.Values .component).extraVolumes }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* One git-sync sidecar per git source (dags.mode gitSync), filling <mountPath>/.sources/<name>/current (<mountPath>/<name>/current without declareSources): (dict "root" $). */}}
{{- define "windsock.gitSyncContainers" -}}
{{- $root := .root }}
{{- if eq $root.Values.dags.mode "gitSync" }}
{{- range $root.Values.dags.sources }}
{{- if .git }}
- name: git-sync-{{ .name }}
  image: {{ printf "%s:%s" $root.Values.dags.gitSync.image.repository $root.Values.dags.gitSync.image.tag }}
  imagePullPolicy: {{ $root.Values.dags.gitSync.image.pullPolicy }}
  env:
    - name: GITSYNC_REPO
      value: {{ .git.url | quote }}
    - name: GITSYNC_REF
      value: {{ default (default "main" .git.ref) .git.tag | quote }}
    - name: GITSYNC_ROOT
      value: /git/{{ if $root.Values.dags.gitSync.declareSources }}.sources/{{ end }}{{ .name }}
    - name: GITSYNC_LINK
      value: current
    - name: GITSYNC_PERIOD
      value: {{ printf "%vs" (default $root.Values.dags.gitSync.intervalSeconds .git.intervalSeconds) | quote }}
    - name: GITSYNC_DEPTH
      value: {{ default 1 .git.depth | toJson | quote }}
    {{- with .git.credentialsSecret }}
    {{- if .usernameKey }}
    - name: GITSYNC_USERNAME
      valueFrom:
        secretKeyRef: {name: {{ .name }}, key: {{ .usernameKey }}}
    {{- end }}
    {{- if .passwordKey }}
    - name: GITSYNC_PASSWORD
      valueFrom:
        secretKeyRef: {name: {{ .name }}, key: {{ .passwordKey }}}
    {{- end }}
    {{- if .sshKeyKey }}
    - name: GITSYNC_SSH
      value: "true"
    - name: GITSYNC_SSH_KEY_FILE
      value: /etc/git-secret/{{ .sshKeyKey }}
    - name: GITSYNC_SSH_KNOWN_HOSTS_FILE
      value: /etc/git-secret/{{ default "known_hosts" .knownHostsKey }}
    {{- end }}
    {{- end }}
  securityContext:
    {{- toYaml $root.Values.securityContext | nindent 4 }}
  resources:
    {{- toYaml $root.Values.dags.gitSync.resources | nindent 4 }}
  volumeMounts:
    - name: dags
      mountPath: /git
    - name: tmp
      mountPath: /tmp
    {{- if and .git.credentialsSecret .git.credentialsSecret.sshKeyKey }}
    - name: git-credentials-{{ .name }}
      mountPath: /etc/git-secret
      readOnly: true
    {{- end }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
