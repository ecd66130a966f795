// waitForHealthy: waits through refusals and non-200 answers, and gives up with the last reason.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { expect, it } from 'vitest'
import { freeLoopbackPort } from './free-port'
import { waitForHealthy } from './health'

it('resolves once /healthz answers 200', async () => {
  let calls = 0
  const server = createServer((_req, res) => {
    calls++
    res.writeHead(calls < 3 ? 503 : 200).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  try {
    await waitForHealthy('127.0.0.1', (server.address() as AddressInfo).port, 5000, { intervalMs: 20 })
    expect(calls).toBe(3)
  } finally {
    server.close()
  }
})

it('gives up after the timeout with the last reason', async () => {
  const port = await freeLoopbackPort()
  await expect(waitForHealthy('127.0.0.1', port, 300, { intervalMs: 50 })).rejects.toThrow(
    `127.0.0.1:${port} did not become healthy within 300 ms (last: ECONNREFUSED)`,
  )
})
