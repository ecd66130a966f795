// The page's CSP forbids eval, and zod probes for it (`new Function`) on the first parse of an object
// schema, which the browser reports as a CSP violation even though zod catches it. Without its JIT zod
// never probes. main.tsx imports this first, before any module parses a schema while it loads.
import { z } from 'zod'

z.config({ jitless: true })
