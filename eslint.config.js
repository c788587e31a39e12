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
  {
    // Routes validate, call a service and render; views turn props into HTML. Neither reaches the database.
    files: ['src/routes/**', 'views/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'kysely', message: 'Routes and views call services; only services and repositories query.' }],
          patterns: [
            {
              group: ['**/repositories/*', '**/db/*'],
              message: 'Routes and views call services (src/services/); only services and repositories query.',
            },
          ],
        },
      ],
    },
  },
);
