import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';

export default defineConfig({
  main: {
    build: {
      externalizeDeps: true,
      // The session process is its own entry: main starts it by file name (utilityProcess.fork).
      rollupOptions: {
        input: { index: resolve(__dirname, 'src/main/index.ts'), 'session-process': resolve(__dirname, 'src/host/session-process.ts') },
        // An optional dependency, loaded if installed (src/learning/tf.ts); absent where it cannot install.
        external: ['@tensorflow/tfjs-node'],
      },
    },
  },
  preload: {
    build: {
      externalizeDeps: true,
      // Sandboxed preloads must be CommonJS.
      rollupOptions: { output: { format: 'cjs', entryFileNames: '[name].cjs' } },
    },
  },
  renderer: {
    root: resolve(__dirname, 'src/renderer'),
    build: {
      rollupOptions: { input: resolve(__dirname, 'src/renderer/index.html') },
    },
  },
});
