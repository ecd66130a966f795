// Headless mode: the VIM core in plain Node, with the renderer served to any browser.
import { join } from 'node:path'
import { startHttpApiServer } from './api/http-server'
import { resolveApiToken } from './config/api-token'
import { parseVimArgs, USAGE } from './config/cli'
import { defaultDataDir, prepareDataDir } from './config/data-dir'
import { isLoopbackBind, isWildcardHost } from './config/listen-address'
import { startCore } from './core'
import { log } from './log'

const rendererDir = join(import.meta.dirname, '../renderer')
const agentBundle = join(import.meta.dirname, '../../dist/vmm-agent.mjs')

export async function runHeadless(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  const parsed = parseVimArgs(argv, env)
  if (parsed.kind === 'help') {
    process.stdout.write(`${USAGE}\n`)
    return
  }
  if (parsed.kind === 'error') return fail(parsed.message, 2)

  const { uiPort, dataDir: requestedDataDir, allowedHosts, ...coreOptions } = parsed.options
  const dataDir = prepareDataDir(requestedDataDir ?? defaultDataDir(env))
  const token = resolveApiToken(dataDir, env)
  let core: Awaited<ReturnType<typeof startCore>>
  // The UI's port is the VIM's own too: no agent may have public traffic sent there.
  let uiPortBound = uiPort
  try {
    core = await startCore({ ...coreOptions, dataDir, agentBundle, otherOwnPorts: () => [uiPortBound] })
  } catch (error) {
    return fail((error as Error).message, 1)
  }

  let http: Awaited<ReturnType<typeof startHttpApiServer>>
  try {
    http = await startHttpApiServer({
      api: core.api,
      feed: core.feed,
      token,
      rendererDir,
      host: coreOptions.host,
      port: uiPort,
      allowedHosts,
      metrics: () => core.metrics.render(),
    })
  } catch (error) {
    await core.stop()
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EADDRINUSE') {
      return fail(
        `Port ${uiPort} on ${coreOptions.host} is in use: stop the other program or pass --ui-port N (0 picks a free port).`,
        1,
      )
    }
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') {
      return fail(
        `Cannot listen on ${coreOptions.host}: no such local address. Pass --host with an address of this machine.`,
        1,
      )
    }
    throw error
  }

  uiPortBound = http.port
  // Before the UI line, where a person looks.
  if (!isLoopbackBind(coreOptions.host)) {
    const warning = exposureWarning(coreOptions.host, http.port)
    log.warn(warning)
    core.events.append({ kind: 'vm', message: warning })
  }
  process.stdout.write(
    `UI: http://${displayHost(coreOptions.host)}:${http.port}/?token=${encodeURIComponent(token)}\n`,
  )
  log.info(`data directory ${dataDir}; front proxy ${core.proxyUrl}; agent hub ${core.hubUrl}`)

  let stopping = false
  const stop = async (signal: string) => {
    if (stopping) return
    stopping = true
    log.info(`${signal}: shutting down`)
    // Each step is bounded (the lab's agents, then its leftover containers); this bounds the whole, so that
    // a hung step never keeps the terminal waiting.
    setTimeout(() => {
      log.error(`${signal}: not stopped within ${EXIT_DEADLINE_MS / 1000} s; exiting anyway`)
      process.exit(1)
    }, EXIT_DEADLINE_MS).unref()
    await http.close()
    await core.stop()
    process.exit(0)
  }
  process.on('SIGINT', () => void stop('SIGINT'))
  process.on('SIGTERM', () => void stop('SIGTERM'))
}

/** Longer than the lab's own bounds (an agent's 20 s stop, SIGKILL, a 15 s sweep of its containers). */
const EXIT_DEADLINE_MS = 60_000

/** Said at start whenever the VIM is reachable from beyond this machine. */
export function exposureWarning(host: string, uiPort: number): string {
  const where = isWildcardHost(host) ? `every address of this machine (${host})` : displayHost(host)
  return (
    `The control API (port ${uiPort}), front proxy and hub are reachable from the network at ${where}; ` +
    'anyone who can reach them and holds the API token controls the cluster. ' +
    'Pass --host 127.0.0.1 to keep them on this machine.'
  )
}

/** The address a person can open: a wildcard bind is reachable on loopback; IPv6 needs brackets. */
function displayHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1'
  return host.includes(':') ? `[${host}]` : host
}

function fail(message: string, exitCode: number): void {
  process.stderr.write(`acs: ${message}\n`)
  process.exitCode = exitCode
}
