// Lint rules: typescript-eslint's recommended set plus the limits from STYLE.md.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'coverage/', '.tmp/', 'test-artifacts/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly', Buffer: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly', fetch: 'readonly', performance: 'readonly', structuredClone: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly', queueMicrotask: 'readonly' } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'max-params': ['error', 5],
      'max-depth': ['error', 4],
      'no-restricted-syntax': ['error',
        { selector: 'TSEnumDeclaration', message: 'Use a union of string literals: only erasable syntax.' },
        { selector: 'TSModuleDeclaration[kind="namespace"]', message: 'No namespaces: only erasable syntax.' },
        { selector: 'TSParameterProperty', message: 'No parameter properties: only erasable syntax.' },
      ],
    },
  },
  {
    // A journal append is a promise: the step it records waits for it (write-ahead). Typed linting, engine only,
    // so an unawaited `record(...)` cannot slip in; the rest of the code is linted without types (faster).
    files: ['src/engine/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: { '@typescript-eslint/no-floating-promises': 'error' },
  },
);
