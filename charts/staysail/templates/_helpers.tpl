{{/* The release's full name, at most 63 characters. */}}
{{- define "staysail.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "staysail.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: staysail
{{- end -}}

{{- define "staysail.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "staysail.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "staysail.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* What the operator does in the namespaces it acts in. */}}
{{- define "staysail.namespacedRules" -}}
- apiGroups: [staysail.dev]
  resources: [applications, accounts, clusters, servergroups, loadbalancers, securitygroups, pipelines, pipelineruns, canaryconfigs]
  verbs: [get, list, watch, create, update, patch, delete]
- apiGroups: [staysail.dev]
  resources: [applications/status, accounts/status, clusters/status, servergroups/status, loadbalancers/status, securitygroups/status, pipelines/status, pipelineruns/status, canaryconfigs/status]
  verbs: [get, update, patch]
- apiGroups: [staysail.dev]
  resources: [applications/finalizers, clusters/finalizers, servergroups/finalizers, loadbalancers/finalizers, securitygroups/finalizers, pipelineruns/finalizers]
  verbs: [update]
# The Kubernetes provider: server groups are ReplicaSets, load balancers Services, security groups NetworkPolicies.
- apiGroups: [apps]
  resources: [replicasets]
  verbs: [get, list, watch, create, update, patch, delete]
- apiGroups: [""]
  resources: [services]
  verbs: [get, list, watch, create, update, patch, delete]
- apiGroups: [networking.k8s.io]
  resources: [networkpolicies]
  verbs: [get, list, watch, create, update, patch, delete]
- apiGroups: [discovery.k8s.io]
  resources: [endpointslices]
  verbs: [get, list, watch]
# runJob stages, and reading their pods' logs.
- apiGroups: [batch]
  resources: [jobs]
  verbs: [get, list, watch, create, delete]
# Enabling or disabling a server group relabels its live pods, so Services gain or lose them at once.
- apiGroups: [""]
  resources: [pods]
  verbs: [get, list, watch, patch]
- apiGroups: [""]
  resources: [pods/log]
  verbs: [get]
# Accounts' kubeconfigs and metric sources' credentials, named by reference.
- apiGroups: [""]
  resources: [secrets]
  verbs: [get]
- apiGroups: ["", events.k8s.io]
  resources: [events]
  verbs: [create, patch]
{{- end -}}
