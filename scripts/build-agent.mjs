// Bundles the VMM agent into one file, dist/vmm-agent.mjs, that runs with only Node ≥ 18 and Docker on a
// VM. The workload server is bundled first and embedded, so the agent can build its image offline.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { hashSources, root } from './ensure-build.mjs'

export const agentBundle = join(root, 'dist', 'vmm-agent.mjs')
/** The workload server alone (one CommonJS file), from which the VIM builds the Swarm service's image. */
export const workloadBundle = join(root, 'dist', 'workload-server.cjs')
const stampFile = join(root, 'dist', '.agent-stamp')
const inputs = ['vmm-agent', 'src/shared', 'package-lock.json', 'scripts/build-agent.mjs']

const common = {
  bundle: true,
  platform: 'node',
  target: 'node18',
  legalComments: 'none',
  logLevel: 'warning',
}

/**
 * The shipped agent embeds its workload, so the on-the-fly bundler (workload/bundle.ts, which needs
 * esbuild from node_modules) is replaced by a stub: a VM has Node and nothing else.
 */
const embeddedWorkloadOnly = {
  name: 'embedded-workload-only',
  setup(build) {
    build.onResolve({ filter: /^\.\/bundle$/ }, (args) =>
      args.importer.endsWith(join('workload', 'source.ts'))
        ? { path: 'bundle', namespace: 'acs-stub' }
        : undefined,
    )
    build.onLoad({ filter: /.*/, namespace: 'acs-stub' }, () => ({
      contents:
        "export function bundleWorkloadServer() { throw new Error('the shipped agent embeds its workload') }",
      loader: 'js',
    }))
  },
}

export async function buildAgent() {
  const workload = await build({
    ...common,
    entryPoints: [join(root, 'vmm-agent/workload/main.ts')],
    format: 'cjs',
    write: false,
  })
  mkdirSync(dirname(workloadBundle), { recursive: true })
  writeFileSync(workloadBundle, workload.outputFiles[0].text)
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
  await build({
    ...common,
    entryPoints: [join(root, 'vmm-agent/main.ts')],
    format: 'esm',
    outfile: agentBundle,
    define: {
      __ACS_WORKLOAD_SOURCE__: JSON.stringify(workload.outputFiles[0].text),
      __ACS_AGENT_VERSION__: JSON.stringify(version),
    },
    // The native addons are ssh2's optional ones.
    external: ['cpu-features', '*.node'],
    plugins: [embeddedWorkloadOnly],
    // Bundled CommonJS dependencies call require() for Node built-ins and read __dirname.
    banner: {
      js: [
        "import { createRequire as __acsRequire } from 'node:module'",
        "import { fileURLToPath as __acsPath } from 'node:url'",
        "import { dirname as __acsDirname } from 'node:path'",
        'const require = __acsRequire(import.meta.url)',
        'const __filename = __acsPath(import.meta.url)',
        'const __dirname = __acsDirname(__filename)',
      ].join(';'),
    },
  })
}

/** Builds when the agent's sources changed since the last build; returns the bundle's path. */
export async function ensureAgentBuild() {
  const hash = hashSources(inputs)
  if (
    !existsSync(agentBundle) ||
    !existsSync(workloadBundle) ||
    !existsSync(stampFile) ||
    readFileSync(stampFile, 'utf8') !== hash
  ) {
    process.stderr.write('Building the VMM agent bundle…\n')
    await buildAgent()
    writeFileSync(stampFile, hash)
  }
  return agentBundle
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await ensureAgentBuild()
