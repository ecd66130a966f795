// The workload server's bundled source: embedded in the shipped agent at build time, bundled on the fly
// when the agent runs from the repository (tests, development).
declare const __ACS_WORKLOAD_SOURCE__: string | undefined

export async function workloadSource(): Promise<string> {
  if (typeof __ACS_WORKLOAD_SOURCE__ === 'string') return __ACS_WORKLOAD_SOURCE__
  const { bundleWorkloadServer } = await import('./bundle')
  return bundleWorkloadServer()
}
