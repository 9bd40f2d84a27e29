{{/*
Names follow the usual chart conventions: the release name when it already
contains the chart name (`helm install skupper-cert-rotator ...` gives the
names of manifests/base), else "<release>-<chart>".
*/}}
{{- define "scr.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Selector labels: immutable on a Deployment, so only the two that never change
for a release. app.kubernetes.io/name is also the alerts' job label (the
ServiceMonitor's jobLabel), so it stays the chart name whatever the release
and nameOverride.
*/}}
{{- define "scr.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "scr.labels" -}}
{{ include "scr.selectorLabels" . }}
app.kubernetes.io/part-of: skupper-cert-rotator
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* metadata.annotations of every object when commonAnnotations is set, for `{{- include ... }}` right after the labels. */}}
{{- define "scr.annotations" -}}
{{- with .Values.commonAnnotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
{{- end }}
{{- end }}

{{/*
The daemon's rules (the ClusterRole of manifests/base/clusterrole.yaml, where
each rule names the code that needs it). test/integration/helm-chart.test.ts
fails when these and the kustomize base's rules differ. With "namespaced"
the rules go into a Role per watched namespace, without ClusterIssuers
(cluster-scoped, a Role cannot grant them), as manifests/overlays/namespaced.
*/}}
{{- define "scr.rules" -}}
- apiGroups: [skupper.io]
  resources: [listeners, connectors]
  verbs: [list, watch, patch]
- apiGroups: [cert-manager.io]
  resources: [certificates]
  verbs: [list, watch, create, patch, delete]
- apiGroups: [cert-manager.io]
  resources: [certificates/status]
  verbs: [update]
- apiGroups: [cert-manager.io]
  resources: {{ if .namespaced }}[issuers]{{ else }}[issuers, clusterissuers]{{ end }}
  verbs: [list, watch]
- apiGroups: [""]
  resources: [secrets]
  verbs: [get, list, watch, create, patch]
- apiGroups: [""]
  resources: [configmaps]
  verbs: [list, watch]
- apiGroups: [apps]
  resources: [deployments]
  verbs: [get, patch]
- apiGroups: [events.k8s.io]
  resources: [events]
  verbs: [create]
{{- end }}

{{/*
The daemon's flags from .Values.flags, in the order of files/flags.json
(generated from src/config/flags.ts by `npm run chart:sync`): a flag is passed
only when its value differs from the daemon's default, so the default install
runs what manifests/base runs.
*/}}
{{- define "scr.flagArgs" -}}
{{- $flags := .Values.flags }}
{{- range (.Files.Get "files/flags.json" | fromJsonArray) }}
{{- $v := get $flags .key }}
{{- if eq .kind "int" }}{{ $v = int64 $v | toString }}{{ else }}{{ $v = toString $v }}{{ end }}
{{- if and (eq .flag "cluster-issuers") $.Values.rbac.namespaced }}{{ $v = "false" }}{{ end }}
{{- if ne $v .default }}
- {{ printf "--%s=%s" .flag $v | quote }}
{{- end }}
{{- end }}
{{- end }}
