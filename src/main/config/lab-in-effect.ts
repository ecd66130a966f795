// The lab the VIM starts with: a command-line option wins over the saved setting, which wins over the
// default. The Settings page shows the result and where each value came from. Pure.
import type { EffectiveSettings, SettingSource } from '../../shared/api/contract'
import { DEFAULT_LAB_VMS, type LabRuntime, type VimSettings } from '../../shared/domain/settings'
import type { VimOptions } from './cli'
import { labNamePrefix } from './cluster-id'

export type LabInEffect = EffectiveSettings['lab']

function choose<T>(fromCli: T | undefined, fromSettings: T | undefined, fallback: T): [T, SettingSource] {
  if (fromCli !== undefined) return [fromCli, 'command line']
  if (fromSettings !== undefined) return [fromSettings, 'settings']
  return [fallback, 'default']
}

export function labInEffect(
  options: Pick<VimOptions, 'lab' | 'runtime' | 'labPrefix'>,
  saved: VimSettings['lab'],
  clusterId: string,
): LabInEffect {
  const [vms, vmsFrom] = choose(options.lab, saved.vms, DEFAULT_LAB_VMS)
  const [runtime, runtimeFrom] = choose<LabRuntime>(options.runtime, saved.runtime, 'auto')
  return {
    vms,
    runtime,
    namePrefix: labNamePrefix(options.labPrefix, saved.namePrefix, clusterId),
    from: { vms: vmsFrom, runtime: runtimeFrom },
  }
}
