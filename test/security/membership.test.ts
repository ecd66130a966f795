// A holder of the join token, from the attacker's side: it cannot point the VIM's public traffic at the VIM's
// own ports or at a host of its choosing, and joining and leaving in bulk leaves a bounded VM list.
import { createServer, type RequestListener, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ClusterSnapshot, VmInfo } from '../../src/shared/domain/cluster'
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
      agent = await joinHub(hub.url, hub.joinToken, {
        vmName: 'elsewhere',
        lbHost: '192.0.2.10', // TEST-NET-1: not this machine, not where the agent is
        lbPort: port,
      })
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
})

describe('bounded membership', () => {
  it('300 agents that join and leave leave a bounded VM list, which is then forgotten', async () => {
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
    // The default: 120 new VMs a minute; the rest are told to come back later.
    expect(welcomed).toBeLessThanOrEqual(125)
    expect(refused.length).toBeGreaterThanOrEqual(175)
    expect(refused.every((outcome) => !outcome.welcomed && outcome.code === CloseCode.tooFrequent)).toBe(true)
    expect((await vms()).length).toBeLessThanOrEqual(125)

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
