// The stats benchmark runs end to end (shape only: speed targets live in the benchmark doc).
import { describe, expect, it } from 'vitest'
import { benchAgentStats } from '../../bench/agent-stats'
import { connectDocker, pingDocker } from '../../vmm-agent/runtime/docker-connection'
import { shouldRun } from '../support/services'

const connection = connectDocker()
const { docker } = connection
const dockerAvailable = await pingDocker(connection, 3000).then(
  () => true,
  () => false,
)

describe.runIf(shouldRun('docker', dockerAvailable, 'start dockerd (.ci/run does) or set DOCKER_HOST'))(
  'benchAgentStats',
  () => {
    it('measures 3 containers for 3 s and removes them', async () => {
      const result = await benchAgentStats({ containers: 3, seconds: 3, docker })
      expect(result).toMatchObject({ containers: 3, seconds: 3, rounds: 3, measuredInLastRound: 3 })
      expect(Object.values(result.sources).reduce((a, b) => a + b, 0)).toBe(3)
      expect(result.collectorCpuPercentOfOneCore).toBeGreaterThanOrEqual(0)
      expect(result.roundMs.p50).toBeGreaterThan(0)
      expect(result.roundMs.p99).toBeGreaterThanOrEqual(result.roundMs.p50)
      const leftovers = await docker.listContainers({
        all: true,
        filters: { label: [`acs.stats-bench=${process.pid}`] },
      })
      expect(leftovers).toEqual([])
    })
  },
)
