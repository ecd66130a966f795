// A host's Docker Engine: dockerd in the host's namespaces (own data root, exec root and cgroup parent; no
// bridge, no iptables), its API on its socket, the wait until it answers, and its stop.
import http from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { writeFile } from './files.mjs'
import { LabError, log } from './log.mjs'
import { alive, recordedProcess, recordProcess, startDaemon, tail, terminate } from './processes.mjs'

const ENGINE_READY_MS = 90_000
const ENGINE_STOP_MS = 20_000

/**
 * Starts the engine of a host in its namespaces (`enter`: nsenter's arguments). Returns its readiness,
 * for the caller to await together with the other hosts'.
 */
export function startEngine(paths, enter, cgroup, signal) {
  writeFile(paths.daemonJson, '{}\n', 0o644)
  const pid = startDaemon('nsenter', [...enter, ...dockerdArgs(paths, cgroup)], paths.dockerdLog)
  recordProcess(paths.dockerdPid, pid)
  const ready = waitForEngine(paths.dockerSocket, pid, paths.dockerdLog, signal)
  // Awaited by the caller; a failure before then must not end this process in the middle of cleanup.
  ready.catch(() => {})
  return ready
}

function dockerdArgs(paths, cgroup) {
  return [
    'dockerd',
    '--host',
    'unix:///run/docker.sock',
    '--group',
    'docker',
    '--data-root',
    paths.dockerData,
    '--exec-root',
    '/run/docker',
    '--pidfile',
    '/run/docker.pid',
    '--config-file',
    paths.daemonJson,
    '--bridge',
    'none',
    '--iptables=false',
    '--ip6tables=false',
    '--ip-masq=false',
    '--ip-forward=false',
    '--userland-proxy=false',
    '--exec-opt',
    'native.cgroupdriver=cgroupfs',
    '--cgroup-parent',
    `/${cgroup}`,
  ]
}

function dockerRequest(socketPath, method, path, timeoutMs = 5_000) {
  return new Promise((resolve, reject) => {
    const request = http.request({ socketPath, method, path, timeout: timeoutMs }, (response) => {
      let body = ''
      response.on('data', (chunk) => (body += chunk))
      response.on('end', () => resolve({ status: response.statusCode, body }))
    })
    request.on('timeout', () => request.destroy(new Error('timed out')))
    request.on('error', reject)
    request.end()
  })
}

async function waitForEngine(socketPath, pid, logFile, signal) {
  const deadline = Date.now() + ENGINE_READY_MS
  let last = ''
  while (Date.now() < deadline) {
    if (signal?.aborted) throw new LabError('aborted')
    if (!alive(pid)) throw new LabError(`dockerd exited; its log:\n${tail(logFile)}`)
    try {
      const { status, body } = await dockerRequest(socketPath, 'GET', '/_ping', 2_000)
      if (status === 200 && body === 'OK') return
      last = `${status} ${body}`
    } catch (error) {
      last = error.message
    }
    await sleep(100)
  }
  throw new LabError(
    `dockerd did not answer on ${socketPath} within ${ENGINE_READY_MS} ms (${last}); its log:\n${tail(logFile)}`,
  )
}

/** Removes the engine's containers through its API, then stops it by its recorded pid. */
export async function stopEngine(host) {
  const pid = recordedProcess(host.paths.dockerdPid)
  if (!pid) return
  const socketPath = host.paths.dockerSocket
  try {
    const { status, body } = await dockerRequest(socketPath, 'GET', '/containers/json?all=1')
    if (status === 200) {
      const ids = JSON.parse(body).map((container) => container.Id)
      await Promise.all(
        ids.map((id) =>
          dockerRequest(socketPath, 'DELETE', `/containers/${id}?force=1&v=1`, 15_000).catch((error) =>
            log(`${host.netns}: could not remove container ${id.slice(0, 12)}: ${error.message}`),
          ),
        ),
      )
    }
  } catch (error) {
    log(`${host.netns}: engine did not list its containers (${error.message}); stopping it anyway`)
  }
  const left = await terminate([pid], ENGINE_STOP_MS)
  if (left.length) log(`${host.netns}: dockerd ${pid} survived SIGKILL`)
}
