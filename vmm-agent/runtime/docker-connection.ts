// Connects to a Docker Engine and explains, in words a person can act on, why it cannot be reached.
import Docker from 'dockerode'

export const DEFAULT_DOCKER_HOST = 'unix:///var/run/docker.sock'

export interface DockerConnection {
  docker: Docker
  /** The address as a person would write it, for messages. */
  address: string
}

/** `unix:///path`, a bare socket path, or `tcp://host:port` (default: DOCKER_HOST, then the local socket). */
export function connectDocker(dockerHost?: string): DockerConnection {
  const address = dockerHost || process.env.DOCKER_HOST || DEFAULT_DOCKER_HOST
  if (address.startsWith('/'))
    return { docker: new Docker({ socketPath: address }), address: `unix://${address}` }
  if (address.startsWith('unix://'))
    return { docker: new Docker({ socketPath: address.slice('unix://'.length) }), address }
  const tcp = /^(tcp|http|https):\/\/([^:/]+|\[[^\]]+\]):(\d+)\/?$/.exec(address)
  if (tcp)
    return {
      docker: new Docker({
        protocol: tcp[1] === 'https' ? 'https' : 'http',
        host: tcp[2],
        port: Number(tcp[3]),
      }),
      address,
    }
  throw new Error(
    `Docker host '${address}' is not understood: use unix:///var/run/docker.sock or tcp://host:2375`,
  )
}

/** Why the engine did not answer, as advice. */
export function unreachableMessage(address: string, error: unknown): string {
  const err = error as NodeJS.ErrnoException
  const why =
    err.code === 'EACCES'
      ? "permission denied on the socket: run the agent as root or add its user to the 'docker' group"
      : err.code === 'ENOENT'
        ? 'the socket does not exist: is dockerd running? Start it (sudo systemctl start docker)'
        : `is dockerd running? (${err.code ?? err.message})`
  return `Docker is not reachable at ${address}: ${why}; or point the agent at another engine with DOCKER_HOST.`
}

/** Pings the engine; a dead TCP host must not hang the agent's start. */
export async function pingDocker(connection: DockerConnection, timeoutMs = 5000): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })),
      timeoutMs,
    )
  })
  try {
    await Promise.race([connection.docker.ping(), timeout])
  } catch (error) {
    throw new Error(unreachableMessage(connection.address, error))
  } finally {
    clearTimeout(timer)
  }
}

/** Docker API errors carry the HTTP status; the agent treats 404 and 304 as "already done". */
export function dockerStatus(error: unknown): number | undefined {
  return (error as { statusCode?: number }).statusCode
}

/** The engine's own words, without dockerode's "(HTTP code 409) unexpected - " prefix. */
export function dockerMessage(error: unknown): string {
  const err = error as { json?: { message?: string }; message?: string }
  return err.json?.message ?? err.message ?? String(error)
}
