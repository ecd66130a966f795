// What the HAProxy data-plane tests share: the lab started with --data-plane haproxy, and HAProxy's own
// view of its servers, read from the front's Runtime API socket in the VIM's data directory.
import { join } from 'node:path'
import { findHaproxy, runtimeCommand } from '../../src/shared/haproxy/haproxy-process'
import { parseServerStats, type ServerReading } from '../../src/shared/haproxy/haproxy-stats'
import { waitFor } from '../../src/shared/testing/poll'
import type { HeadlessProcess } from '../support/headless-process'
import { type LabVim, startLabVim } from '../support/lab-vim'

export const haproxyInstalled = findHaproxy() !== undefined

export function startHaproxyLab(vms: number, settings: unknown, token: string): Promise<LabVim> {
  return startLabVim(vms, settings, token, ['--data-plane', 'haproxy'])
}

/** The front HAProxy's servers (one per VM in rotation), as `show stat` tells them. */
export async function frontServers(vim: HeadlessProcess): Promise<ServerReading[]> {
  return parseServerStats(await runtimeCommand(join(vim.dataDir, 'haproxy', 'runtime.sock'), 'show stat'))
}

/**
 * Waits until the front HAProxy holds exactly these VMs and its checks found each UP: the cluster view
 * counts a VM ready a moment before HAProxy has added its server and passed the first check.
 */
export function frontServersUp(vim: HeadlessProcess, vms: readonly string[]): Promise<ServerReading[]> {
  return waitFor(
    `the front HAProxy's servers ${vms.join(', ')} UP`,
    async () => {
      const servers = await frontServers(vim)
      const up = servers.filter((s) => s.status === 'UP').map((s) => s.id)
      return servers.length === vms.length && vms.every((vm) => up.includes(vm)) ? servers : undefined
    },
    15_000,
    100,
  )
}

/** A lab agent's HAProxy servers (one per container), from its Runtime API beside its key file. */
export async function agentServers(vim: HeadlessProcess, vm: string): Promise<ServerReading[]> {
  const socket = join(vim.dataDir, 'lab-agents', `haproxy-${vm}`, 'runtime.sock')
  return parseServerStats(await runtimeCommand(socket, 'show stat'))
}

/** Responses a server gave since it was added, all classes together. */
export const answered = (reading: ServerReading | undefined) =>
  reading ? Object.values(reading.responses).reduce((sum, n) => sum + n, 0) : 0
