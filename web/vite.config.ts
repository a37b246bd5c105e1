/**
 * Builds the admin portal into web/dist, which `wing start` serves at `/` and the CDK stack puts
 * in the portal's CloudFront bucket. `base: './'` keeps every asset URL relative, so the same
 * build works at the root of a local server and under any CloudFront path.
 */
import { defineConfig } from 'vite';

/** This folder, whatever the working directory of the build is (no node types in the portal). */
const webRoot = decodeURIComponent(new URL('.', import.meta.url).pathname);

export default defineConfig({
  root: webRoot,
  base: './',
  publicDir: false,
  build: {
    outDir: `${webRoot}dist`,
    emptyOutDir: true,
    target: 'es2022',
    // The portal is small: one script and one stylesheet are quicker to load than many pieces.
    cssCodeSplit: false,
    sourcemap: true,
  },
});
