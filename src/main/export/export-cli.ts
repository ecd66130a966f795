// `npm run export -- kubernetes [--out DIR] [--data-dir DIR]`: the cluster's workload and saved scaling policy
// as Kubernetes YAML, read from the data dir (no running app needed): to stdout, or DIR/<name>.yaml.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { version } from '../../../package.json'
import { VimSettings } from '../../shared/domain/settings'
import { describeIssues, errorMessage } from '../../shared/issues'
import { CLUSTER_ID_FILE } from '../config/cluster-id'
import { defaultDataDir } from '../config/data-dir'
import { exportCluster } from './cluster-export'

const USAGE = 'Usage: npm run export -- kubernetes [--out DIR] [--data-dir DIR]'

function fail(message: string, code: number): never {
  process.stderr.write(`export: ${message}\n`)
  process.exit(code)
}

function main(): void {
  let parsed: ReturnType<typeof parseArgs>
  try {
    parsed = parseArgs({
      args: process.argv.slice(2),
      allowPositionals: true,
      options: { out: { type: 'string' }, 'data-dir': { type: 'string' }, help: { type: 'boolean' } },
    })
  } catch (error) {
    fail(`${errorMessage(error)}\n${USAGE}`, 2)
  }
  if (parsed.values.help) return void process.stdout.write(`${USAGE}\n`)
  const [target, ...rest] = parsed.positionals
  if (target !== 'kubernetes' || rest.length > 0) fail(`the only target is 'kubernetes'\n${USAGE}`, 2)

  const dataDir =
    (parsed.values['data-dir'] as string | undefined) ?? process.env.ACS_DATA_DIR ?? defaultDataDir()
  const idFile = join(dataDir, CLUSTER_ID_FILE)
  if (!existsSync(idFile))
    fail(`no cluster in ${dataDir} yet: start the app once (npm start), or pass --data-dir`, 1)
  const clusterId = readFileSync(idFile, 'utf8').trim()
  const settingsFile = join(dataDir, 'settings.json')
  let raw: unknown = {}
  if (existsSync(settingsFile)) {
    try {
      raw = JSON.parse(readFileSync(settingsFile, 'utf8'))
    } catch (error) {
      fail(`${settingsFile} is not JSON: ${errorMessage(error)}`, 1)
    }
  }
  const settings = VimSettings.safeParse(raw)
  if (!settings.success) fail(`${settingsFile}: ${describeIssues(settings.error.issues)}`, 1)
  // Offline there are no agents to ask for their container size: the lab's default is written (see notes).
  const { yaml, notes } = exportCluster({ settings: settings.data, hellos: [], clusterId, version })
  const out = parsed.values.out as string | undefined
  if (out === undefined) return void process.stdout.write(yaml)
  mkdirSync(out, { recursive: true })
  const file = join(out, `auto-cloud-scaler-${clusterId}.yaml`)
  writeFileSync(file, yaml)
  process.stderr.write(
    `export: wrote ${file} (${notes.length} note(s) on what Kubernetes cannot say, in its header)\n`,
  )
}

main()
