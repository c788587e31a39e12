// Lint configuration: typescript-eslint's recommended rules; warnings fail `npm run verify`.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', 'coverage/', 'dist/', '.ci/node/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { languageOptions: { globals: { ...globals.node } } },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  // Layers (DESIGN §8), enforced here rather than by review: a wrong import fails `npm run verify`.
  {
    // Routes validate, call a service and render; views turn props into HTML. Neither reaches the database.
    files: ['src/routes/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/db/*', 'kysely', 'kysely/*', 'pg', 'better-sqlite3', '**/repositories/*'],
              message: 'Routes call services (src/services/); only services and repositories query.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['views/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/db/*', 'kysely', 'kysely/*', 'pg', 'better-sqlite3', '**/repositories/*'],
              message: 'Views never reach the database: props in, HTML out.',
            },
          ],
        },
      ],
    },
  },
  {
    // Catalogs and language formatting live in src/i18n, shared by pages, PDFs and mail: only routes render views.
    files: ['src/**'],
    ignores: ['src/routes/**', 'src/app.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/views/*', '**/views/**'],
              message: 'Only routes render views; shared wording is in src/i18n.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/domain/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                'node:*',
                '!node:crypto',
                '**/views/*',
                '**/views/**',
                '**/db/*',
                '**/repositories/*',
                '**/services/*',
                '**/services/**',
                '**/routes/*',
                '**/routes/**',
                '**/mail/*',
                '**/pdf/*',
                '**/signing/*',
                '**/security/*',
                'kysely',
                'pg',
                'better-sqlite3',
                'hono',
                'hono/*',
              ],
              message: 'The domain is pure rules: no I/O, no framework, no outer layer.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['db/migrations/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/src/*', '**/src/**', '../*', '!../migrations/*'],
              message: 'Migrations are frozen: they import kysely only, never app code or the current schema.',
            },
          ],
        },
      ],
    },
  },
);
