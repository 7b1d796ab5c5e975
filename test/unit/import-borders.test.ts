// The lint rules that keep the import borders (docs/development.md): each case lints a one-line file at a path in
// src/ and expects the border to be refused (or allowed).
import assert from 'node:assert/strict';
import { ESLint } from 'eslint';
import { repoRoot } from '../cluster/binaries.ts';

const eslint = new ESLint({ cwd: repoRoot });

async function borderErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${code}\nexport const used = x;\n`, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('import borders', () => {
  const refused: [string, string, RegExp][] = [
    ['src/core/queue.ts', "import { x } from '../controllers/pipeline/reconciler.ts';", /src\/core knows Kubernetes but none of our kinds/],
    ['src/core/queue.ts', "import { x } from '../api/v1alpha1/pipeline.ts';", /src\/core/],
    ['src/api/v1alpha1/pipeline.ts', "import { x } from '../../pipeline/graph/dag.ts';", /src\/api is the schema/],
    ['src/controllers/cluster/reconciler.ts', "import { x } from '../../providers/kubernetes/server-groups.ts';", /only through src\/providers\/registry.ts/],
    ['src/pipeline/stages/wait.ts', "import { x } from '../../controllers/pipeline-run/reconciler.ts';", /only src\/main.ts wires controllers/],
    ['src/strategies/red-black.ts', "import { x } from 'node:fs';", /pure folders do no I\/O/],
    ['src/canary/judge/mann-whitney.ts', "import { x } from '@kubernetes/client-node';", /pure folders import no SDK/],
    ['src/pipeline/graph/dag.ts', "import { x } from '../../core/queue.ts';", /pure folders plan/],
    ['src/providers/kubernetes/services.ts', "import { x } from '../../strategies/red-black.ts';", /providers know nothing of/],
  ];
  for (const [file, code, message] of refused) {
    it(`refuses in ${file}: ${code}`, async () => {
      const errors = await borderErrors(file, code);
      assert.ok(errors.some((e) => message.test(e)), `expected ${message} for ${file}, got ${JSON.stringify(errors)}`);
    });
  }

  const allowed: [string, string][] = [
    ['src/controllers/cluster/reconciler.ts', "import { x } from '../../providers/registry.ts';"],
    ['src/controllers/cluster/reconciler.ts', "import { x } from '../../strategies/red-black.ts';"],
    ['src/api/v1alpha1/pipeline.ts', "import { x } from '../../core/conditions.ts';"],
    ['src/strategies/red-black.ts', "import { x } from '../api/v1alpha1/cluster.ts';"],
  ];
  for (const [file, code] of allowed) {
    it(`allows in ${file}: ${code}`, async () => assert.deepEqual(await borderErrors(file, code), []));
  }
});
