import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { findContainerCgroup, parseProcCgroup } from './cgroup-paths'

const ID = 'a'.repeat(64)
const OTHER = 'b'.repeat(64)
let roots: string[] = []

/** A fake filesystem: every listed file is created (empty) under a fresh temp dir. */
function tree(files: string[]): string {
  const root = mkdtempSync(join(tmpdir(), 'acs-cgroup-'))
  roots.push(root)
  for (const file of files) {
    mkdirSync(dirname(join(root, file)), { recursive: true })
    writeFileSync(join(root, file), '')
  }
  return root
}

const v1Files = (cpuMount: string, rel: string) => [
  `cg/${cpuMount}/${rel}/cpuacct.usage`,
  `cg/memory/${rel}/memory.usage_in_bytes`,
  `cg/memory/${rel}/memory.stat`,
]
const v2Files = (rel: string) => [
  'cg/cgroup.controllers',
  `cg/${rel}/cpu.stat`,
  `cg/${rel}/memory.current`,
  `cg/${rel}/memory.stat`,
]

afterEach(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true })
  roots = []
})

describe('findContainerCgroup', () => {
  it.each([
    {
      layout: 'v1 cgroupfs, cpu,cpuacct co-mounted',
      files: v1Files('cpu,cpuacct', `docker/${ID}`),
      cpu: `cpu,cpuacct/docker/${ID}`,
      memory: `memory/docker/${ID}`,
    },
    {
      layout: 'v1 cgroupfs, cpuacct mounted alone',
      files: v1Files('cpuacct', `docker/${ID}`),
      cpu: `cpuacct/docker/${ID}`,
      memory: `memory/docker/${ID}`,
    },
    {
      layout: 'v1 systemd',
      files: v1Files('cpu,cpuacct', `system.slice/docker-${ID}.scope`),
      cpu: `cpu,cpuacct/system.slice/docker-${ID}.scope`,
      memory: `memory/system.slice/docker-${ID}.scope`,
    },
  ])('$layout', async ({ files, cpu, memory }) => {
    const root = tree([...files, ...v1Files('cpu,cpuacct', `docker/${OTHER}`), 'cg/unified/cgroup.procs'])
    expect(await findContainerCgroup(ID, { root: join(root, 'cg') })).toEqual({
      version: 1,
      cpuDir: join(root, 'cg', cpu),
      memoryDir: join(root, 'cg', memory),
    })
  })

  it.each([
    { layout: 'v2 systemd', rel: `system.slice/docker-${ID}.scope` },
    { layout: 'v2 cgroupfs', rel: `docker/${ID}` },
  ])('$layout', async ({ rel }) => {
    const root = tree([...v2Files(rel), ...v2Files(`docker/${OTHER}`)])
    const dir = join(root, 'cg', rel)
    expect(await findContainerCgroup(ID, { root: join(root, 'cg') })).toEqual({
      version: 2,
      cpuDir: dir,
      memoryDir: dir,
    })
  })

  it('follows /proc/<pid>/cgroup to a custom parent (v2)', async () => {
    const root = tree([...v2Files(`lab.slice/lab-docker-${ID}.scope`), 'proc/4242/cgroup'])
    writeFileSync(join(root, 'proc/4242/cgroup'), `0::/lab.slice/lab-docker-${ID}.scope\n`)
    const found = await findContainerCgroup(ID, {
      root: join(root, 'cg'),
      procRoot: join(root, 'proc'),
      pid: 4242,
    })
    expect(found?.cpuDir).toBe(join(root, 'cg', `lab.slice/lab-docker-${ID}.scope`))
  })

  it('follows /proc/<pid>/cgroup to a custom parent (v1, separate controllers)', async () => {
    const root = tree([
      `cg/cpuacct/custom/${ID}/cpuacct.usage`,
      `cg/memory/custom/${ID}/memory.usage_in_bytes`,
      'proc/7/cgroup',
    ])
    writeFileSync(
      join(root, 'proc/7/cgroup'),
      `4:memory:/custom/${ID}\n2:cpuacct:/custom/${ID}\n1:cpu:/custom/${ID}\n0::/custom/${ID}\n`,
    )
    expect(
      await findContainerCgroup(ID, { root: join(root, 'cg'), procRoot: join(root, 'proc'), pid: 7 }),
    ).toEqual({
      version: 1,
      cpuDir: join(root, 'cg', `cpuacct/custom/${ID}`),
      memoryDir: join(root, 'cg', `memory/custom/${ID}`),
    })
  })

  it('ignores a pid whose cgroup is not named after the container (remote Docker, pid reused)', async () => {
    const root = tree([...v2Files('user.slice/session-1.scope'), 'proc/9/cgroup'])
    writeFileSync(join(root, 'proc/9/cgroup'), '0::/user.slice/session-1.scope\n')
    expect(
      await findContainerCgroup(ID, { root: join(root, 'cg'), procRoot: join(root, 'proc'), pid: 9 }),
    ).toBeUndefined()
  })

  it('never leaves the cgroup mount through ../ paths', async () => {
    const root = tree([
      `outside/${ID}/cpu.stat`,
      `outside/${ID}/memory.current`,
      'cg/cgroup.controllers',
      'proc/9/cgroup',
    ])
    writeFileSync(join(root, 'proc/9/cgroup'), `0::/../outside/${ID}\n`)
    expect(
      await findContainerCgroup(ID, { root: join(root, 'cg'), procRoot: join(root, 'proc'), pid: 9 }),
    ).toBeUndefined()
  })

  it.each([
    { case: 'no such container here', files: v2Files(`docker/${OTHER}`) },
    {
      case: 'v2 directory without the accounting files',
      files: ['cg/cgroup.controllers', `cg/docker/${ID}/cgroup.procs`],
    },
    { case: 'v1 without a memory cgroup', files: [`cg/cpuacct/docker/${ID}/cpuacct.usage`] },
    { case: 'no cgroup filesystem at all', files: ['cg/.keep'] },
  ])('undefined when $case', async ({ files }) => {
    expect(await findContainerCgroup(ID, { root: join(tree(files), 'cg') })).toBeUndefined()
  })
})

describe('parseProcCgroup', () => {
  it('reads v1 controllers, co-mounted lists and the unified line', () => {
    const parsed = parseProcCgroup(
      `9:name=systemd:/docker/x\n4:memory:/docker/x\n1:cpu,cpuacct:/docker/x\n0::/docker/x\n`,
    )
    expect(parsed.unified).toBe('/docker/x')
    expect(Object.fromEntries(parsed.controllers)).toEqual({
      'name=systemd': '/docker/x',
      memory: '/docker/x',
      cpu: '/docker/x',
      cpuacct: '/docker/x',
    })
  })

  it('keeps colons inside the path', () => {
    expect(parseProcCgroup('0::/odd:name\n').unified).toBe('/odd:name')
  })
})
