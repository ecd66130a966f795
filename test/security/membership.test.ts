// A holder of the join token, from the attacker's side: it cannot point the VIM's public traffic at the VIM's
// own ports or at a host of its choosing, and joining and leaving in bulk leaves a bounded VM list.
import { createServer, type RequestListener, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ClusterSnapshot, VmInfo } from '../../src/shared/domain/cluster'
import { generateAgentKey } from '../../src/shared/protocol/agent-identity'
import { CloseCode } from '../../src/shared/protocol/close-codes'
import { waitFor } from '../support/agent-process'
import { type HeadlessProcess, NO_CLUSTER, startHeadless } from '../support/headless-process'
import { type HubClient, joinHub } from '../support/hub-client'

let vim: HeadlessProcess
let hub: { url: string; joinToken: string }
let proxyUrl: string

async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(`${vim.baseUrl}/api/v1${path}`, {
    ...init,
    headers: { Authorization: `Bearer ${vim.token}`, 'Content-Type': 'application/json', ...init.headers },
  })
  const body = await response.json()
  if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(body)}`)
  return body as T
}

const vms = () => api<VmInfo[]>('/vms')

beforeAll(async () => {
  vim = await startHeadless([...NO_CLUSTER, '--ui-port', '0'])
  hub = await api('/hub')
  proxyUrl = (await api<ClusterSnapshot>('/cluster')).proxyUrl as string
})

afterAll(async () => {
  await vim?.stop()
})

describe('where public traffic goes', () => {
  // The agent key of the VM 'elsewhere', which two tests join as.
  const elsewhereKey = generateAgentKey()

  it("refuses an agent that advertises one of the VIM's own ports, and the proxy never answers as the VIM", async () => {
    const ports = [Number(vim.uiUrl.port), Number(new URL(proxyUrl).port), Number(new URL(hub.url).port)]
    for (const [i, port] of ports.entries()) {
      const agent = await joinHub(hub.url, hub.joinToken, {
        vmName: `own-port-${i}`,
        lbHost: '127.0.0.1',
        lbPort: port,
      })
      expect(agent.outcome).toMatchObject({ welcomed: false, code: CloseCode.addressRefused })
      expect(agent.outcome.welcomed || agent.outcome.reason).toContain("VIM's own ports")
    }
    const response = await fetch(`${proxyUrl}/api/v1/health`)
    expect(response.status).toBe(503)
    expect(await response.text()).toContain('No VM is ready')
    expect((await vms()).map((vm) => vm.name)).toEqual([])
  })

  it('sends traffic to the address the agent connected from, not to the host it names', async () => {
    // The agent's "load balancer": a real server on this machine, where its hub connection comes from.
    const backend = await listen((_req, res) => res.end('from the agent\n'))
    const port = (backend.address() as AddressInfo).port
    let agent: HubClient | undefined
    try {
      agent = await joinHub(
        hub.url,
        hub.joinToken,
        {
          vmName: 'elsewhere',
          lbHost: '192.0.2.10', // TEST-NET-1: not this machine, not where the agent is
          lbPort: port,
        },
        { key: elsewhereKey },
      )
      expect(agent.outcome.welcomed).toBe(true)
      agent.report(1)
      const vm = await waitFor(
        'the VM ready',
        async () => {
          const found = (await vms()).find((v) => v.name === 'elsewhere')
          return found?.status === 'ready' ? found : undefined
        },
        10_000,
      )
      expect(vm.address).toBe(`127.0.0.1:${port}`)
      const answer = await fetch(`${proxyUrl}/`)
      expect(answer.status).toBe(200)
      expect(await answer.text()).toBe('from the agent\n')
    } finally {
      await agent?.close()
      await new Promise((resolve) => backend.close(resolve))
    }
  })
  it('moves a live VM to the address the user sets, and back, under load without a failed request', async () => {
    const agentLb = await listen((_req, res) => res.end('direct\n'))
    const forward = await listen((_req, res) => res.end('forwarded\n'))
    const port = (server: Server) => (server.address() as AddressInfo).port
    const setOverrides = (addressOverrides: { vm: string; address: string }[]) =>
      api('/policy', { method: 'PUT', body: JSON.stringify({ membership: { addressOverrides } }) })
    let agent: HubClient | undefined
    try {
      // The VM of the test before (known, so it takes nothing from the new-VM budget the next test counts).
      agent = await joinHub(
        hub.url,
        hub.joinToken,
        { vmName: 'elsewhere', lbPort: port(agentLb) },
        { key: elsewhereKey },
      )
      agent.report(1)
      await waitFor(
        'the VM ready',
        async () =>
          (await vms()).find((v) => v.name === 'elsewhere')?.status === 'ready' ? true : undefined,
        10_000,
      )
      // Open loop: 20 requests a second for 4 s, whatever the answers do; every outcome is kept.
      const outcomes = Array.from({ length: 80 }, (_, i) =>
        new Promise<void>((resolve) => setTimeout(resolve, i * 50)).then(async () => {
          try {
            const response = await fetch(`${proxyUrl}/`)
            return `${response.status} ${(await response.text()).trim()}`
          } catch (error) {
            return `failed: ${(error as Error).message}`
          }
        }),
      )
      await new Promise((resolve) => setTimeout(resolve, 1000))
      await setOverrides([{ vm: 'elsewhere', address: `127.0.0.1:${port(forward)}` }])
      await new Promise((resolve) => setTimeout(resolve, 1500))
      await setOverrides([])
      const answers = await Promise.all(outcomes)
      expect(answers.filter((answer) => !answer.startsWith('200 '))).toEqual([])
      expect(new Set(answers)).toEqual(new Set(['200 direct', '200 forwarded']))
    } finally {
      await setOverrides([])
      await agent?.close()
      await Promise.all([agentLb, forward].map((server) => new Promise((resolve) => server.close(resolve))))
    }
  })
})

describe('bounded membership', () => {
  it('300 agents that join and leave leave a bounded VM list, which is then forgotten', async () => {
    const before = (await vms()).length
    const started = Date.now()
    const outcomes: HubClient['outcome'][] = []
    for (let batch = 0; batch < 300; batch += 20) {
      const clients = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          joinHub(hub.url, hub.joinToken, { vmName: `drifter-${batch + i}` }),
        ),
      )
      outcomes.push(...clients.map((client) => client.outcome))
      await Promise.all(clients.map((client) => client.close()))
    }
    const welcomed = outcomes.filter((outcome) => outcome.welcomed).length
    const refused = outcomes.filter((outcome) => !outcome.welcomed)
    // The default: a burst of 120 new VMs, then 2 a second; the rest are told to come back later.
    const bound = 120 + Math.ceil(((Date.now() - started) / 1000) * 2)
    expect(welcomed).toBeLessThanOrEqual(bound)
    expect(refused.length).toBeGreaterThanOrEqual(300 - bound)
    expect(refused.every((outcome) => !outcome.welcomed && outcome.code === CloseCode.tooFrequent)).toBe(true)
    expect((await vms()).length).toBeLessThanOrEqual(before + bound)

    // Nobody knows these VMs: with no grace period left they are forgotten, each with an event.
    await api('/policy', { method: 'PUT', body: JSON.stringify({ membership: { forgetAfterSeconds: 0 } }) })
    await waitFor('the VMs forgotten', async () => ((await vms()).length === 0 ? true : undefined), 15_000)
    const events = await api<{ message: string }[]>('/events?limit=500')
    expect(events.some((event) => /drifter-\d+: forgotten/.test(event.message))).toBe(true)
  })
})

function listen(handler: RequestListener): Promise<Server> {
  const server = createServer(handler)
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)))
}
