// GET /api/v1/export/kubernetes on a real headless VIM: the saved policy, as YAML Kubernetes' schemas accept,
// behind the API token like every other route.
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseAllDocuments } from 'yaml'
import { type HeadlessProcess, NO_CLUSTER, runToExit, startHeadless } from '../support/headless-process'
import { vimApi } from '../support/lab-vim'

let vim: HeadlessProcess
beforeAll(async () => {
  vim = await startHeadless([...NO_CLUSTER, '--ui-port', '0'])
})
afterAll(() => vim?.stop())

describe('GET /api/v1/export/kubernetes', () => {
  it('answers the saved policy as YAML: a 123 s scale-down window becomes stabilizationWindowSeconds: 123', async () => {
    await vimApi(vim, '/policy', {
      method: 'PUT',
      body: JSON.stringify({ scaling: { policy: { scaleDown: { stabilizationSeconds: 123 } } } }),
    })
    const response = await fetch(`${vim.baseUrl}/api/v1/export/kubernetes`, {
      headers: { Authorization: `Bearer ${vim.token}` },
    })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('application/yaml; charset=utf-8')
    const yaml = await response.text()
    expect(yaml).toMatch(/^# Auto Cloud Scaler, cluster \S+: the workload and its scaling policy/)
    const objects = parseAllDocuments(yaml).map((doc) => doc.toJS())
    expect(objects.map((o) => o.kind)).toEqual([
      'Deployment',
      'Service',
      'HorizontalPodAutoscaler',
      'PodDisruptionBudget',
    ])
    const hpa = objects[2]
    new HorizontalPodAutoscaler(hpa).validate()
    expect(hpa.spec.behavior.scaleDown.stabilizationWindowSeconds).toBe(123)
    // No agent joined yet: the container size is the lab's default.
    expect(objects[0].spec.template.spec.containers[0].resources.limits).toEqual({
      cpu: '250m',
      memory: '128Mi',
    })
  })

  it('npm run export -- kubernetes writes the same YAML from the data dir, without the app', async () => {
    const served = await (
      await fetch(`${vim.baseUrl}/api/v1/export/kubernetes`, {
        headers: { Authorization: `Bearer ${vim.token}` },
      })
    ).text()
    const run = await runToExit(
      'npm',
      ['run', '-s', 'export', '--', 'kubernetes', '--data-dir', vim.dataDir],
      process.env,
    )
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toBe(served)
    // What the UI asks for: the same YAML and the notes on what Kubernetes cannot say, as JSON.
    const asJson = (await (
      await fetch(`${vim.baseUrl}/api/v1/export/kubernetes`, {
        headers: { Authorization: `Bearer ${vim.token}`, Accept: 'application/json' },
      })
    ).json()) as { yaml: string; notes: string[] }
    expect(asJson.yaml).toBe(served)
    expect(asJson.notes.join('\n')).toMatch(/podPidsLimit/)
    const wrong = await runToExit('npm', ['run', '-s', 'export', '--', 'helm'], process.env)
    expect(wrong.code).toBe(2)
    expect(wrong.stderr).toMatch(/the only target is 'kubernetes'/)
  })

  it('needs the API token', async () => {
    const response = await fetch(`${vim.baseUrl}/api/v1/export/kubernetes`)
    expect(response.status).toBe(401)
    expect(await response.text()).not.toMatch(/apiVersion/)
  })
})
