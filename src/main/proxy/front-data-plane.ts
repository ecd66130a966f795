// Picks the VIM's front data plane: HAProxy when asked for and installed, else the embedded proxy (and
// says so in one line when HAProxy was asked for but is missing).
import type { DataPlaneKind } from '../../shared/haproxy/data-plane'
import { findHaproxy, HAPROXY_MISSING } from '../../shared/haproxy/haproxy-process'
import type { FrontDataPlane } from './front-plane'
import { FrontProxy, type FrontProxyOptions } from './front-proxy'
import { HaproxyFrontProxy } from './haproxy-front'

export interface ChosenFrontPlane {
  proxy: FrontDataPlane
  /** The plane that runs, which lab agents follow. */
  kind: DataPlaneKind
}

export function createFrontDataPlane(
  wanted: DataPlaneKind,
  options: FrontProxyOptions,
  dataDir: string,
  log: { info(line: string): void; warn(line: string): void },
  find: () => string | undefined = findHaproxy,
): ChosenFrontPlane {
  const binary = wanted === 'haproxy' ? find() : undefined
  if (wanted === 'haproxy' && binary === undefined) log.warn(HAPROXY_MISSING)
  if (wanted !== 'haproxy' || binary === undefined)
    return { proxy: new FrontProxy(options), kind: 'embedded' }
  return {
    proxy: new HaproxyFrontProxy({
      ...options,
      binary,
      dataDir,
      log: (line) => log.info(`haproxy: ${line}`),
    }),
    kind: 'haproxy',
  }
}
