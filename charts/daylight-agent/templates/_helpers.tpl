{{/* Names, labels and the agent's arguments, shared by the templates. */}}

{{- define "daylight-agent.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The release's name when it already says daylight-agent, else <release>-daylight-agent; cluster-scoped objects carry it too. */}}
{{- define "daylight-agent.fullname" -}}
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

{{- define "daylight-agent.selectorLabels" -}}
app.kubernetes.io/name: {{ include "daylight-agent.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "daylight-agent.labels" -}}
{{ include "daylight-agent.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: node-agent
app.kubernetes.io/part-of: daylight
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* The ServiceAccount's username in the API server's eyes, as the admission policy matches it. */}}
{{- define "daylight-agent.username" -}}
system:serviceaccount:{{ .Release.Namespace }}:{{ include "daylight-agent.fullname" . }}
{{- end -}}

{{/* "true" when the agent runs commands on the host through nsenter (or privileged is set to true). */}}
{{- define "daylight-agent.privileged" -}}
{{- if eq (toString .Values.privileged) "auto" -}}
{{- if or (eq .Values.rebootMethod "command") .Values.patchCommand .Values.upgradeCommands -}}true{{- else -}}false{{- end -}}
{{- else if eq (toString .Values.privileged) "true" -}}true
{{- else if eq (toString .Values.privileged) "false" -}}false
{{- else -}}
{{- fail (printf "privileged: %v: expected auto, true or false" .Values.privileged) -}}
{{- end -}}
{{- end -}}

{{/* The hostPath mount of the sentinel's directory, when the sentinel is a file. */}}
{{- define "daylight-agent.sentinelMount" -}}
{{- if and .Values.sentinel.file (not .Values.sentinel.command) -}}true{{- end -}}
{{- end -}}

{{/* `daylight agent`'s flags; a command is one argument, its argv as JSON. */}}
{{- define "daylight-agent.args" -}}
{{- if not (has .Values.rebootMethod (list "signal" "command")) -}}
{{- fail (printf "rebootMethod: %s: expected signal or command" .Values.rebootMethod) -}}
{{- end -}}
{{- if and .Values.rebootCommand (ne .Values.rebootMethod "command") -}}
{{- fail "rebootCommand is used only with rebootMethod: command" -}}
{{- end -}}
- --reboot-method
- {{ .Values.rebootMethod }}
{{- with .Values.rebootCommand }}
- --reboot-command
- {{ toJson . | toJson }}
{{- end }}
{{- with .Values.patchCommand }}
- --patch-command
- {{ toJson . | toJson }}
{{- end }}
{{- range .Values.upgradeCommands }}
- --upgrade-command
- {{ toJson . | toJson }}
{{- end }}
- --reboot-after-patch
- {{ .Values.rebootAfterPatch }}
{{- if .Values.sentinel.command }}
- --sentinel-command
- {{ toJson .Values.sentinel.command | toJson }}
{{- else if .Values.sentinel.file }}
- --sentinel-file
- {{ .Values.sentinel.file }}
{{- end }}
- --sentinel-period
- {{ .Values.sentinel.period }}
- --confirm-grace
- {{ .Values.confirmGrace }}
{{- if .Values.metrics.port }}
- --metrics-port
- {{ .Values.metrics.port | quote }}
{{- end }}
{{- end -}}
