// `npm run bench [-- --quick]`: runs the benchmarks and writes docs/BENCHMARKS.md with the machine,
// the method and the raw numbers of this run.
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
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

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick')
  const root = process.argv[2] && !process.argv[2].startsWith('--') ? process.argv[2] : process.cwd()
  const sections: BenchSection[] = []
  process.stderr.write('bench: agent stats overhead…\n')
  sections.push(await agentStatsSection(quick))
  process.stderr.write('bench: autoscaling simulation…\n')
  sections.push(await autoscalingSection({ quick }))
  sections.push(await autoscalingRealRunSection({ quick, root }))
  process.stderr.write('bench: proxies against nginx…\n')
  sections.push(await proxySection({ quick }))
  process.stderr.write('bench: hub at scale…\n')
  sections.push(await hubScaleSection({ quick }))
  process.stderr.write('bench: renderer (snapshot apply, frames per second in Chromium)…\n')
  sections.push(await rendererSection(quick))

  const doc = [
    '# Benchmarks',
    '',
    `Written by \`npm run bench${quick ? ' -- --quick' : ''}\`. Every figure below comes from that one run; rerun it to`,
    'reproduce them on your machine.',
    '',
    '## Machine',
    '',
    machine(),
    '',
    ...sections.flatMap((s) => [`## ${s.title}`, '', s.method, '', s.table, '']),
  ].join('\n')
  writeFileSync(join(root, 'docs', 'BENCHMARKS.md'), doc)
  process.stdout.write(doc)
}

await main()
