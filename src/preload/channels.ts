// IPC channel names shared by the preload and the main process bridge.
export const IPC_CALL_CHANNEL = 'acs:api-call'
export const IPC_EVENT_CHANNEL = 'acs:api-event'
