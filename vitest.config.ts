import { defineConfig } from 'vitest/config';

// One run over every Node package; each package keeps its own settings in its vitest.config.ts.
export default defineConfig({
  test: {
    projects: ['apps/*/vitest.config.ts', 'packages/*/vitest.config.ts', 'bench/vitest.config.{ts,mts}'],
  },
});
