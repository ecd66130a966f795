// `npm run traffic -- --url URL ...`: bundles the traffic generator's CLI (TypeScript) with esbuild and runs it.
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { build } from 'esbuild'
import { root } from './ensure-build.mjs'

// Inside the repository, so that the bundle resolves the project's node_modules (undici, hdr-histogram-js).
const outfile = join(root, 'dist', 'traffic.mjs')
await build({
  entryPoints: [join(root, 'src/main/traffic/cli.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile,
  packages: 'external',
  logLevel: 'warning',
})
await import(pathToFileURL(outfile).href)
