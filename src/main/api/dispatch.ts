// Validates and runs one control-API call; every transport goes through here so errors look the same.
import { ApiError, type ApiResult, apiCalls, type ControlApi, isApiCallName } from '../../shared/api/contract'
import { describeIssues, errorMessage } from '../../shared/issues'
import { log } from '../log'

export async function dispatchApiCall(
  api: ControlApi,
  channel: unknown,
  rawInput: unknown,
): Promise<ApiResult<unknown>> {
  if (!isApiCallName(channel)) {
    return { ok: false, error: { code: 'not_found', message: `Unknown API call '${String(channel)}'.` } }
  }
  const parsed = apiCalls[channel].input.safeParse(rawInput ?? {})
  if (!parsed.success) {
    return {
      ok: false,
      error: { code: 'invalid_input', message: `${channel}: ${describeIssues(parsed.error.issues)}` },
    }
  }
  try {
    const call = api[channel] as (input: unknown) => Promise<unknown>
    return { ok: true, value: await call(parsed.data) }
  } catch (error) {
    if (error instanceof ApiError) return { ok: false, error: { code: error.code, message: error.message } }
    log.error(`API call ${channel} failed`, error)
    return { ok: false, error: { code: 'internal', message: `${channel} failed: ${errorMessage(error)}` } }
  }
}
