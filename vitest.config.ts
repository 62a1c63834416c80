import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: ["packages/*", "apps/dashboard", "apps/dashboard/e2e", "examples"],
  },
});
