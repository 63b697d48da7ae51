{{/*
A Windsock Deployment: (dict "root" $ "component" "scheduler" "port" 8974 "portName" "health" "dags" true
"token" false "readinessPath" "/health" "livePath" "/health/live"). livePath empty: TCP startup and liveness probes.
*/}}
{{- define "windsock.deployment" -}}
{{- $root := .root }}
{{- $v := index $root.Values .component }}
{{- $fullname := include "windsock.fullname" $root }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $fullname }}-{{ .component }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "windsock.labels" . | nindent 4 }}
spec:
  replicas: {{ $v.replicas }}
  selector:
    matchLabels:
      {{- include "windsock.selectorLabels" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "windsock.selectorLabels" . | nindent 8 }}
        {{- with $v.podLabels }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      annotations:
        # A changed setting restarts the pods (the processes read their settings once, at start).
        checksum/config: {{ include "windsock.config" $root | sha256sum }}
        checksum/config-file: {{ include "windsock.configFile" $root | sha256sum }}
        {{- with $v.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ include "windsock.serviceAccountName" . }}
      {{- if not .token }}
      automountServiceAccountToken: false
      {{- end }}
      terminationGracePeriodSeconds: {{ $v.terminationGracePeriodSeconds }}
      securityContext:
        {{- toYaml $root.Values.podSecurityContext | nindent 8 }}
      {{- with $root.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      containers:
        - name: {{ .component }}
          image: {{ include "windsock.image" $root }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          args: [windsock, {{ .component }}]
          env:
            {{- include "windsock.env" . | nindent 12 }}
          envFrom:
            {{- include "windsock.envFrom" $root | nindent 12 }}
          securityContext:
            {{- toYaml $root.Values.securityContext | nindent 12 }}
          ports:
            - name: {{ .portName }}
              containerPort: {{ .port }}
              protocol: TCP
          startupProbe:
            {{- if .livePath }}
            httpGet: {path: {{ .livePath }}, port: {{ .portName }}}
            {{- else }}
            tcpSocket: {port: {{ .portName }}}
            {{- end }}
            {{- toYaml $v.startupProbe | nindent 12 }}
          livenessProbe:
            {{- if .livePath }}
            httpGet: {path: {{ .livePath }}, port: {{ .portName }}}
            {{- else }}
            tcpSocket: {port: {{ .portName }}}
            {{- end }}
            {{- toYaml $v.livenessProbe | nindent 12 }}
          readinessProbe:
            httpGet: {path: {{ .readinessPath }}, port: {{ .portName }}}
            {{- toYaml $v.readinessProbe | nindent 12 }}
          resources:
            {{- toYaml $v.resources | nindent 12 }}
          volumeMounts:
            {{- include "windsock.volumeMounts" . | nindent 12 }}
        {{- if .dags }}
        {{- include "windsock.gitSyncContainers" . | nindent 8 }}
        {{- end }}
        {{- with $v.extraContainers }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      volumes:
        {{- include "windsock.volumes" . | nindent 8 }}
      {{- with $v.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $v.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $v.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
---
# {{ .component }}: {{ if eq .component "webserver" }}the API and UI{{ else }}/health and /metrics (Prometheus){{ end }}.
apiVersion: v1
kind: Service
metadata:
  name: {{ $fullname }}-{{ .component }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "windsock.labels" . | nindent 4 }}
  {{- if eq .component "webserver" }}
  {{- with $v.service.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- end }}
spec:
  {{- if eq .component "webserver" }}
  type: {{ $v.service.type }}
  {{- else }}
  clusterIP: None
  {{- end }}
  selector:
    {{- include "windsock.selectorLabels" . | nindent 4 }}
  ports:
    - name: {{ .portName }}
      port: {{ if eq .component "webserver" }}{{ $v.service.port }}{{ else }}{{ .port }}{{ end }}
      targetPort: {{ .portName }}
      protocol: TCP
{{- end }}
