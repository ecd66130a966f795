// The decisions of a deploy, as pure functions of what the probe found: where the agent goes, how it is
// supervised, what to do about Docker and Node, which hub address the host must dial, and whether it fits.
import { isIPv4, isIPv6 } from 'node:net'
import { HOME_INSTALL_NAME, type HostProbe, ROOT_INSTALL_DIR } from './host-probe'
import {
  type LocalNodeRuntime,
  MIN_NODE_MAJOR,
  nodeArchOfUname,
  type RuntimeLookup,
  unameOfNodeArch,
} from './node-runtime'

export interface Where {
  /** The host as messages name it (its address). */
  host: string
  user: string
}

export interface InstallLayout {
  kind: 'root' | 'home'
  dir: string
  /** Commands that touch the installation run through `sudo -n`. */
  sudo: boolean
  service: 'systemd' | 'supervisor'
}

export function installLayout(probe: HostProbe): InstallLayout {
  if (probe.sudo)
    return {
      kind: 'root',
      dir: ROOT_INSTALL_DIR,
      sudo: true,
      service: probe.systemd ? 'systemd' : 'supervisor',
    }
  // systemd --user would need lingering, which only an administrator can enable: the supervisor it is.
  return { kind: 'home', dir: `${probe.home}/${HOME_INSTALL_NAME}`, sudo: false, service: 'supervisor' }
}

export function installPaths(dir: string) {
  return {
    agent: `${dir}/vmm-agent.mjs`,
    node: `${dir}/node`,
    supervisor: `${dir}/agent-supervisor.sh`,
    config: `${dir}/agent.json`,
    /** The agent's own key, where it looks by default (beside --config). */
    key: `${dir}/agent.key`,
    version: `${dir}/version`,
    log: `${dir}/log/agent.log`,
  }
}

export type DockerPlan =
  | { kind: 'ready'; detail: string }
  | { kind: 'install' }
  | { kind: 'fail'; message: string }

export function planDocker(probe: HostProbe, where: Where, installDocker: boolean): DockerPlan {
  const { host, user } = where
  const docker = probe.docker
  // With sudo the agent runs as root, so root's view of the engine is the one that counts.
  const engine = probe.sudo ? docker.rootEngine : docker.userEngine
  if (engine)
    return {
      kind: 'ready',
      detail: `Docker ${engine}${probe.sudo ? ' (used as root)' : ` (used as ${user})`}`,
    }
  const installed = docker.cli !== null && (docker.socket || docker.userEngine !== null)
  if (!installed) {
    if (!probe.sudo)
      return {
        kind: 'fail',
        message: `Docker is not installed on ${host} and ${user} has no sudo to install it: install docker.io there, or deploy as a user with sudo`,
      }
    if (!installDocker)
      return {
        kind: 'fail',
        message: `Docker is not installed on ${host}: deploy again with 'install Docker' ticked, or install docker.io there`,
      }
    if (!probe.apt)
      return {
        kind: 'fail',
        message: `Docker is not installed on ${host}, and ${probe.os.name} has no apt-get to install it with: install Docker there and deploy again`,
      }
    return { kind: 'install' }
  }
  if (probe.sudo)
    return {
      kind: 'fail',
      message: `Docker is installed on ${host} but its engine does not answer: start it (sudo systemctl start docker) and deploy again`,
    }
  if (!docker.inGroup)
    return {
      kind: 'fail',
      message: `${user} cannot use Docker on ${host} (not in group 'docker') and has no sudo: run 'sudo usermod -aG docker ${user}' there, or deploy as a user with sudo`,
    }
  return {
    kind: 'fail',
    message: `${user} is in group 'docker' on ${host} but the engine does not answer: ask an administrator to start Docker there`,
  }
}

export type NodePlan =
  | { kind: 'host'; path: string; version: string }
  | { kind: 'upload'; runtime: LocalNodeRuntime; reason: string }
  | { kind: 'fail'; message: string }

export function planNode(probe: HostProbe, where: Where, local: RuntimeLookup): NodePlan {
  const { path, version, major } = probe.node
  if (path && version && major !== null && major >= MIN_NODE_MAJOR) return { kind: 'host', path, version }
  const reason =
    path && version
      ? `Node ${version} at ${path} is older than ${MIN_NODE_MAJOR}`
      : 'Node.js is not installed'
  if (!local.ok)
    return {
      kind: 'fail',
      message: `${reason} on ${where.host}. ${local.message}, or install Node.js ≥ ${MIN_NODE_MAJOR} on the host`,
    }
  if (nodeArchOfUname(probe.arch) !== local.runtime.arch)
    return {
      kind: 'fail',
      message: `${where.host} is ${probe.arch} but this VIM's Node runtime is ${unameOfNodeArch(local.runtime.arch)}: install Node.js ≥ ${MIN_NODE_MAJOR} on the host`,
    }
  return { kind: 'upload', runtime: local.runtime, reason }
}

