// A small kernel file (cgroup, /proc) re-read every second through one open handle: one pread from
// offset 0 per read instead of open + fstat + read + close, and the kernel regenerates the content.
import { type FileHandle, open } from 'node:fs/promises'

export class PolledFile {
  private handle: Promise<FileHandle> | undefined
  private buffer: Buffer

  constructor(
    readonly path: string,
    initialBytes = 256,
  ) {
    this.buffer = Buffer.allocUnsafe(initialBytes)
  }

  /** The whole current content. On an error (file gone) the handle is dropped and reopened next time. */
  async read(): Promise<string> {
    this.handle ??= open(this.path, 'r')
    try {
      const handle = await this.handle
      for (;;) {
        const { bytesRead } = await handle.read(this.buffer, 0, this.buffer.length, 0)
        // A full buffer may mean a truncated read: grow and read again (memory.stat is ~1-2 KB).
        if (bytesRead < this.buffer.length) return this.buffer.toString('utf8', 0, bytesRead)
        this.buffer = Buffer.allocUnsafe(this.buffer.length * 2)
      }
    } catch (error) {
      this.close()
      throw error
    }
  }

  close(): void {
    const handle = this.handle
    this.handle = undefined
    handle?.then((h) => h.close()).catch(() => {})
  }
}
