// `npm run bench [-- --quick]`: bundles the benchmark suite (TypeScript) with esbuild and runs it.
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { build } from 'esbuild'
import { root } from './ensure-build.mjs'

// Inside the repository, so that the bundle resolves the project's node_modules.
const outfile = join(root, 'dist', 'bench.mjs')
await build({
  entryPoints: [join(root, 'bench/index.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile,
  packages: 'external',
  logLevel: 'warning',
})
process.argv.splice(2, 0, root)
await import(pathToFileURL(outfile).href)
