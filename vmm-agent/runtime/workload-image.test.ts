// ldd's output decides what goes into the FROM-scratch image: parse it from recorded real outputs.
import { PassThrough, type Readable } from 'node:stream'
import Docker from 'dockerode'
import { extract } from 'tar-stream'
import { describe, expect, it } from 'vitest'
import { ensureWorkloadImage, nodeLibraries, parseLddOutput } from './workload-image'

const debianNode = `	linux-vdso.so.1 (0x00007fe6cd0c6000)
	libdl.so.2 => /lib/x86_64-linux-gnu/libdl.so.2 (0x00007fe6cd0af000)
	libstdc++.so.6 => /lib/x86_64-linux-gnu/libstdc++.so.6 (0x00007fe6cce00000)
	libm.so.6 => /lib/x86_64-linux-gnu/libm.so.6 (0x00007fe6ccd20000)
	libgcc_s.so.1 => /lib/x86_64-linux-gnu/libgcc_s.so.1 (0x00007fe6cd08f000)
	libpthread.so.0 => /lib/x86_64-linux-gnu/libpthread.so.0 (0x00007fe6cd08a000)
	libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007fe6ccb3e000)
	/lib64/ld-linux-x86-64.so.2 (0x00007fe6cd0c8000)
`

const alpineNode = `	/lib/ld-musl-x86_64.so.1 (0x7f0c1b4c1000)
	libstdc++.so.6 => /usr/lib/libstdc++.so.6 (0x7f0c17a00000)
	libgcc_s.so.1 => /usr/lib/libgcc_s.so.1 (0x7f0c1b48b000)
	libc.musl-x86_64.so.1 => /lib/ld-musl-x86_64.so.1 (0x7f0c1b4c1000)
`

describe('parseLddOutput', () => {
  it('keeps every library and the loader, not the vdso (glibc)', () => {
    expect(parseLddOutput(debianNode)).toEqual([
      '/lib/x86_64-linux-gnu/libdl.so.2',
      '/lib/x86_64-linux-gnu/libstdc++.so.6',
      '/lib/x86_64-linux-gnu/libm.so.6',
      '/lib/x86_64-linux-gnu/libgcc_s.so.1',
      '/lib/x86_64-linux-gnu/libpthread.so.0',
      '/lib/x86_64-linux-gnu/libc.so.6',
      '/lib64/ld-linux-x86-64.so.2',
    ])
  })

  it('lists a file once when musl names the loader twice', () => {
    expect(parseLddOutput(alpineNode)).toEqual([
      '/lib/ld-musl-x86_64.so.1',
      '/usr/lib/libstdc++.so.6',
      '/usr/lib/libgcc_s.so.1',
    ])
  })

  it('needs nothing for a static binary', () => {
    expect(parseLddOutput('\tstatically linked\n')).toEqual([])
    expect(parseLddOutput('\tnot a dynamic executable\n')).toEqual([])
  })

  it('refuses a binary with a missing library, naming it', () => {
    expect(() => parseLddOutput('\tlibuv.so.1 => not found\n')).toThrow('libuv.so.1')
  })
})

/** A Docker that has no images and answers a build with `output`; records what it was sent. */
function scriptedDocker(output: object[], existing?: string) {
  const real = new Docker()
  const sent = { tag: '', files: new Map<string, string>(), builds: 0 }
  const docker = {
    modem: real.modem,
    getImage: (tag: string) => ({
      inspect: async () => {
        if (tag === existing || (sent.builds > 0 && tag === sent.tag)) return { Size: 1234 }
        throw Object.assign(new Error('no such image'), { statusCode: 404 })
      },
    }),
    buildImage: async (context: Readable, options: { t: string }) => {
      sent.builds++
      sent.tag = options.t
      const reader = extract()
      context.pipe(reader)
      for await (const entry of reader) {
        const chunks: Buffer[] = []
        for await (const chunk of entry) chunks.push(chunk as Buffer)
        sent.files.set(entry.header.name, Buffer.concat(chunks).toString())
      }
      const progress = new PassThrough()
      progress.end(output.map((line) => `${JSON.stringify(line)}\n`).join(''))
      return progress
    },
  } as unknown as Docker
  return { docker, sent }
}

// A small dynamic binary stands in for node, so that the test sends kilobytes, not 100 MB.
const nodePath = '/bin/true'

describe('ensureWorkloadImage', () => {
  it('sends a FROM-scratch context with the binary, its libraries, the loader and the server', async () => {
    const { docker, sent } = scriptedDocker([
      { stream: 'Step 1/5 : FROM scratch\n' },
      { stream: 'Successfully built x\n' },
    ])
    const image = await ensureWorkloadImage(docker, 'console.log("hi")', { nodePath })
    expect(image).toMatchObject({ built: true, sizeBytes: 1234 })
    expect(image.tag).toMatch(/^acs-workload:[0-9a-f]{12}$/)
    expect(sent.files.get('Dockerfile')).toMatch(/^FROM scratch\nCOPY rootfs\/ \/\n/)
    expect(sent.files.get('Dockerfile')).toContain('ENTRYPOINT ["/usr/local/bin/node", "/app/server.js"]')
    expect(sent.files.get('rootfs/app/server.js')).toBe('console.log("hi")')
    const names = [...sent.files.keys()]
    expect(names).toContain('rootfs/usr/local/bin/node')
    for (const library of await nodeLibraries(nodePath)) expect(names).toContain(`rootfs${library}`)
  })

  it('skips the build when the tag for this content exists, and changes the tag when the server changes', async () => {
    const first = scriptedDocker([])
    const built = await ensureWorkloadImage(first.docker, 'v1', { nodePath })
    const again = scriptedDocker([], built.tag)
    expect(await ensureWorkloadImage(again.docker, 'v1', { nodePath })).toEqual({
      tag: built.tag,
      built: false,
      buildMs: 0,
      sizeBytes: 1234,
    })
    expect(again.sent.builds).toBe(0)
    const changed = await ensureWorkloadImage(scriptedDocker([], built.tag).docker, 'v2', { nodePath })
    expect(changed.tag).not.toBe(built.tag)
  })

  it("names the step where the build failed and Docker's reason", async () => {
    const { docker } = scriptedDocker([
      { stream: 'Step 1/5 : FROM scratch\n' },
      { stream: 'Step 2/5 : COPY rootfs/ /\n' },
      { errorDetail: { message: 'no space left on device' }, error: 'no space left on device' },
    ])
    await expect(ensureWorkloadImage(docker, 'x', { nodePath })).rejects.toThrow(
      'Docker image build failed at step 2/5 (COPY rootfs/ /): no space left on device',
    )
  })
})
