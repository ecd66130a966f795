// The child's side of bench-child: answers the parent's requests over the IPC channel, and cleans up
// and exits when the parent lets go of it (or dies), so that no benchmark process outlives its run.

export interface ChildRequest {
  id: number
  name: string
  argument?: unknown
}

export type ChildReply =
  | { kind: 'ready'; ready: unknown }
  | { kind: 'result'; id: number; result: unknown }
  | { kind: 'error'; id: number; error: string }

export type ChildHandlers = Record<string, (argument: unknown) => unknown>

export function serveParent(ready: unknown, handlers: ChildHandlers, cleanUp: () => Promise<void>): void {
  if (!process.send)
    throw new Error('this module runs only as a benchmark child (forked with an IPC channel)')
  const send = (reply: ChildReply) => process.send?.(reply)
  process.on('message', (raw) => {
    const request = raw as ChildRequest
    const handler = Object.hasOwn(handlers, request.name) ? handlers[request.name] : undefined
    if (!handler) return send({ kind: 'error', id: request.id, error: `no handler "${request.name}"` })
    Promise.resolve()
      .then(() => handler(request.argument))
      .then(
        (result) => send({ kind: 'result', id: request.id, result }),
        (error: unknown) =>
          send({
            kind: 'error',
            id: request.id,
            error: error instanceof Error ? error.message : String(error),
          }),
      )
  })
  process.once('disconnect', () => {
    // Bounded: a stuck clean-up must not keep the process alive.
    setTimeout(() => process.exit(0), 3000).unref()
    void cleanUp()
      .catch(() => {})
      .finally(() => process.exit(0))
  })
  send({ kind: 'ready', ready })
}

/** Failing to start is reported on stderr (the parent shows it) with a non-zero exit. */
export function failStart(error: unknown): never {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  process.exit(1)
}
