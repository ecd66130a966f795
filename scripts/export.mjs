// `npm run export -- kubernetes [--out DIR]`: the cluster as Kubernetes YAML (src/main/export/export-cli.ts).
import { runBundled } from './run-bundled.mjs'

await runBundled('src/main/export/export-cli.ts', 'export.mjs')
