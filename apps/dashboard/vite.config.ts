import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The admin API serves the built app at /dashboard; in development Vite proxies the API to it.
export default defineConfig({
  base: "/dashboard/",
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true },
  server: { proxy: { "/api": "http://127.0.0.1:4001" } },
});
