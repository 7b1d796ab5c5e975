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

{{/* What the operator does in the namespaces it acts in: exactly the calls its controllers make. */}}
{{- define "staysail.namespacedRules" -}}
# It reads every kind, writes status through server-side apply, and adds finalizers by patch.
- apiGroups: [staysail.dev]
  resources: [applications, accounts, clusters, servergroups, loadbalancers, securitygroups, pipelines, pipelineruns, canaryconfigs]
  verbs: [get, list, watch]
- apiGroups: [staysail.dev]
  resources: [applications/status, accounts/status, clusters/status, servergroups/status, loadbalancers/status, securitygroups/status, pipelines/status, pipelineruns/status, canaryconfigs/status]
  verbs: [patch]
- apiGroups: [staysail.dev]
  resources: [clusters/finalizers, servergroups/finalizers, loadbalancers/finalizers, securitygroups/finalizers, pipelineruns/finalizers]
  verbs: [update]
# Clusters make and remove ServerGroups; runs start child and validation runs, prune history, clear
# consumed judgments and cancels; deploy stages set a Cluster's template.
- apiGroups: [staysail.dev]
  resources: [servergroups, pipelineruns, clusters, loadbalancers, securitygroups]
  verbs: [create, patch, delete]
# The Kubernetes provider: server groups are ReplicaSets, load balancers Services, security groups NetworkPolicies.
- apiGroups: [apps]
  resources: [replicasets]
  verbs: [get, list, watch, create, patch, delete]
- apiGroups: [""]
  resources: [services]
  verbs: [get, list, create, patch, delete]
# A LoadBalancer with spec.kubernetes.httpRoute: its HTTPRoute, weighted over one Service per server group.
- apiGroups: [gateway.networking.k8s.io]
  resources: [httproutes]
  verbs: [get, list, watch, create, patch, delete]
- apiGroups: [networking.k8s.io]
  resources: [networkpolicies]
  verbs: [get, create, patch, delete]
- apiGroups: [discovery.k8s.io]
  resources: [endpointslices]
  verbs: [list]
# Enabling or disabling a server group relabels its live pods, so Services gain or lose them at once
# (as do deployManifest's trafficManagement, enableManifest and disableManifest, reading each pod first);
# runJob reads its Job's pods and their logs, and watches its Jobs (a Job's change wakes its run).
- apiGroups: [""]
  resources: [pods]
  verbs: [get, list, patch]
- apiGroups: [""]
  resources: [pods/log]
  verbs: [get]
- apiGroups: [batch]
  resources: [jobs]
  verbs: [get, list, watch, create, delete]
# Accounts' kubeconfigs, metric sources' credentials and Jenkins servers' API tokens, by name only.
- apiGroups: [""]
  resources: [secrets]
  verbs: [get]
# bakeManifest reads charts, overlays and values from ConfigMaps, and keeps what it rendered in one
# its run owns (deployManifest reads it back); the jenkins stage reads the namespace's Jenkins
# servers from the ConfigMap staysail-jenkins. With rbac.manifestRules set to [] it still may.
- apiGroups: [""]
  resources: [configmaps]
  verbs: [get, create, patch]
- apiGroups: [""]
  resources: [events]
  verbs: [create, patch]
{{- with .Values.rbac.manifestRules }}
# The manifest stages: the kinds they may apply, read, patch, scale and delete (rbac.manifestRules).
{{ toYaml . }}
{{- end }}
{{- end -}}
