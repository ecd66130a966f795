// Chooses how to measure each Docker container: its cgroup files when this host can read them (the
// agent runs beside its Docker Engine), otherwise Docker's streaming stats API.
import type Dockerode from 'dockerode'
import { type CgroupDiscoveryOptions, findContainerCgroup } from './cgroup-paths'
import { CgroupSource } from './cgroup-source'
import { DockerStreamSource } from './docker-stream'
import type { StatsProbe, StatsTarget, UsageSource } from './usage-source'

export interface DockerStatsProbeOptions {
  /** Where cgroups are mounted (tests point it at a fake tree). */
  cgroupRoot?: string
  procRoot?: string
  /** false: always use the stats stream (Docker on another host, or to test the fallback). */
  readCgroupFiles?: boolean
}

export class DockerStatsProbe implements StatsProbe {
  constructor(
    private readonly docker: Dockerode,
    private readonly options: DockerStatsProbeOptions = {},
  ) {}

  async open(target: StatsTarget): Promise<UsageSource> {
    if (this.options.readCgroupFiles !== false) {
      const location = await this.findCgroup(target.id)
      if (location) return new CgroupSource(location)
    }
    return new DockerStreamSource(this.docker.getContainer(target.id))
  }

  private async findCgroup(id: string) {
    const discovery: CgroupDiscoveryOptions = {
      root: this.options.cgroupRoot,
      procRoot: this.options.procRoot,
    }
    // A full id usually finds the cgroup without asking Docker anything.
    const byId = await findContainerCgroup(id, discovery)
    if (byId) return byId
    // A short id, a custom cgroup parent or a rootless daemon: ask Docker once for the full id and pid.
    try {
      const info = await this.docker.getContainer(id).inspect()
      return await findContainerCgroup(info.Id, { ...discovery, pid: info.State?.Pid })
    } catch {
      return undefined
    }
  }
}
