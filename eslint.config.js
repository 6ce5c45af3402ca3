// Lint keeps the layering of DESIGN.md: the runtime shows in the path.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bench-results/**', 'native-helpers/**', 'test-results/**', 'playwright-report/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-empty': ['error', { allowEmptyCatch: true }],
    },
  },
  {
    // The core is plain Node: it runs in the agent and in tests, never imports Electron or the UI.
    files: ['main/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['electron', 'electron/*'], message: 'main/core must not import electron (DESIGN.md house rule 2).' },
        { group: ['**/electron/**', '**/renderer/**', '**/agent/**'], message: 'main/core must not import a host or the UI.' },
      ] }],
    },
  },
  {
    // The renderer talks to Mamori only through the contract.
    files: ['renderer/src/**/*.ts', 'renderer/src/**/*.tsx'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['electron', 'node:*', '**/main/**', '**/preload/index*'], message: 'the renderer imports only preload/contract.' },
      ] }],
    },
  },
  {
    // The agent is a headless host: no Electron there either.
    files: ['main/agent/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['electron', 'electron/*', '**/electron/**'], message: 'the headless agent must not import electron.' },
      ] }],
    },
  },
);
