// `npm run screenshots`: retakes the README's screenshots with the e2e tests that take them
// (test/e2e/screenshots.test.ts: a lab of 2 VMs, a little traffic, Debian's chromium; and the pages
// photographed by their own tests), writing them into docs/screenshots/ instead of test-output/. A missing Chromium fails the run rather than skipping.
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { root } from './ensure-build.mjs'

const vitest = spawn(
  process.execPath,
  [
    join(root, 'node_modules/vitest/vitest.mjs'),
    'run',
    '--project',
    'integration',
    'test/e2e/screenshots.test.ts',
    'test/e2e/topology-scale.test.ts',
    'test/e2e/logs.test.ts',
    'test/e2e/vms-swarm-screenshots.test.ts',
  ],
  {
    cwd: root,
    env: { ...process.env, ACS_SCREENSHOTS_DIR: join(root, 'docs/screenshots'), ACS_REQUIRE_BROWSER: '1' },
    stdio: 'inherit',
  },
)
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => vitest.kill(signal))
vitest.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
