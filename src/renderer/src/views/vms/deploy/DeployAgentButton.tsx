// The VMs table's way into a VM's agent panel: "Deploy agent", "Upgrade agent" when one is connected,
// or what is under way ("Deploying…"), which reopens the panel to watch it.
import type { VmInfo } from '../../../../../shared/domain/cluster'
import { useApp } from '../../../app-context'
import { RUNNING_BUTTON } from './deploy-words'

interface Props {
  vm: VmInfo
  onOpen(vm: VmInfo, opener: HTMLElement): void
}

export function DeployAgentButton({ vm, onOpen }: Props) {
  const progress = useApp((state) => state.deployRuns[vm.name]?.progress)
  const running = progress?.state === 'running' ? progress.operation : undefined
  const [text, name, title] = running
    ? [RUNNING_BUTTON[running].text, RUNNING_BUTTON[running].name(vm.name), undefined]
    : vm.agent
      ? [
          'Upgrade agent',
          `Upgrade agent on ${vm.name}`,
          `Install this VIM's agent version on ${vm.name} over SSH`,
        ]
      : ['Deploy agent', `Deploy agent to ${vm.name}`, `Install and start the agent on ${vm.name} over SSH`]
  return (
    <button
      type="button"
      className={`ui-button small${running ? ' is-deploying' : ''}`}
      aria-label={name}
      title={title}
      onClick={(event) => onOpen(vm, event.currentTarget)}
    >
      {text}
    </button>
  )
}
