// "Not served here": a 503 that a proxy answers itself when no backend saw the request (nothing ready,
// or its queue is full). The tier in front may retry it elsewhere; the marker never reaches a client.

/** Set on such a 503, with the reason as its value. */
export const UNSERVED_HEADER = 'x-acs-unserved'

export type UnservedReason = 'no-backend' | 'queue-full' | 'queue-wait'

/** Seconds a client is asked to wait before retrying a 503. */
export const RETRY_AFTER_SECONDS = 1
