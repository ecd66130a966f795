// The policy editor's fields, grouped as the policy works: target, scale up, scale down, bounds,
// VMs, then placement and the balancer.
import type { BalancerAlgorithm } from '../../../../shared/balancer/balancer-settings'
import type { PlacementStrategy } from '../../../../shared/scaler/place-replicas'
import { PolicyNumberField } from './PolicyNumberField'
import type { PolicyDraft } from './policy-draft'
import { BALANCER_LABELS, FIELD_GROUPS, PLACEMENT_LABELS } from './policy-fields'

interface Props {
  draft: PolicyDraft
  fieldErrors: Record<string, string>
  onChange(draft: PolicyDraft): void
}

export function PolicyForm({ draft, fieldErrors, onChange }: Props) {
  const setNumber = (key: string, text: string) =>
    onChange({ ...draft, numbers: { ...draft.numbers, [key]: text } })
  return (
    <div className="policy-groups">
      {FIELD_GROUPS.map((group) => (
        <fieldset key={group.title} className="policy-group">
          <legend>{group.title}</legend>
          <p className="muted group-description">{group.description}</p>
          <div className="policy-fields">
            {group.fields.map((spec) => (
              <PolicyNumberField
                key={spec.key}
                spec={spec}
                value={draft.numbers[spec.key] ?? ''}
                error={fieldErrors[spec.key]}
                onChange={(text) => setNumber(spec.key, text)}
              />
            ))}
          </div>
        </fieldset>
      ))}
      <fieldset className="policy-group">
        <legend>Placement and balancing</legend>
        <div className="policy-fields wide">
          <div className="form-field">
            <label htmlFor="policy-placement">Placement</label>
            <select
              id="policy-placement"
              value={draft.placement}
              onChange={(event) => onChange({ ...draft, placement: event.target.value as PlacementStrategy })}
            >
              {Object.entries(PLACEMENT_LABELS).map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </select>
          </div>
          <div className="form-field">
            <label htmlFor="policy-balancer">Balancer algorithm</label>
            <select
              id="policy-balancer"
              value={draft.balancer}
              onChange={(event) => onChange({ ...draft, balancer: event.target.value as BalancerAlgorithm })}
            >
              {Object.entries(BALANCER_LABELS).map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </select>
            <p className="field-hint">How the front proxy picks a VM for each request.</p>
          </div>
        </div>
      </fieldset>
    </div>
  )
}
