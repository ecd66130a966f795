// A loopback port that is free right now, picked by the OS. Another process could take it before it is
// bound; a replica that then fails to listen exits at once, and the agent learns of it through onExit.
import { createServer } from 'node:net'

export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port')),
      )
    })
  })
}
