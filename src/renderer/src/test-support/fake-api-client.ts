// A scripted ApiClient for view tests: answers calls from handlers, records every call, and pushes
// events and connection changes on demand, so a view is tested without a core behind it.
import {
  type ApiCallName,
  ApiError,
  type ApiErrorBody,
  type ApiEvent,
  type ApiInput,
  type ApiOutput,
} from '../../../shared/api/contract'
import type { ApiClient, ConnectionState } from '../api/client'

type Handler<C extends ApiCallName> = (input: ApiInput<C>) => ApiOutput<C> | Promise<ApiOutput<C>>

export interface RecordedCall {
  channel: ApiCallName
  input: unknown
}

export class FakeApiClient implements ApiClient {
  readonly transport = 'http' as const
  readonly calls: RecordedCall[] = []
  private readonly handlers = new Map<ApiCallName, Handler<ApiCallName>>()
  private readonly eventListeners = new Set<(event: ApiEvent) => void>()
  private readonly connectionListeners = new Set<(state: ConnectionState) => void>()
  private connection: ConnectionState = 'connected'

  /** Answers `channel` with `handler` from now on. */
  on<C extends ApiCallName>(channel: C, handler: Handler<C>): this {
    this.handlers.set(channel, handler as unknown as Handler<ApiCallName>)
    return this
  }

  /** Makes `channel` fail the way the core does: an ApiError with a code and a message. */
  fail(channel: ApiCallName, code: ApiErrorBody['code'], message: string): this {
    this.handlers.set(channel, () => {
      throw new ApiError(code, message)
    })
    return this
  }

  /** The inputs of every call made to `channel`, oldest first. */
  callsTo<C extends ApiCallName>(channel: C): ApiInput<C>[] {
    return this.calls.filter((call) => call.channel === channel).map((call) => call.input as ApiInput<C>)
  }

  async call<C extends ApiCallName>(channel: C, input: ApiInput<C>): Promise<ApiOutput<C>> {
    this.calls.push({ channel, input })
    const handler = this.handlers.get(channel) as Handler<C> | undefined
    if (!handler) throw new ApiError('unavailable', `The fake client has no answer for ${channel}.`)
    return handler(input)
  }

  emit(event: ApiEvent): void {
    for (const listener of this.eventListeners) listener(event)
  }

  setConnection(state: ConnectionState): void {
    this.connection = state
    for (const listener of this.connectionListeners) listener(state)
  }

  onEvent(listener: (event: ApiEvent) => void): () => void {
    this.eventListeners.add(listener)
    return () => this.eventListeners.delete(listener)
  }

  onConnection(listener: (state: ConnectionState) => void): () => void {
    this.connectionListeners.add(listener)
    listener(this.connection)
    return () => this.connectionListeners.delete(listener)
  }
}
