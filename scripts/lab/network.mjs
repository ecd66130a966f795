// The lab's network: a bridge with the gateway address, per host a network namespace whose eth0 is a veth
// on it (no default route), the iptables rule for bridged traffic; what of it exists, and its removal.
import { readFileSync } from 'node:fs'
import net from 'node:net'
import { LabError, log } from './log.mjs'
import { findCommand, run, runAsync } from './run.mjs'

/** The file `ip netns` keeps a network namespace by, for nsenter --net. */
export const netnsFile = (netns) => `/var/run/netns/${netns}`

const netnsLines = () => run('ip', ['netns', 'list'], { allowFail: true }).stdout.split('\n')
const linkLines = () => run('ip', ['-o', 'link', 'show'], { allowFail: true }).stdout.split('\n')

/** Whether any namespace or interface of lab `name` exists (a lab half made or half removed). */
export function networkExists(name, names) {
  return (
    netnsLines().some((line) => line.startsWith(names.netns(''))) ||
    linkLines().some((line) => new RegExp(`^\\d+: (${names.bridge}|${name}v\\d+)[@:]`).test(line))
  )
}

/** Host numbers that have a network namespace or a veth of lab `name`. */
export function hostIndicesOnNetwork(name) {
  const indices = []
  for (const line of netnsLines()) {
    const match = new RegExp(`^${name}-h(\\d+)(\\s|$)`).exec(line)
    if (match) indices.push(Number(match[1]))
  }
  for (const line of linkLines()) {
    const match = new RegExp(`^\\d+: ${name}v(\\d+)[@:]`).exec(line)
    if (match) indices.push(Number(match[1]))
  }
  return indices
}

/** The bridge with the gateway address, and the rule that lets its traffic through. */
export function makeBridge(name, bridge, gateway) {
  run('ip', ['link', 'add', bridge, 'type', 'bridge'])
  run('ip', ['addr', 'add', `${gateway}/24`, 'dev', bridge])
  run('ip', ['link', 'set', bridge, 'up'])
  allowBridgedTraffic(name, bridge)
}

/** Lets bridged traffic between hosts pass the FORWARD chain when bridged frames go through iptables. */
function allowBridgedTraffic(name, bridge) {
  let callsIptables = false
  try {
    callsIptables = readFileSync('/proc/sys/net/bridge/bridge-nf-call-iptables', 'utf8').trim() === '1'
  } catch {}
  if (!callsIptables) return
  if (!findCommand('iptables')) {
    log('iptables not found: traffic between lab hosts may be dropped (apt-get install iptables)')
    return
  }
  // DOCKER-USER, where Docker made it, runs before Docker's own rules: the chain it leaves to others.
  const chain =
    run('iptables', ['-S', 'DOCKER-USER'], { allowFail: true }).code === 0 ? 'DOCKER-USER' : 'FORWARD'
  run('iptables', [
    '-I',
    chain,
    '-i',
    bridge,
    '-o',
    bridge,
    '-m',
    'comment',
    '--comment',
    `acs-lab:${name}`,
    '-j',
    'ACCEPT',
  ])
}

function removeBridgeRules(name) {
  if (!findCommand('iptables')) return
  for (const chain of ['DOCKER-USER', 'FORWARD']) {
    const rules = run('iptables', ['-S', chain], { allowFail: true }).stdout.split('\n')
    for (const rule of rules) {
      const args = rule.replace(/"/g, '').split(' ')
      if (args[0] !== '-A' || !args.includes(`acs-lab:${name}`)) continue
      args[0] = '-D'
      run('iptables', args, { allowFail: true })
    }
  }
}

/** The host's network namespace and its end of a veth pair on the bridge. No default route. */
export function connectHost(host, names) {
  run('ip', ['netns', 'add', host.name])
  run('ip', [
    'link',
    'add',
    names.veth(host.index),
    'type',
    'veth',
    'peer',
    'name',
    'eth0',
    'netns',
    host.name,
  ])
  run('ip', ['link', 'set', names.veth(host.index), 'master', names.bridge, 'up'])
  run('ip', ['-n', host.name, 'addr', 'add', `${host.address}/24`, 'dev', 'eth0'])
  run('ip', ['-n', host.name, 'link', 'set', 'eth0', 'up'])
  run('ip', ['-n', host.name, 'link', 'set', 'lo', 'up'])
}

/** Removes the hosts' namespaces and veths, the bridge and the rule; what is already gone is skipped. */
export function removeNetwork(name, names, hosts) {
  for (const host of hosts) {
    run('ip', ['netns', 'delete', host.netns], { allowFail: true })
    run('ip', ['link', 'delete', host.veth], { allowFail: true })
  }
  run('ip', ['link', 'delete', names.bridge], { allowFail: true })
  removeBridgeRules(name)
}

/** Each host reaches the gateway address (where the VIM's hub and proxy listen). */
export async function checkGateway(gateway, hostList) {
  const server = net.createServer((socket) => {
    socket.on('error', () => {})
    socket.end()
  })
  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, gateway, resolve)
  })
  const { port } = server.address()
  try {
    for (const host of hostList) {
      const { code, output } = await runAsync('nsenter', [
        `--net=${netnsFile(host.name)}`,
        '/bin/bash',
        '-c',
        `exec 3<>/dev/tcp/${gateway}/${port}`,
      ])
      if (code !== 0) throw new LabError(`${host.name} cannot reach the gateway ${gateway}: ${output.trim()}`)
    }
  } finally {
    server.close()
  }
}
