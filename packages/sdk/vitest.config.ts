import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    name: "sdk",
    include: ["test/**/*.test.ts"],
    globalSetup: ["../server/test/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
