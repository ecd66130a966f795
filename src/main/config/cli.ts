// Command-line options of the VIM core (headless mode and the desktop app share them).
import { isIP } from 'node:net'
import { parseArgs } from 'node:util'
import { wholeNumber } from '../../shared/cli-values'
import { LAB_RUNTIMES, type LabRuntime, MAX_LAB_VMS } from '../../shared/domain/settings'
import { DATA_PLANES, type DataPlaneKind } from '../../shared/haproxy/data-plane'
import { LAB_PREFIX_PATTERN } from '../../shared/names'

export type Runtime = LabRuntime

export interface VimOptions {
  host: string
  uiPort: number
  proxyPort: number
  hubPort: number
  /** Undefined: the platform's default data directory. */
  dataDir: string | undefined
  /** Undefined: the setting lab.vms, else a lab of 2 VMs. */
  lab: number | undefined
  /** Lab VM names are `<prefix>-1`, … Undefined: the setting lab.namePrefix, else `lab-` + 4 characters of the cluster id. */
  labPrefix: string | undefined
  /** Undefined: the setting lab.runtime, else auto. */
  runtime: Runtime | undefined
  /** Host names besides the bound address and loopback under which the UI and API answer. */
  allowedHosts: string[]
  /** Undefined: the setting proxy.dataPlane (embedded unless set). */
  dataPlane?: DataPlaneKind | undefined
}

export const DEFAULTS = { host: '127.0.0.1', uiPort: 17000, proxyPort: 18080, hubPort: 17070 } as const
/** The agent's rule for --name, leaving room for "-64". */

export const USAGE = `Usage: npm run serve -- [options]

  --host ADDR         address to bind the UI, proxy and hub (default ${DEFAULTS.host})
  --ui-port N         port of the UI and control API (default ${DEFAULTS.uiPort}; 0 picks a free port)
  --proxy-port N      port of the front load balancer (default ${DEFAULTS.proxyPort})
  --hub-port N        port agents connect to (default ${DEFAULTS.hubPort})
  --data-dir DIR      where settings, the API token and certificates live
  --lab N             start a local lab of N VMs (0 turns it off; at most ${MAX_LAB_VMS};
                      default: Settings → Lab, else 2)
  --lab-prefix P      lab VM names P-1, P-2, … (default lab-XXXX, from this data dir's cluster id)
  --runtime R         lab container runtime: auto, docker or process
                      (default: Settings → Lab, else auto)
  --data-plane P      embedded (Node) or haproxy (HAProxy, where installed) for the front proxy and
                      the lab's agents (default: settings.json proxy.dataPlane, else embedded)
  --allowed-host NAME another name the UI and API answer to (repeatable; e.g. vim.lab.example)
  -h, --help          show this help

Environment: ACS_TOKEN sets the API token; ACS_DATA_DIR sets the data directory;
ACS_ALLOWED_HOSTS adds allowed host names (comma-separated).`

export type ParsedCli =
  | { kind: 'run'; options: VimOptions }
  | { kind: 'help' }
  | { kind: 'error'; message: string }

export function parseVimArgs(argv: readonly string[], env: NodeJS.ProcessEnv = {}): ParsedCli {
  let values: Record<string, string | boolean | string[] | undefined>
  try {
    values = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        host: { type: 'string' },
        'ui-port': { type: 'string' },
        'proxy-port': { type: 'string' },
        'hub-port': { type: 'string' },
        'data-dir': { type: 'string' },
        lab: { type: 'string' },
        'lab-prefix': { type: 'string' },
        runtime: { type: 'string' },
        'data-plane': { type: 'string' },
        'allowed-host': { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' },
      },
    }).values
  } catch (error) {
    return { kind: 'error', message: `${(error as Error).message.split('\n')[0]} (see --help)` }
  }
  if (values.help) return { kind: 'help' }

  try {
    const runtime = values.runtime as string | undefined
    if (runtime !== undefined && !(LAB_RUNTIMES as readonly string[]).includes(runtime)) {
      throw new Error(`--runtime must be one of ${LAB_RUNTIMES.join(', ')}, not '${runtime}'`)
    }
    const lab =
      values.lab === undefined ? undefined : wholeNumber('--lab', String(values.lab), 0, MAX_LAB_VMS)
    const labPrefix = values['lab-prefix'] as string | undefined
    if (labPrefix !== undefined && !LAB_PREFIX_PATTERN.test(labPrefix))
      throw new Error(
        `--lab-prefix '${labPrefix}' must be letters, digits, '.', '_' or '-' (at most 59), starting with a letter or digit`,
      )
    const dataPlane = values['data-plane'] as string | undefined
    if (dataPlane !== undefined && !(DATA_PLANES as readonly string[]).includes(dataPlane))
      throw new Error(`--data-plane must be one of ${DATA_PLANES.join(', ')}, not '${dataPlane}'`)
    const host = (values.host as string | undefined) ?? DEFAULTS.host
    if (host.trim() === '') throw new Error('--host must not be empty')
    const dataDir = (values['data-dir'] as string | undefined) ?? env.ACS_DATA_DIR
    return {
      kind: 'run',
      options: {
        host,
        uiPort: portOption('--ui-port', values['ui-port'], DEFAULTS.uiPort),
        proxyPort: portOption('--proxy-port', values['proxy-port'], DEFAULTS.proxyPort),
        hubPort: portOption('--hub-port', values['hub-port'], DEFAULTS.hubPort),
        dataDir: dataDir === '' ? undefined : dataDir,
        lab,
        labPrefix,
        runtime: runtime as Runtime | undefined,
        ...(dataPlane !== undefined ? { dataPlane: dataPlane as DataPlaneKind } : {}),
        allowedHosts: allowedHostsOption(
          values['allowed-host'] as string[] | undefined,
          env.ACS_ALLOWED_HOSTS,
        ),
      },
    }
  } catch (error) {
    return { kind: 'error', message: (error as Error).message }
  }
}

function portOption(flag: string, value: unknown, fallback: number): number {
  return value === undefined ? fallback : wholeNumber(flag, String(value), 0, 65535)
}

/** `--allowed-host` values and ACS_ALLOWED_HOSTS (comma-separated), each a bare host name or address. */
function allowedHostsOption(flags: string[] | undefined, fromEnv: string | undefined): string[] {
  const names = [...(flags ?? []), ...(fromEnv ?? '').split(',')].map((name) => name.trim())
  const given = names.filter((name) => name !== '')
  for (const name of given) {
    const bare = name.startsWith('[') && name.endsWith(']') ? name.slice(1, -1) : name
    if (isIP(bare) === 0 && !/^[A-Za-z0-9.-]+$/.test(name)) {
      throw new Error(
        `--allowed-host / ACS_ALLOWED_HOSTS: '${name}' is not a host name or address (no port, no scheme)`,
      )
    }
  }
  return [...new Set(given)]
}
