// One number of the policy: its label (and unit), the text input, a hint, and the schema's message.
import type { NumberFieldSpec } from './policy-fields'

interface Props {
  spec: NumberFieldSpec
  value: string
  error: string | undefined
  onChange(value: string): void
}

export function PolicyNumberField({ spec, value, error, onChange }: Props) {
  const id = `policy-${spec.key.replace('.', '-')}`
  const described = [spec.hint && `${id}-hint`, error && `${id}-error`].filter(Boolean).join(' ')
  return (
    <div className={`form-field${error ? ' has-error' : ''}`}>
      <label htmlFor={id}>
        {spec.context && <span className="sr-only">{spec.context}: </span>}
        {spec.label} <span className="unit">({spec.unit})</span>
      </label>
      <input
        id={id}
        type="text"
        inputMode="decimal"
        autoComplete="off"
        value={value}
        aria-invalid={error ? true : undefined}
        aria-describedby={described || undefined}
        onChange={(event) => onChange(event.target.value)}
      />
      {spec.hint && (
        <p id={`${id}-hint`} className="field-hint">
          {spec.hint}
        </p>
      )}
      {error && (
        <p id={`${id}-error`} className="field-error">
          {error}
        </p>
      )}
    </div>
  )
}
