{{/* Names, labels and the controller's arguments, shared by the templates. */}}

{{- define "daylight.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The release's name when it already says daylight, else <release>-daylight; cluster-scoped objects carry it too. */}}
{{- define "daylight.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "daylight.selectorLabels" -}}
app.kubernetes.io/name: {{ include "daylight.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "daylight.labels" -}}
{{ include "daylight.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: controller
app.kubernetes.io/part-of: daylight
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Where member <name>'s kubeconfig Secret is mounted. */}}
{{- define "daylight.memberDir" -}}
/etc/daylight/members/{{ . }}
{{- end -}}

{{/* `daylight controller`'s flags. */}}
{{- define "daylight.args" -}}
{{- if and .Values.members (not .Values.context) -}}
{{- fail "members: set context to the context, in one of the members' kubeconfigs, of the cluster holding the MaintenancePlans and MaintenanceRuns (with members the controller reaches every cluster through them, its own too)" -}}
{{- end -}}
{{- if and .Values.context (not .Values.members) -}}
{{- fail "context is used only with members: without them the controller reaches its own cluster through its ServiceAccount" -}}
{{- end -}}
- --namespace
- {{ .Release.Namespace }}
{{- if .Values.members }}
- --context
- {{ .Values.context }}
{{- else }}
# Its own cluster through its ServiceAccount, for the plans and runs and for every cluster a plan names
- --kubeconfig
- in-cluster
{{- end }}
{{- if .Values.service.enabled }}
# The dashboard, its API and /metrics on every replica, behind the token of service.tokenSecret
- --listen
- 0.0.0.0:8080
- --token-file
- /etc/daylight/dashboard/token
{{- if not .Values.service.controls }}
# Pause, resume, abort and approvals are made with kubectl on the MaintenanceRun (answered 501 with the command)
- --read-only
{{- end }}
{{- end }}
{{- end -}}