export interface HubListener {
  port: number
  /** The address the hub is bound to, e.g. 0.0.0.0, 127.0.0.1 or 192.168.56.1. */
  boundHost: string
}

export interface SshEndpoints {
  /** The VIM's end of the SSH connection: the address the host routes back to. */
  localAddress: string
  remoteAddress: string
}

export type HubUrl = { ok: true; url: string } | { ok: false; message: string }

/** The hub's address as the host must dial it; loopback only works for a host that is this machine. */
export function hubUrlForHost(hub: HubListener, ssh: SshEndpoints, host: string): HubUrl {
  const bound = unmapped(hub.boundHost)
  const local = unmapped(ssh.localAddress)
  let address: string
  if (isLoopback(bound)) {
    if (!isLoopback(unmapped(ssh.remoteAddress)))
      return {
        ok: false,
        message: `The VIM's hub listens on ${bound} only; start the VIM with --host 0.0.0.0 (or an address ${host} can reach)`,
      }
    address = bound === 'localhost' ? '127.0.0.1' : bound
  } else if (isWildcard(bound)) {
    address = local
  } else {
    address = bound
  }
  return { ok: true, url: `wss://${isIPv6(address) ? `[${address}]` : address}:${hub.port}` }
}

function unmapped(address: string): string {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address
  return /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare)?.[1] ?? bare
}

function isLoopback(address: string): boolean {
  if (address === 'localhost') return true
  if (isIPv4(address)) return address.startsWith('127.')
  return isIPv6(address) && /^[0:]*:0*1$/.test(address)
}

function isWildcard(address: string): boolean {
  return (
    address === '' || address === '*' || address === '0.0.0.0' || (isIPv6(address) && /^[0:]+$/.test(address))
  )
}

/** Slack for logs, the workload image's build context and the config, on top of the files themselves. */
const DISK_MARGIN_BYTES = 64 * 2 ** 20

/** Why the files do not fit on the host, or null when they do (or the free space is unknown). */
export function diskShortage(
  probe: HostProbe,
  layout: InstallLayout,
  bytes: number,
  where: Where,
): string | null {
  const needKb = Math.ceil((bytes + DISK_MARGIN_BYTES) / 1024)
  const free = layout.kind === 'root' ? probe.freeKb.root : probe.freeKb.home
  const mb = (kb: number) => `${Math.round(kb / 1024)} MB`
  if (free !== null && free < needKb)
    return `${where.host} has ${mb(free)} free for ${layout.dir}; the agent needs about ${mb(needKb)}: free some space and deploy again`
  // Under sudo the files are staged in the temp directory first.
  if (layout.kind === 'root' && probe.freeKb.tmp !== null && probe.freeKb.tmp < needKb)
    return `${where.host} has ${mb(probe.freeKb.tmp)} free in its temp directory; staging the agent needs about ${mb(needKb)}: free some space and deploy again`
  return null
}

export const DEPLOY_STEPS = [
  { id: 'connect', title: 'Connect over SSH' },
  { id: 'probe', title: 'Inspect the host' },
  { id: 'docker', title: 'Docker' },
  { id: 'node', title: 'Node.js runtime' },
  { id: 'upload', title: 'Upload the agent' },
  { id: 'config', title: 'Write the configuration' },
  { id: 'service', title: 'Start the agent service' },
  { id: 'hello', title: 'Wait for the agent to connect' },
] as const

export const UNINSTALL_STEPS = [
  { id: 'connect', title: 'Connect over SSH' },
  { id: 'probe', title: 'Inspect the host' },
  { id: 'stop', title: 'Stop the agent' },
  { id: 'containers', title: 'Remove the managed containers' },
  { id: 'files', title: 'Remove the files' },
  { id: 'verify', title: 'Check that nothing is left' },
] as const

/** One line about the host for the probe step's detail. */
export function describeHost(probe: HostProbe, layout: InstallLayout): string {
  const installed = probe.installed.root ?? probe.installed.home
  return [
    `${probe.os.name}, ${probe.arch}`,
    probe.sudo ? 'passwordless sudo' : 'no sudo',
    probe.systemd ? 'systemd' : 'no systemd',
    probe.node.version ? `Node ${probe.node.version}` : 'no Node.js',
    installed
      ? `agent ${installed.version ?? '(unknown version)'} installed in ${installed.dir}`
      : 'no agent installed',
    `installs in ${layout.dir}`,
  ].join('; ')
}
