import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', 'apps/webserver/ui/dist/**', '.windsock/**', 'libs/dag-parser/python/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { files: ['**/*.js'], languageOptions: { globals: { process: 'readonly', console: 'readonly' } } },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // No import cycles, within a package or across packages (issue 18: the house's habits).
    files: ['**/*.ts', '**/*.tsx'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts', '.tsx', '.js'],
      'import-x/internal-regex': '^@windsock/',
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.tsx'] },
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.tsx', '.js'] })],
    },
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },
  {
    // Files stay small: one that grows past this is telling you a concept wants its own module.
    files: ['**/*.ts', '**/*.tsx'],
    ignores: ['**/*.test.ts', 'test/**', 'bench/**'],
    rules: { 'max-lines': ['error', { max: 400, skipBlankLines: true, skipComments: true }] },
  },
  {
    files: ['**/*.test.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: { 'max-lines': ['error', { max: 700, skipBlankLines: true, skipComments: true }] },
  },
  {
    files: ['libs/dag-model/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: ['pg', 'ioredis', 'bullmq', 'kysely', '@kubernetes/client-node', 'node:fs', 'fs', 'node:net', 'net',
          'node:child_process', 'child_process', 'node:fs/promises'],
      }],
    },
  },
  {
    // The executors' index loads the Kubernetes client (tens of MiB): processes take values from the subpaths
    // (`/local`, `/kubernetes`, `/python-spec`) and only types from the index (test/cli-lazy.test.ts).
    files: ['apps/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        paths: [{ name: '@windsock/executors', allowTypeImports: true, message: 'import values from @windsock/executors/local, /kubernetes or /python-spec' }],
      }],
    },
  },
);
