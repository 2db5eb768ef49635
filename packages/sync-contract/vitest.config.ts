import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: '@vhd/sync-contract',
    include: ['test/**/*.test.ts'],
  },
});
