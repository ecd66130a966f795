import { describe, expect, it } from 'vitest'
import { VimSettings } from '../../../../shared/domain/settings'
import { defaultSettings } from '../../test-support/fixtures'
import { checkDraft, draftFromSettings } from './policy-draft'
import { NUMBER_FIELDS, parseFieldText } from './policy-fields'

const edit = (numbers: Record<string, string>, settings = defaultSettings()) => {
  const draft = draftFromSettings(settings)
  return checkDraft({ ...draft, numbers: { ...draft.numbers, ...numbers } }, settings)
}

describe('the policy draft', () => {
  it('shows fractions as percentages', () => {
    const numbers = draftFromSettings(defaultSettings()).numbers
    expect(numbers.targetUtilization).toBe('60')
    expect(numbers['tolerance.up']).toBe('10')
    expect(numbers['scaleDown.stabilizationSeconds']).toBe('60')
    expect(numbers['steadiness.smallRiseRatio']).toBe('130')
    expect(numbers['steadiness.scaleDownHeadroom']).toBe('5')
    expect(numbers['steadiness.burstStabilizationSeconds']).toBe('300')
  })

  it('gives back exactly the applied settings when nothing was edited', () => {
    // Values whose percentage is not exact in binary must come back bit for bit.
    const applied = VimSettings.parse({
      scaling: { policy: { targetUtilization: 0.07, tolerance: { up: 0.1 + 0.2, down: 0.1 } } },
      balancer: 'random',
      lab: { keepContainers: true },
    })
    const check = checkDraft(draftFromSettings(applied), applied)
    expect(check).toEqual({ valid: true, settings: applied, changed: false })
  })

  it('turns a percentage into the fraction a person means', () => {
    const check = edit({ targetUtilization: '58.3', 'tolerance.down': '7' })
    expect(check.valid && check.settings.scaling.policy.targetUtilization).toBe(0.583)
    expect(check.valid && check.settings.scaling.policy.tolerance.down).toBe(0.07)
    expect(check.valid && check.changed).toBe(true)
  })

  it.each([
    ['targetUtilization', '150', /at most 100 %/],
    ['targetUtilization', '0', /more than 0 %/],
    ['tolerance.up', '120', /from 0 to 100 %/],
    ['minReplicas', '2.5', /minReplicas must be a whole number/],
    ['maxVms', '0', /maxVms must be at least 1/],
    ['idleCooldownSeconds', '-1', /0 seconds or more/],
    ['scaleUp.periodSeconds', 'soon', /^Enter a number\.$/],
    ['scaleDown.maxReplicas', '', /^Enter a value\.$/],
    ['maxReplicas', '5000', /maxReplicas must be at most 1,024 replicas/],
    ['maxVms', '100', /maxVms must be at most 64 VMs/],
    ['idleCooldownSeconds', '1e300', /idleCooldownSeconds must be at most 86,400 seconds/],
    [
      'scaleDown.stabilizationSeconds',
      '86400',
      /scaleDown.stabilizationSeconds must be at most 3,600 seconds/,
    ],
    ['scaleUp.maxPercent', '100000', /scaleUp.maxPercent must be at most 1,000 %/],
    ['steadiness.smallRiseRatio', '90', /at least 100 % and at most 1,000 % of the target/],
    ['steadiness.scaleDownHeadroom', '60', /from 0 to 50 %/],
    ['steadiness.smallRiseSeconds', '-3', /steadiness.smallRiseSeconds must be 0 seconds or more/],
  ])('puts the message for %s = "%s" next to that field', (key, text, message) => {
    const check = edit({ [key]: text })
    expect(check.valid).toBe(false)
    if (!check.valid) {
      expect(check.fieldErrors[key]).toMatch(message)
      expect(check.formErrors).toEqual([])
    }
  })

  it('reports rules across fields on the field to change', () => {
    const bounds = edit({ minReplicas: '5', maxReplicas: '3' })
    expect(!bounds.valid && bounds.fieldErrors.minReplicas).toBe(
      'minReplicas (5) must not be more than maxReplicas (3)',
    )
    const frozen = edit({ 'scaleUp.maxPercent': '0', 'scaleUp.maxReplicas': '0' })
    expect(!frozen.valid && frozen.fieldErrors['scaleUp.maxPercent']).toMatch(
      /scaleUp allows no change at all/,
    )
  })

  it('parses numbers strictly', () => {
    const target = NUMBER_FIELDS.find((spec) => spec.key === 'targetUtilization')!
    expect(parseFieldText(target, ' 60 ')).toBe(0.6)
    expect(parseFieldText(target, '6e1')).toBe(0.6)
    expect(parseFieldText(target, '60%')).toBeUndefined()
    expect(parseFieldText(target, '0x10')).toBeUndefined()
  })
})
