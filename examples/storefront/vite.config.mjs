import { defineConfig } from "vite";

// The storefront is a static page: `npm run example:storefront` serves it on port 5051 (PORT to
// change), and VITE_MERCHANT_URL says where the merchant's server is (http://127.0.0.1:5050).
export default defineConfig({
  server: { host: "127.0.0.1", port: Number(process.env.PORT ?? 5051), strictPort: true },
});
