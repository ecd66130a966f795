// A failed call as a sentence for a person: the core's own message when it sent one (ApiError), else
// what the transport said, never a stack trace.
import { ApiError } from '../../../shared/api/contract'

export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message
  if (error instanceof TypeError) return `the VIM did not answer (${error.message})`
  if (error instanceof Error) return error.message
  return String(error)
}
