#!/usr/bin/env node
// The command line of the lab hosts (docs/LAB.md): arguments, dispatch to a command, and exit status 1
// with a message on failure. JSON goes to stdout, messages to stderr.
import { parseArgs } from 'node:util'
import { down } from './commands/down.mjs'
import { rotateHostKey } from './commands/rotate-host-key.mjs'
import { status } from './commands/status.mjs'
import { up } from './commands/up.mjs'
import { LabError, log } from './log.mjs'
import { USAGE } from './usage.mjs'

// Files the lab makes get the modes it asks for; under sudo, PATH may lack the sbin directories.
process.umask(0o022)
process.env.PATH = `/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:${process.env.PATH ?? ''}`

async function main() {
  const [command, ...rest] = process.argv.slice(2)
  const { values } = parseArgs({
    args: rest,
    options: {
      hosts: { type: 'string' },
      name: { type: 'string' },
      'no-docker': { type: 'string' },
      'with-node': { type: 'boolean' },
      'state-dir': { type: 'string' },
      subnet: { type: 'string' },
      host: { type: 'string' },
    },
    strict: true,
  })
  switch (command) {
    case 'up':
      if (values.hosts === undefined) throw new LabError(`up needs --hosts N\n${USAGE}`)
      return up(values)
    case 'down':
      return down(values)
    case 'rotate-host-key':
      if (values.host === undefined) throw new LabError(`rotate-host-key needs --host I\n${USAGE}`)
      return rotateHostKey(values)
    case 'status':
      return status(values)
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stderr.write(`${USAGE}\n`)
      return
    default:
      throw new LabError(`unknown command ${command}\n${USAGE}`)
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    log(
      error instanceof LabError || error?.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION'
        ? error.message
        : error.stack,
    )
    process.exit(1)
  },
)
