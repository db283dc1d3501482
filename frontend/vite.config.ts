import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

// Django serves the built files under /static/app/ (app/settings.py) and the page under /app/ (app/spa.py).
export default defineConfig({
  base: "/static/app/",
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 1500 },
  server: { proxy: { "/api": "http://127.0.0.1:8000" } },
  test: { include: ["src/**/*.test.ts"] },
});
