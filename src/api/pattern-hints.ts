// What to write instead, for every pattern a field of ours must match: the API server's own refusal
// shows only the regular expression, so the CRDs carry a rule per patterned field whose message is
// this hint, and runtime validation says the same.
import { dnsLabelPattern, durationPattern } from './schema.ts';
import { appPattern } from './v1alpha1/common.ts';
import { cronPattern } from './v1alpha1/pipeline.ts';
import { refIdPattern, stageDurationPattern } from './v1alpha1/stages/index.ts';

const hints: Record<string, string> = {
  [durationPattern]: 'use a duration such as 30s, 5m or 1h30m',
  [stageDurationPattern]: 'use a duration such as 30s, 5m or 1h30m, or an expression ${...} that gives one',
  [dnsLabelPattern]: 'use lower-case letters, digits and "-", starting and ending with a letter or digit, e.g. web-eu',
  [appPattern]: 'use lower-case letters and digits only, e.g. shop or prod',
  [refIdPattern]: 'use letters, digits, "-" and "_", starting with a letter or digit, e.g. deploy-prod',
  [cronPattern]: 'use five fields (minute hour day-of-month month day-of-week) such as "0 3 * * 1-5", or a macro such as @daily',
  '^([01][0-9]|2[0-3]):[0-5][0-9]$': 'use HH:MM on a 24-hour clock, e.g. 09:30',
  '^[A-Za-z0-9][-A-Za-z0-9_.]*$': 'use letters, digits, "-", "_" and ".", starting with a letter or digit, e.g. rollback-2',
  '^[A-Za-z_][A-Za-z0-9_]*$': 'use a letter or "_" followed by letters, digits and "_", e.g. imageTag (expressions read it by this name)',
  '^[a-z][A-Za-z0-9]*$': 'use a stage type such as wait, manualJudgment or deploy',
  '^[a-z0-9-]+$': 'use lower-case letters, digits and "-", e.g. us-east-1',
  '^https?://': 'use a URL starting with http:// or https://',
  '^/': 'use a path starting with /, e.g. /healthz',
  '^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$': 'use a host name such as shop.example.com, or *.example.com for its subdomains',
  '^[0-9]+(s|m)$': 'use whole seconds or minutes, e.g. 60s or 5m',
  '^[0-9]{12}$': 'use the 12 digits of the AWS account ID, e.g. 123456789012',
  '^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$': 'use a role ARN such as arn:aws:iam::123456789012:role/deployer',
  '^[a-z][-a-z0-9]{4,28}[a-z0-9]$': 'use a Google Cloud project ID: 6 to 30 lower-case letters, digits and "-", starting with a letter, e.g. shop-prod-123',
  '^[0-9a-fA-F-]{36}$': 'use a GUID such as 0f8fad5b-d9cb-469f-a165-70867728950e',
  '^[^@\\s]+@[^@\\s]+$': 'use an e-mail address such as team@example.com',
  '^ami-[0-9a-f]{8,17}$': 'use an AMI ID such as ami-0abcdef1234567890',
  '^subnet-[0-9a-f]+$': 'use a subnet ID such as subnet-0abc1234',
  '^sg-[0-9a-f]+$': 'use a security group ID such as sg-0abc1234',
  '^[\\w+=,.@-]{2,64}$': 'use 2 to 64 letters, digits and any of + = , . @ _ -, e.g. staysail-prod',
  '^[-._a-zA-Z0-9]+$': 'use a ConfigMap key: letters, digits, "-", "_" and ".", e.g. values.yaml',
  '^(\\.|[A-Za-z0-9_][-A-Za-z0-9_.]*(/[A-Za-z0-9_][-A-Za-z0-9_.]*)*)$': 'use . or a relative folder such as overlays/prod, whose parts start with a letter, digit or "_" (no "..", no leading /)',
  '^https?://[^\\s]+$': 'use a URL starting with http:// or https://, without spaces, e.g. https://charts.example.com/stable',
  '^[A-Za-z0-9][-A-Za-z0-9_.+]*$': 'use a version exactly as the chart repository lists it, e.g. 1.4.2',
  '^[A-Za-z0-9][-A-Za-z0-9_./]*$': 'use a group/version such as apps/v1, or group/version/Kind such as monitoring.coreos.com/v1/ServiceMonitor',
  '^v?[0-9]+\\.[0-9]+(\\.[0-9]+)?$': 'use a Kubernetes version such as 1.35.0',
  '^[A-Z][A-Za-z0-9]*$': 'use a kind as a manifest spells it, starting with a capital letter, e.g. Deployment or ClusterRole',
};

/** The hint for a pattern, or undefined when there is none (a test keeps every pattern of ours covered). */
export const patternHint = (pattern: string): string | undefined => hints[pattern];
