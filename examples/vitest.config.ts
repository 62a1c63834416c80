import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    name: "examples",
    include: ["*.e2e.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 90_000,
  },
});
