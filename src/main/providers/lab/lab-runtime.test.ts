// The lab's runtime choice, with the Docker check injected.
import { describe, expect, it, vi } from 'vitest'
import { chooseLabRuntime } from './lab-runtime'

const answers = () => Promise.resolve()
const silent = () =>
  Promise.reject(new Error('Docker is not reachable at unix:///var/run/docker.sock: is dockerd running?'))

describe('chooseLabRuntime', () => {
  it('auto: Docker when the engine answers', async () => {
    const check = vi.fn(answers)
    expect(await chooseLabRuntime('auto', 'unix:///run/d.sock', check)).toEqual({
      runtime: 'docker',
      reason: 'the Docker Engine answers at unix:///run/d.sock',
    })
    expect(check).toHaveBeenCalledWith('unix:///run/d.sock')
  })

  it('auto: plain processes when it does not, saying why and what that costs', async () => {
    const choice = await chooseLabRuntime('auto', undefined, silent)
    expect(choice.runtime).toBe('process')
    expect(choice.reason).toBe(
      'Docker is not reachable at unix:///var/run/docker.sock: is dockerd running?; ' +
        'using plain processes (no isolation, limits not enforced)',
    )
  })

  it.each([
    ['docker', 'docker'],
    ['process', 'process'],
  ] as const)('%s asked for: %s, without asking Docker', async (requested, runtime) => {
    const check = vi.fn(silent)
    expect((await chooseLabRuntime(requested, undefined, check)).runtime).toBe(runtime)
    expect(check).not.toHaveBeenCalled()
  })
})
