// Runs the machine's programs (ip, mount, ssh-keygen, iptables, ...): to completion, failing with what
// they printed, or without blocking the event loop while probes run; and finds them on PATH.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { LabError } from './log.mjs'

/** Runs a command to completion; throws with its output unless `allowFail`. */
export function run(command, args, { allowFail = false, input, timeoutMs = 30_000 } = {}) {
  const result = spawnSync(command, args, { input, encoding: 'utf8', timeout: timeoutMs })
  const code = result.status
  if (!allowFail && (result.error || code !== 0)) {
    const reason = result.error ? result.error.message : `exit ${code ?? result.signal}`
    throw new LabError(
      `${command} ${args.join(' ')} failed (${reason}): ${(result.stderr || result.stdout || '').trim()}`,
    )
  }
  return { code, stdout: result.stdout ?? '', stderr: result.stderr ?? '' }
}

/** Runs a command without blocking the event loop; resolves with its exit code and output. */
export function runAsync(command, args, timeoutMs = 10_000) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (chunk) => (output += chunk))
    child.stderr.on('data', (chunk) => (output += chunk))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', (error) => {
      clearTimeout(timer)
      resolve({ code: -1, output: error.message })
    })
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, output })
    })
  })
}

export function findCommand(name) {
  for (const dir of process.env.PATH.split(':')) {
    if (dir && existsSync(join(dir, name))) return join(dir, name)
  }
  return undefined
}
