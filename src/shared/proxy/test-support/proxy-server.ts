// The client side in front of a balanced proxy in tests: the lean server as the front proxy and the
// agent's balancer run it (plain requests answered on the socket, the rest by node:http), or node:http
// alone, so that every behaviour is checked on both.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { BalancedProxy } from '../balanced-proxy'
import { serveLean } from '../lean-server'

export type ClientSide = 'lean' | 'node:http'
export const CLIENT_SIDES: readonly ClientSide[] = ['lean', 'node:http']

export interface ProxyServer {
  server: Server
  port: number
  url: string
  /** Ends every connection, closes the server and the proxy. */
  close(): Promise<void>
}

export async function proxyServer(proxy: BalancedProxy, side: ClientSide): Promise<ProxyServer> {
  const server = createServer((req, res) => proxy.web(req, res))
  server.on('upgrade', (req, socket, head) => proxy.upgrade(req, socket, head))
  const lean = side === 'lean' ? serveLean(server, { takes: () => true, handle: proxy.web }) : undefined
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return {
    server,
    port,
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      const closed = new Promise((resolve) => server.close(resolve))
      if (lean) lean.closeAll()
      else server.closeAllConnections()
      await closed
      proxy.close()
    },
  }
}
