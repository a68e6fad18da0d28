import tseslint from 'typescript-eslint';
import { packageBoundaries } from './scripts/eslint/package-boundaries.js';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', 'bench/peers/**', 'bench/results/**'] },
  {
    files: ['packages/**/*.ts', 'bench/**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: {
      '@typescript-eslint': tseslint.plugin,
      'open-smooth': { rules: { 'package-boundaries': packageBoundaries } },
    },
    linterOptions: { reportUnusedDisableDirectives: 'off' },
    rules: {
      'open-smooth/package-boundaries': 'error',
    },
  },
  {
    // A promise nobody awaits loses its rejection, and an unhandled rejection exits the server.
    // (Tests are left out: node:test's test() returns a promise the runner itself tracks.)
    files: ['packages/*/src/**/*.ts'],
    rules: { '@typescript-eslint/no-floating-promises': 'error' },
  },
);
