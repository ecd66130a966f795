import { resolve } from 'node:path'
import react from '@vitejs/plugin-react'
import { defineConfig } from 'electron-vite'

export default defineConfig({
  main: {
    build: {
      rollupOptions: {
        // The Electron shell and the headless entry share the Electron-free core.
        input: { index: resolve('src/main/index.ts'), headless: resolve('src/main/headless.ts') },
      },
    },
  },
  preload: {
    build: {
      rollupOptions: {
        // A sandboxed preload must be one CommonJS file.
        output: { format: 'cjs', entryFileNames: '[name].cjs', codeSplitting: false },
      },
    },
  },
  renderer: {
    plugins: [react()],
  },
})
