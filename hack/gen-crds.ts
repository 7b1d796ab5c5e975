// Writes what is generated from src/api (`npm run gen`): crds/, the chart's copy of them in
// charts/staysail/crds/, and the chart's template of the judgment policy (config/policy). With
// --check it changes nothing and fails when any of them differs (CI runs the check).
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { renderCrds } from '../src/api/crd.ts';
import { repoRoot } from '../test/cluster/binaries.ts';

const check = process.argv.includes('--check');
const crds = renderCrds();
// In the chart, the policy is named after the release, so two releases (or a kubectl-applied copy) do not collide.
const policy = readFileSync(join(repoRoot, 'config/policy/judgment-identity.yaml'), 'utf8')
  .replace(/^(\s*(?:name|policyName)): staysail-judgment-identity$/gm, '$1: {{ include "staysail.fullname" . }}-judgment-identity')
  .replace(/^(\s*)app\.kubernetes\.io\/part-of: staysail$/gm, (_, indent: string) => `${indent}{{- include "staysail.labels" . | nindent ${indent.length} }}`);

/** Each generated folder (every .yaml in it is generated) or file, and its wanted contents. */
const outputs: { path: string; owned: 'folder' | 'file'; files: { file: string; text: string }[] }[] = [
  { path: 'crds', owned: 'folder', files: crds },
  { path: 'charts/staysail/crds', owned: 'folder', files: crds },
  { path: 'charts/staysail/templates', owned: 'file', files: [{ file: 'judgment-policy.yaml', text: `{{- if .Values.judgmentPolicy.enabled }}
{{- /* A copy applied outside Helm under the same name (kubectl apply -f config/policy, as npm run dev does for
release "staysail") already enforces the policy: it is left as it is rather than refused as not Helm's. */}}
{{- $existing := lookup "admissionregistration.k8s.io/v1" "ValidatingAdmissionPolicy" "" (printf "%s-judgment-identity" (include "staysail.fullname" .)) }}
{{- if or (not $existing) (eq (dig "metadata" "annotations" "meta.helm.sh/release-name" "" $existing) .Release.Name) }}
# Generated from config/policy/judgment-identity.yaml by \`npm run gen\`.
${policy.trimEnd()}
{{- end }}
{{- end }}
` }] },
];

const problems: string[] = [];
for (const out of outputs) {
  const dir = join(repoRoot, out.path);
  for (const { file, text } of out.files) {
    const path = join(dir, file);
    const current = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
    if (current === text) continue;
    if (check) problems.push(`${out.path}/${file} is ${current === undefined ? 'missing' : 'out of date'}`);
    else { mkdirSync(dirname(path), { recursive: true }); writeFileSync(path, text); console.log(`wrote ${out.path}/${file}`); }
  }
  if (out.owned !== 'folder' || !existsSync(dir)) continue;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml') && !out.files.some((w) => w.file === f))) {
    if (check) problems.push(`${out.path}/${file} is not generated from src/api`);
    else { rmSync(join(dir, file)); console.log(`removed ${out.path}/${file}`); }
  }
}
if (problems.length) {
  console.error(`${problems.join('\n')}\nRun \`npm run gen\` and commit the result.`);
  process.exit(1);
}
if (check) console.log(`generated files match src/api and config/policy (${crds.length} CRDs, in crds/ and the chart)`);
