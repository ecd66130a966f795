// Sandboxed preload: exposes exactly the control-API transport, never ipcRenderer itself.
import { contextBridge, type IpcRendererEvent, ipcRenderer } from 'electron'
import type { PreloadBridge } from './api'
import { IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL } from './channels'

const bridge: PreloadBridge = {
  call: (channel, input) => {
    if (typeof channel !== 'string') return Promise.reject(new TypeError('channel must be a string'))
    return ipcRenderer.invoke(IPC_CALL_CHANNEL, channel, input)
  },
  onEvent: (listener) => {
    const forward = (_event: IpcRendererEvent, payload: Parameters<typeof listener>[0]) => listener(payload)
    ipcRenderer.on(IPC_EVENT_CHANNEL, forward)
    return () => ipcRenderer.off(IPC_EVENT_CHANNEL, forward)
  },
}

contextBridge.exposeInMainWorld('acs', bridge)
