// Finds the sshd processes serving one SSH connection on a lab host, by the connection's client port in
// that host's network namespace, so that a test can cut exactly that session (never sshd by name).
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** Pids of the processes holding the socket of the connection from `clientPort` to the host's port 22. */
export async function sshdPidsOfConnection(netns: string, clientPort: number): Promise<number[]> {
  const { stdout } = await run('ip', [
    'netns',
    'exec',
    netns,
    'ss',
    '-Htnp',
    'state',
    'established',
    `( sport = :22 and dport = :${clientPort} )`,
  ])
  return [...stdout.matchAll(/pid=(\d+)/g)].map((match) => Number(match[1]))
}

/** The client port the deploy logged when it connected ("… from 10.231.0.1:54321; host key …"). */
export function clientPortFromLog(lines: readonly { step: string; text: string }[]): number | undefined {
  for (const line of lines) {
    const match = line.step === 'connect' ? /from [\d.]+:(\d+);/.exec(line.text) : null
    if (match) return Number(match[1])
  }
  return undefined
}
