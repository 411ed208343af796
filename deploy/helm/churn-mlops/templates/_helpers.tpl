{{/* The release's prefix for every object: the release name, cut to leave room for "-predictor-stream". */}}
{{- define "churn.fullname" -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}

{{- define "churn.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* Selector labels of one component: (dict "root" $ "component" "registry"). */}}
{{- define "churn.selectorLabels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "churn.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{/* The variables that come from Secrets: (name secret key) triples, external services first. */}}
{{- define "churn.secretEnv" -}}
- name: REGISTRY_DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ required "external.postgresql.existingSecret is required" .Values.external.postgresql.existingSecret }}
      key: {{ .Values.external.postgresql.urlKey }}
- name: MONGODB_URI
  valueFrom:
    secretKeyRef:
      name: {{ required "external.mongodb.existingSecret is required" .Values.external.mongodb.existingSecret }}
      key: {{ .Values.external.mongodb.uriKey }}
{{- if .Values.external.aws.existingSecret }}
{{- range list "AWS_ACCESS_KEY_ID" "AWS_SECRET_ACCESS_KEY" }}
- name: {{ . }}
  valueFrom:
    secretKeyRef:
      name: {{ $.Values.external.aws.existingSecret }}
      key: {{ . }}
{{- end }}
{{- end }}
{{- range .Values.secrets.keys }}
- name: {{ . }}
  valueFrom:
    secretKeyRef:
      name: {{ required "secrets.existingSecret is required" $.Values.secrets.existingSecret }}
      key: {{ . }}
      # Which of them a profile requires is the services' check (username+password or token).
      optional: true
{{- end }}
{{- end -}}
