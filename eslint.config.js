// Lint rules, and the import borders (docs/development.md): arrows point one way,
// controllers -> (pipeline, strategies, canary, provider interfaces, api, core); core imports none of them;
// pure folders do no I/O; concrete providers are reached only through the registry.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const ours = ['api', 'controllers', 'pipeline', 'strategies', 'canary', 'providers', 'triggers', 'notifications', 'cli'];
const folder = (name) => [`**/${name}/**`, `**/${name}`];
const border = (message, names) => ({ group: names.flatMap(folder), message });

/** Folders that must stay pure: no I/O, no SDK, no Kubernetes client. */
export const pureFolders = ['src/strategies/**', 'src/canary/judge/**', 'src/pipeline/graph/**', 'src/pipeline/run/**'];
const ioModules = ['node:fs', 'node:fs/promises', 'node:net', 'node:http', 'node:https', 'node:child_process',
  'node:dgram', 'node:dns', 'fs', 'fs/promises', 'net', 'http', 'https', 'child_process'];
const concreteProviders = ['kubernetes', 'aws', 'gce', 'azure', 'fake'].map((p) => `**/providers/${p}/**`);

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'crds/**', 'charts/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', setTimeout: 'readonly',
      clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  {
    // Size budgets (STYLE.md: a function fits on a screen, a file past ~400 lines is two things):
    // warnings that point at what to split next, not errors.
    files: ['src/**/*.ts', 'bin/**/*.js', 'hack/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      complexity: ['warn', 15],
      'max-statements': ['warn', 30],
      'max-params': ['warn', 5],
      'max-lines': ['warn', { max: 400, skipBlankLines: true, skipComments: true }],
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [
      border('src/core knows Kubernetes but none of our kinds: it imports nothing else from src/.', ours),
    ] }] },
  },
  {
    files: ['src/api/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [
      border('src/api is the schema of our kinds: it may import src/core only.', ours.filter((n) => n !== 'api')),
    ] }] },
  },
  {
    files: ['src/providers/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [
      border('providers know nothing of controllers, pipelines, strategies or canary analysis.',
        ['controllers', 'pipeline', 'strategies', 'canary', 'triggers', 'notifications', 'cli']),
    ] }] },
  },
  {
    files: ['src/controllers/**/*.ts', 'src/pipeline/**/*.ts', 'src/strategies/**/*.ts', 'src/canary/**/*.ts',
      'src/triggers/**/*.ts', 'src/notifications/**/*.ts', 'src/cli/**/*.ts'],
    ignores: ['src/providers/**', '**/*.test.ts'], // tests may drive the fake provider directly
    rules: { 'no-restricted-imports': ['error', { patterns: [
      border('only src/main.ts wires controllers; nothing else imports them.', ['controllers']),
      { group: concreteProviders, message: 'reach a concrete provider only through src/providers/registry.ts.' },
    ] }] },
  },
  {
    files: pureFolders.map((g) => `${g}/*.ts`),
    ignores: ['**/*.test.ts'], // tests may read golden files
    rules: { 'no-restricted-imports': ['error', {
      paths: ioModules.map((name) => ({ name, message: 'pure folders do no I/O: take data in, return plans out.' })),
      patterns: [
        border('pure folders plan; they import no controller, provider or core machinery.', ['controllers', 'providers', 'core']),
        { group: ['@kubernetes/*', '@aws-sdk/*', '@google-cloud/*', '@azure/*'], message: 'pure folders import no SDK.' },
      ],
    }] },
  },
);
