// The helm template command line of a bake: the chart, the release, values files in order, then
// --set-string (or --set) overrides, each as helm reads them. Pure: the stage writes the files it names.
import { BakeError } from './errors.ts';

/** What helm template is asked for, the files already in the work folder. */
export interface HelmTemplate {
  releaseName: string;
  /** The chart: a folder or a .tgz, relative to the work folder. */
  chart: string;
  namespace: string;
  /** Values files, lowest precedence first. */
  valuesFiles: string[];
  overrides?: Record<string, string>;
  /** Overrides as --set (helm reads true, 3 and null as YAML would) rather than --set-string. */
  rawOverrides?: boolean;
  includeCRDs?: boolean;
  apiVersions?: string[];
  kubeVersion?: string;
}

/** A --set value with helm's separators escaped: a comma would start the next pair, a backslash escapes. */
export const escapeSetValue = (value: string) => value.replace(/\\/g, '\\\\').replace(/,/g, '\\,');

/** `path=value` for --set; a path holding '=' or ',' cannot be said to helm, so it is refused by name. */
export function setPair(path: string, value: string): string {
  if (path === '' || /[=,\s]/.test(path)) {
    throw new BakeError(`helm.overrides key "${path}" is not a value path: use dotted names such as image.tag, without "=", "," or spaces`);
  }
  return `${path}=${escapeSetValue(value)}`;
}

/**
 * helm template's arguments. Tests hooks (helm.sh/hook: test) are left out: they are for helm test,
 * not a deploy. Overrides go in key order, so the same stage renders with the same command line,
 * each as --set-string (a tag 10 stays "10") unless rawOverrides, as Spinnaker's bake does.
 */
export function helmTemplateArgs(t: HelmTemplate): string[] {
  const args = ['template', t.releaseName, t.chart, '--namespace', t.namespace, '--skip-tests'];
  for (const f of t.valuesFiles) args.push('--values', f);
  const set = t.rawOverrides ? '--set' : '--set-string';
  for (const k of Object.keys(t.overrides ?? {}).sort()) args.push(set, setPair(k, t.overrides![k]!));
  if (t.includeCRDs) args.push('--include-crds');
  for (const v of t.apiVersions ?? []) args.push('--api-versions', v);
  if (t.kubeVersion) args.push('--kube-version', t.kubeVersion);
  return args;
}
