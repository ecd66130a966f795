// `npm run bench [-- --quick] [-- --only SECTION,…] [-- --seeds 1,2,…]`: runs the benchmarks and writes docs/BENCHMARKS.md with the machine,
// the method and the raw numbers of this run.
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { join } from 'node:path'
import { measureSnapshotApply } from '../src/renderer/src/views/topology/snapshot-apply-bench'
import { benchAgentStats } from './agent-stats'
import { autoscalingSection } from './autoscaling'
import { autoscalingRealRunSection } from './autoscaling/real-run'
import { hubScaleSection } from './hub/hub-section'
import { proxySection } from './proxy/proxy-section'
import { rendererFpsPart } from './renderer/renderer-fps-section'

interface BenchSection {
  title: string
  method: string
  table: string
}

function machine(): string {
  const docker = (() => {
    try {
      return execFileSync('docker', ['version', '--format', '{{.Server.Version}}'], {
        encoding: 'utf8',
      }).trim()
    } catch {
      return 'not reachable'
    }
  })()
  return [
    `- Date: ${new Date().toISOString()}`,
    `- CPU: ${cpus()[0]?.model ?? 'unknown'} × ${cpus().length}`,
    `- Memory: ${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `- Node ${process.version}, Docker Engine ${docker}, ${process.platform} ${process.arch}`,
  ].join('\n')
}

async function agentStatsSection(quick: boolean): Promise<BenchSection> {
  const containers = 20
  const seconds = quick ? 10 : 30
  const result = await benchAgentStats({ containers, seconds })
  return {
    title: 'Agent: stats-collection overhead',
    method: [
      `${containers} idle containers (0.1 CPU each) measured once a second for ${seconds} s by the agent's`,
      'StatsCollector (cgroup files, or the Docker stats stream where they are not readable); the',
      "collector's own CPU is taken from process.cpuUsage() deltas over the window. Target: ≤ 2 % of one core.",
    ].join(' '),
    table: [
      '| Containers | Source | Rounds | Collector CPU (% of one core) | Round p50 | Round p99 |',
      '| --- | --- | --- | --- | --- | --- |',
      `| ${result.containers} | ${Object.entries(result.sources)
        .map(([source, n]) => `${source} × ${n}`)
        .join(
          ', ',
        )} | ${result.rounds} | ${result.collectorCpuPercentOfOneCore.toFixed(2)} % | ${result.roundMs.p50.toFixed(1)} ms | ${result.roundMs.p99.toFixed(1)} ms |`,
    ].join('\n'),
  }
}

async function rendererSection(quick: boolean): Promise<BenchSection> {
  const r = measureSnapshotApply({ rounds: 1000 })
  const fps = await rendererFpsPart({ quick, log: (line) => process.stderr.write(`${line}\n`) })
  return {
    title: 'Renderer: applying one cluster snapshot, and frames per second',
    method: [
      [
        `The topology's pure snapshot → React Flow nodes/edges step (buildTopologyGraph) on a synthetic cluster of`,
        `${r.vms} VMs × ${r.containersPerVm} containers in which a third of the containers change every round, ${r.rounds}`,
        'rounds in Node after a warm-up. Unchanged nodes are reused so that React Flow re-renders only what changed.',
      ].join(' '),
      fps.method,
    ].join('\n\n'),
    table: [
      '| Nodes | Edges | Apply p50 | Apply p95 | Max | Nodes reused |',
      '| --- | --- | --- | --- | --- | --- |',
      `| ${r.nodes} | ${r.edges} | ${r.p50Ms.toFixed(2)} ms | ${r.p95Ms.toFixed(2)} ms | ${r.maxMs.toFixed(2)} ms | ${(r.reusedShare * 100).toFixed(0)} % |`,
      '',
      fps.table,
    ].join('\n'),
  }
}

/** Each section by the name `--only` takes, in the order of the document. */
const SECTIONS: ReadonlyArray<{ name: string; run(quick: boolean, root: string): Promise<BenchSection> }> = [
  { name: 'stats', run: (quick) => agentStatsSection(quick) },
  { name: 'autoscaling', run: (quick) => autoscalingSection({ quick, ...seedsArgument() }) },
  { name: 'real-run', run: (quick, root) => autoscalingRealRunSection({ quick, root }) },
  { name: 'proxy', run: (quick) => proxySection({ quick }) },
  { name: 'hub', run: (quick) => hubScaleSection({ quick }) },
  { name: 'renderer', run: (quick) => rendererSection(quick) },
]

/** `--seeds 11,12,…`: the simulation's seeds instead of its default ones, to check a result on fresh draws. */
function seedsArgument(): { seeds?: number[] } {
  const at = process.argv.indexOf('--seeds')
  if (at < 0) return {}
  const seeds = (process.argv[at + 1] ?? '').split(',').map(Number)
  if (seeds.length === 0 || seeds.some((seed) => !Number.isInteger(seed) || seed < 0)) {
    process.stderr.write('bench: --seeds takes whole numbers separated by commas, e.g. --seeds 11,12,13\n')
    process.exit(2)
  }
  return { seeds }
}

/** The sections already in `doc`, by title, so that `--only` replaces its own and keeps the others. */
function sectionsIn(doc: string): Map<string, string> {
  const found = new Map<string, string>()
  for (const part of doc.split(/^## /m).slice(1)) {
    const title = part.slice(0, part.indexOf('\n'))
    found.set(title, `## ${part.trimEnd()}\n`)
  }
  return found
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2)
  const root = argv[0] && !argv[0].startsWith('--') ? argv[0] : process.cwd()
  const quick = argv.includes('--quick')
  const onlyAt = argv.indexOf('--only')
  const only = onlyAt >= 0 ? new Set((argv[onlyAt + 1] ?? '').split(',').filter(Boolean)) : undefined
  const unknown = [...(only ?? [])].filter((name) => !SECTIONS.some((s) => s.name === name))
  if (only && (only.size === 0 || unknown.length > 0)) {
    process.stderr.write(
      `bench: --only takes section names separated by commas: ${SECTIONS.map((s) => s.name).join(', ')}${unknown.length ? ` (not: ${unknown.join(', ')})` : ''}\n`,
    )
    process.exit(2)
  }
  const path = join(root, 'docs', 'BENCHMARKS.md')
  const previous =
    only && existsSync(path) ? sectionsIn(readFileSync(path, 'utf8')) : new Map<string, string>()
  const parts: string[] = []
  for (const section of SECTIONS) {
    if (only && !only.has(section.name)) continue
    process.stderr.write(`bench: ${section.name}…\n`)
    const s = await section.run(quick, root)
    previous.set(s.title, [`## ${s.title}`, '', s.method, '', s.table, ''].join('\n'))
  }
  previous.delete('Machine')
  for (const text of previous.values()) parts.push(text)

  const doc = [
    '# Benchmarks',
    '',
    `Written by \`npm run bench${quick ? ' -- --quick' : ''}\`${only ? ` (sections ${[...only].join(', ')} of this run; the others from an earlier one)` : ''}. Rerun it to`,
    'reproduce the figures on your machine.',
    '',
    '## Machine',
    '',
    machine(),
    '',
    ...parts,
  ].join('\n')
  writeFileSync(path, doc)
  process.stdout.write(doc)
}

await main()
