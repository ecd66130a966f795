// How a lab VM's agent is launched (argv and environment) and what its output tells the provider. Pure,
// so that the rules that matter (no secret in argv, standalone without a hub) are tested without a process.
import type { LabSettings } from './lab-settings'

export type LabRuntime = 'docker' | 'process'

export interface LabAgentCommand {
  file: string
  args: string[]
  env: NodeJS.ProcessEnv
}

/**
 * Loaded into each agent before its bundle. When the IPC channel to the VIM closes, which also happens when
 * the VIM dies without closing the lab (SIGKILL, crash), the agent SIGTERMs itself and so stops (and cleans
 * up) as on stop(); lab VMs must not outlive the app that owns them. The channel is unref'd so it never
 * keeps an agent alive; a generous deadline covers an agent whose shutdown hangs.
 */
export const AGENT_PARENT_WATCHDOG = `data:text/javascript,${encodeURIComponent(
  "process.channel?.unref();process.on('disconnect',()=>{process.kill(process.pid,'SIGTERM');" +
    'setTimeout(()=>process.exit(1),60000).unref()})',
)}`

/**
 * The agent's flags for one VM. Never the join token: /proc/PID/cmdline is readable by every user. The
 * key file is the one the VIM made and pinned for this VM (see lab-keys.ts); its path is no secret.
 */
export function labAgentFlags(
  settings: LabSettings,
  vmName: string,
  runtime: LabRuntime,
  keyFile?: string,
): string[] {
  const flags = [
    '--name',
    vmName,
    '--cluster',
    settings.cluster,
    '--runtime',
    runtime,
    '--capacity',
    String(settings.capacity),
    '--cpus-per-container',
    String(settings.cpusPerContainer),
    '--memory-per-container',
    settings.memoryPerContainer,
    // Loopback on a port the OS picks: lab VMs share one host, and the VIM reads the port from the log.
    '--lb-host',
    '127.0.0.1',
    '--lb-port',
    '0',
  ]
  if (runtime === 'docker' && settings.dockerHost) flags.push('--docker-host', settings.dockerHost)
  // Whether a stop keeps them is decided when it comes (keepContainers can change while the lab runs): a
  // lab agent removes its containers on SIGTERM and leaves them on LEAVE_CONTAINERS_SIGNAL.
  flags.push('--cleanup-on-exit')
  if (settings.dataPlane === 'haproxy') flags.push('--data-plane', 'haproxy')
  if (settings.hub) {
    flags.push('--vim', settings.hub.url)
    if (settings.hub.caFingerprint) flags.push('--ca-fingerprint', settings.hub.caFingerprint)
    if (keyFile) flags.push('--key-file', keyFile)
  } else {
    flags.push('--standalone')
  }
  return flags
}

/**
 * What the agent may see of the VIM's environment: what running a program needs, nothing else. Never the
 * VIM's own secrets (ACS_TOKEN, cloud or SSH credentials in the user's shell) nor its ACS_AGENT_* variables,
 * which the agent would read as options behind the lab's back. DOCKER_HOST is passed as --docker-host.
 */
export const LAB_AGENT_ENV_ALLOWED = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'LANG',
  'LC_ALL',
  'TZ',
  'TMPDIR',
] as const

/**
 * The agent's environment: the allowed variables of the VIM's own, plus the join token, which
 * /proc/PID/environ shows only to the agent's own user (argv is readable by every user).
 */
export function labAgentEnv(
  base: NodeJS.ProcessEnv,
  settings: LabSettings,
  underElectron = process.versions.electron !== undefined,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const key of LAB_AGENT_ENV_ALLOWED) if (base[key] !== undefined) env[key] = base[key]
  if (settings.hub) env.ACS_AGENT_TOKEN = settings.hub.token
  // Inside Electron, process.execPath is the Electron binary: it runs a script only in Node mode.
  if (underElectron && settings.nodePath === process.execPath) env.ELECTRON_RUN_AS_NODE = '1'
  return env
}

export function labAgentCommand(
  settings: LabSettings,
  vmName: string,
  runtime: LabRuntime,
  baseEnv: NodeJS.ProcessEnv = process.env,
  keyFile?: string,
): LabAgentCommand {
  return {
    file: settings.nodePath,
    args: [
      '--import',
      AGENT_PARENT_WATCHDOG,
      settings.agentBundle,
      ...labAgentFlags(settings, vmName, runtime, keyFile),
    ],
    env: labAgentEnv(baseEnv, settings),
  }
}

const LOAD_BALANCER_LINE = /load balancer on http:\/\/(\S+?)\/ /
const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z /

/** `HOST:PORT` from the agent's "load balancer on http://HOST:PORT/ (…)" line, else undefined. */
export function loadBalancerAddress(line: string): string | undefined {
  return LOAD_BALANCER_LINE.exec(line)?.[1]
}

/** The agent stamps its lines; the VIM's event log stamps them again, so one stamp is dropped. */
export function withoutTimestamp(line: string): string {
  return line.replace(TIMESTAMP, '')
}
