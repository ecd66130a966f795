// `npm run traffic -- --url URL ...`: the traffic generator's command line.
import { runBundled } from './run-bundled.mjs'

await runBundled('src/main/traffic/cli.ts', 'traffic.mjs')
