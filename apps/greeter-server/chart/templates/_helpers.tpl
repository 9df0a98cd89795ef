{{/*
The app name: the `app` label, app.kubernetes.io/name and the Service name. Every version of an
app shares it. Default: greeter-server or greeter-client, from .Values.kind.
*/}}
{{- define "greeter.app" -}}
{{- default (printf "greeter-%s" .Values.kind) .Values.app | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The name of this version's objects (Deployment, test pod): <app>-<version>, as in Istio's samples.
*/}}
{{- define "greeter.fullname" -}}
{{- printf "%s-%s" (include "greeter.app" .) .Values.version | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Chart name and version, for the helm.sh/chart label.
*/}}
{{- define "greeter.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The image tag: image.tag, else the chart's appVersion.
*/}}
{{- define "greeter.imageTag" -}}
{{- .Values.image.tag | default .Chart.AppVersion }}
{{- end }}

{{/*
The image reference: repository:tag, or repository@digest when image.digest is set.
*/}}
{{- define "greeter.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (include "greeter.imageTag" .) }}
{{- end }}
{{- end }}

{{/*
The version the server answers with (GREETER_VERSION): server.version, else "v" + the image tag
(tag 2.0.0 answers v2.0.0).
*/}}
{{- define "greeter.serverVersion" -}}
{{- if .Values.server.version }}
{{- .Values.server.version }}
{{- else }}
{{- $tag := include "greeter.imageTag" . }}
{{- ternary $tag (printf "v%s" $tag) (hasPrefix "v" $tag) }}
{{- end }}
{{- end }}

{{/*
Selector labels of this version's Deployment. Immutable in Kubernetes, so they hold only what
never changes for a release: the app, the version label, the name and the release. Never add the
chart version or the image tag here.
*/}}
{{- define "greeter.selectorLabels" -}}
app: {{ include "greeter.app" . }}
{{ .Values.versionLabel }}: {{ .Values.version | quote }}
app.kubernetes.io/name: {{ include "greeter.app" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
Labels of every object this version owns.
*/}}
{{- define "greeter.labels" -}}
helm.sh/chart: {{ include "greeter.chart" . }}
{{ include "greeter.selectorLabels" . }}
app.kubernetes.io/version: {{ include "greeter.imageTag" . | quote }}
app.kubernetes.io/component: {{ .Values.kind }}
app.kubernetes.io/part-of: canarykit
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/*
Labels of the shared Service: no version label, because it serves every version.
*/}}
{{- define "greeter.serviceLabels" -}}
helm.sh/chart: {{ include "greeter.chart" . }}
app: {{ include "greeter.app" . }}
service: {{ include "greeter.app" . }}
app.kubernetes.io/name: {{ include "greeter.app" . }}
app.kubernetes.io/component: {{ .Values.kind }}
app.kubernetes.io/part-of: canarykit
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/*
Client request metadata as GREETER_METADATA: "k1=v1,k2=v2", keys sorted.
*/}}
{{- define "greeter.clientMetadata" -}}
{{- $pairs := list }}
{{- range $key, $value := .Values.client.metadata }}
{{- $pairs = append $pairs (printf "%s=%s" $key $value) }}
{{- end }}
{{- join "," $pairs }}
{{- end }}

{{/*
The container's security context: non-root, read-only root filesystem, no capabilities.
*/}}
{{- define "greeter.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
runAsUser: {{ .Values.securityContext.runAsUser }}
runAsGroup: {{ .Values.securityContext.runAsGroup }}
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/*
Checks the schema cannot express with a clear message; included by the Deployment.
*/}}
{{- define "greeter.validate" -}}
{{- if has .Values.versionLabel (list "app" "service") }}
{{- fail (printf "versionLabel: %q is taken by the chart (app, service); use e.g. version or dubbogoAppVersion" .Values.versionLabel) }}
{{- end }}
{{- range $key, $_ := .Values.podLabels }}
{{- if has $key (list "app" $.Values.versionLabel) }}
{{- fail (printf "podLabels.%s: set by the chart from `app`/`version`; remove it from podLabels" $key) }}
{{- end }}
{{- end }}
{{- if and (eq .Values.kind "client") (eq (int .Values.client.httpPort) 0) .Values.probes.enabled }}
{{- fail "client.httpPort: the client's probes need its HTTP port; set probes.enabled=false to run without it" }}
{{- end }}
{{- end }}
