// Bundles the workload server into the single CommonJS file that the workload image runs. For tests and
// development: esbuild is a devDependency, so the shipped agent embeds the bundle instead of calling this.
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const workloadDir = dirname(fileURLToPath(import.meta.url))

export async function bundleWorkloadServer(): Promise<string> {
  const result = await build({
    entryPoints: [join(workloadDir, 'main.ts')],
    bundle: true,
    write: false,
    platform: 'node',
    format: 'cjs',
    target: 'node18',
    legalComments: 'none',
    logLevel: 'silent',
  })
  const output = result.outputFiles[0]
  if (!output) throw new Error('esbuild produced no output for the workload server')
  return output.text
}
