// Writes crds/ from src/api (`npm run gen`), or with --check fails when crds/ differs from what
// src/api generates (CI runs the check).
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderCrds } from '../src/api/crd.ts';
import { repoRoot } from '../test/cluster/binaries.ts';

const dir = join(repoRoot, 'crds');
const check = process.argv.includes('--check');
const wanted = renderCrds();
const present = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.yaml')) : [];
const problems: string[] = [];

for (const { file, text } of wanted) {
  const path = join(dir, file);
  const current = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
  if (current === text) continue;
  if (check) problems.push(current === undefined ? `crds/${file} is missing` : `crds/${file} differs from src/api`);
  else { mkdirSync(dir, { recursive: true }); writeFileSync(path, text); console.log(`wrote crds/${file}`); }
}
for (const file of present.filter((f) => !wanted.some((w) => w.file === f))) {
  if (check) problems.push(`crds/${file} is not generated from src/api`);
  else { rmSync(join(dir, file)); console.log(`removed crds/${file}`); }
}
if (problems.length) {
  console.error(`${problems.join('\n')}\nRun \`npm run gen\` and commit crds/.`);
  process.exit(1);
}
if (check) console.log(`crds/ matches src/api (${wanted.length} CRDs)`);
