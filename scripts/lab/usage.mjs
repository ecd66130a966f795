// How people run the lab: the command they type (named wherever a message tells them what to run),
// its usage, and the root that every command needs.
import { DEFAULT_NAME } from './layout.mjs'
import { LabError } from './log.mjs'

export const LAB_COMMAND = 'scripts/lab/lab'

export const USAGE = `usage:
  ${LAB_COMMAND} up --hosts N [--name NAME] [--no-docker LIST] [--with-node] [--state-dir DIR] [--subnet CIDR]
  ${LAB_COMMAND} down [--name NAME] [--state-dir DIR]
  ${LAB_COMMAND} rotate-host-key --name NAME --host I
  ${LAB_COMMAND} status [--name NAME]
NAME defaults to ${DEFAULT_NAME}. See docs/LAB.md.`

/** Throws unless root; `why` tells a first-time user what needs it. */
export function requireRoot(command, why = '') {
  if (process.getuid?.() !== 0)
    throw new LabError(`must run as root${why}: sudo ${LAB_COMMAND}${command ? ` ${command}` : ''} ...`)
}
