// One HTTP request with exactly the headers, Host and source address a test says (fetch hides or refuses
// them: Host, hop-by-hop headers, the local address).
import { type IncomingHttpHeaders, request } from 'node:http'

export interface RawReply {
  status: number
  headers: IncomingHttpHeaders
  body: string
}

export interface RawRequest {
  method?: string
  headers?: Record<string, string>
  /** The server's address (default 127.0.0.1). */
  host?: string
  /** The local address to send from. */
  from?: string
  body?: string
}

export function rawRequest(port: number, path: string, options: RawRequest = {}): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: options.host ?? '127.0.0.1',
        port,
        path,
        method: options.method ?? 'GET',
        headers: options.headers,
        agent: false,
        ...(options.from ? { localAddress: options.from } : {}),
      },
      (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (chunk) => (body += chunk))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
      },
    )
    req.on('error', reject)
    req.end(options.body)
  })
}
