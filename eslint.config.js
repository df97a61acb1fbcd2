import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules', 'drizzle', 'web/dist', 'dist', 'coverage', '.kemai', 'bench/.work'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/modules/*/db/*', '**/modules/*/domain/*', '**/modules/*/http/*', '**/modules/*/*.service.js'],
              message: 'Import another module only through its index.ts (ARCHITECTURE.md).',
            },
          ],
        },
      ],
    },
  },
  {
    // Inside a module its own folders are fair game; the rule above guards the borders.
    files: ['src/modules/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
);
