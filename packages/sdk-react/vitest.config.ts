import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    name: "sdk-react",
    include: ["test/**/*.test.tsx"],
    environment: "happy-dom",
    globalSetup: ["../server/test/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
