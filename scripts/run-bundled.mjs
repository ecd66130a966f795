// Runs a TypeScript entry of the repository (a CLI, the benchmarks) in plain Node: esbuild bundles it into
// dist/ — inside the repository, so that the bundle resolves the project's node_modules — and imports it.
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { build } from 'esbuild'
import { root } from './ensure-build.mjs'

export async function runBundled(entry, outName) {
  const outfile = join(root, 'dist', outName)
  await build({
    entryPoints: [join(root, entry)],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    packages: 'external',
    logLevel: 'warning',
  })
  await import(pathToFileURL(outfile).href)
}
