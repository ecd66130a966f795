// Service-backed tests skip where a service is missing, except when ACS_REQUIRE_<SERVICE>=1 (as in CI),
// where a missing service fails the run instead of hiding it.
import { existsSync } from 'node:fs'

export type Service = 'docker' | 'ssh' | 'browser'

export function serviceRequired(service: Service, env: NodeJS.ProcessEnv = process.env): boolean {
  return env[`ACS_REQUIRE_${service.toUpperCase()}`] === '1'
}

/**
 * Whether tests that need `service` should run. When the service is missing and required, throws
 * with `hint`, so that the test run fails at collection with the reason.
 */
export function shouldRun(service: Service, available: boolean, hint: string): boolean {
  if (available) return true
  if (serviceRequired(service))
    throw new Error(`${service} is required (ACS_REQUIRE_${service.toUpperCase()}=1) but missing: ${hint}`)
  return false
}

export const CHROMIUM_PATH = process.env.ACS_CHROMIUM ?? '/usr/bin/chromium'

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM_PATH)
}
