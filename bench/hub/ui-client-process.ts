// The hub benchmark's UI client in a process of its own, as a browser would be: the fleet simulator's
// thousand agents must not delay the stream messages it times (see ui-feed-client.ts).
import { failStart, serveParent } from '../proxy/bench-child-runtime'
import { openUiFeedClient } from './ui-feed-client'

const [url, token] = process.argv.slice(2)
if (!url || !token) failStart(new Error('usage: ui-client-process STREAM_URL API_TOKEN'))
else {
  const client = openUiFeedClient(url, token)
  await client.ready.catch(failStart)
  serveParent(
    {},
    { measureStart: () => client.measureStart(), measureStop: () => client.measureStop() },
    () => client.close(),
  )
}
