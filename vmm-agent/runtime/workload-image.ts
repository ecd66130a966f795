// Builds the workload image with no registry: FROM scratch, this host's node binary with the shared
// libraries it links, and the bundled server. Its tag is a content hash, so it is rebuilt only on change.
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { dirname, posix } from 'node:path'
import { Readable } from 'node:stream'
import { promisify } from 'node:util'
import type Docker from 'dockerode'
import { pack as tarPack } from 'tar-stream'
import { LABEL_CLUSTER, LABEL_MANAGED_BY, MANAGED_BY } from './container-labels'

export const WORKLOAD_REPOSITORY = 'acs-workload'
/** The port the workload listens on inside its container (its PORT default). */
export const WORKLOAD_PORT = 8080
const NODE_IN_IMAGE = '/usr/local/bin/node'
const SERVER_IN_IMAGE = '/app/server.js'

export interface WorkloadImage {
  /** e.g. `acs-workload:3f2a9c01b7de` */
  tag: string
  /** False when the tag already existed and the build was skipped. */
  built: boolean
  /** Time spent building (0 when skipped). */
  buildMs: number
  sizeBytes: number
}

export interface WorkloadImageOptions {
  /** The node binary to ship (default: the one running this process). */
  nodePath?: string
  /** The cluster the image is for: in its repository name (`acs-workload-<cluster>`) and its labels. */
  cluster?: string
  /** Each line of Docker's build output, for logs. */
  onProgress?: (line: string) => void
}

/**
 * The files that `ldd` says a binary loads, including the dynamic loader. Pure, for tests.
 * Throws on `not found`, since the image would then fail at its first start.
 */
export function parseLddOutput(output: string): string[] {
  const files: string[] = []
  for (const raw of output.split('\n')) {
    const line = raw.trim()
    if (!line || /statically linked|not a dynamic executable/.test(line)) continue
    const arrow = /^(\S+)\s+=>\s+(.*)$/.exec(line)
    if (arrow) {
      const target = arrow[2]!.trim()
      if (target.startsWith('not found'))
        throw new Error(`the node binary needs ${arrow[1]}, which is not installed`)
      const path = target.split(/\s+/)[0]
      if (path?.startsWith('/')) files.push(path)
      continue
    }
    // The loader and, on some systems, libraries listed by absolute path; linux-vdso lives in the kernel.
    const path = line.split(/\s+/)[0]
    if (path?.startsWith('/')) files.push(path)
  }
  return [...new Set(files)]
}

/** The shared libraries (and loader) that the node binary needs at run time. */
export async function nodeLibraries(nodePath: string): Promise<string[]> {
  try {
    const { stdout } = await promisify(execFile)('ldd', [nodePath], { encoding: 'utf8' })
    return parseLddOutput(stdout)
  } catch (error) {
    const err = error as NodeJS.ErrnoException & { stdout?: string }
    // ldd exits non-zero for a static binary, which needs no libraries at all.
    if (typeof err.stdout === 'string' && /not a dynamic executable/.test(`${err.stdout}${err.message}`))
      return []
    if (err.code === 'ENOENT')
      throw new Error('cannot build the workload image: ldd is not installed (install libc-bin / libc-utils)')
    throw new Error(`cannot build the workload image: ldd ${nodePath} failed: ${err.message}`)
  }
}

function dockerfile(libraryDirs: string[]): string {
  return [
    'FROM scratch',
    'COPY rootfs/ /',
    // The image has no ld.so.cache, so tell the loader where the libraries are.
    `ENV PORT=${WORKLOAD_PORT}${libraryDirs.length ? ` LD_LIBRARY_PATH=${libraryDirs.join(':')}` : ''}`,
    `EXPOSE ${WORKLOAD_PORT}`,
    'USER 65534:65534',
    `ENTRYPOINT ["${NODE_IN_IMAGE}", "${SERVER_IN_IMAGE}"]`,
    '',
  ].join('\n')
}

async function hashFile(hash: ReturnType<typeof createHash>, path: string): Promise<void> {
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
}

interface ContextFile {
  /** Path inside the image. */
  name: string
  /** Host file to copy, or inline content. */
  source: string | Buffer
  mode: number
}

interface TarEntry {
  write(chunk: Buffer): boolean
  end(data?: unknown): unknown
  once(event: 'drain', listener: () => void): unknown
}

/** tar-stream entries are streamx streams: write with backpressure by hand rather than trust pipe(). */
async function copyInto(path: string, entry: TarEntry): Promise<void> {
  for await (const chunk of createReadStream(path)) {
    if (!entry.write(chunk)) await new Promise<void>((resolve) => entry.once('drain', resolve))
  }
  entry.end()
}

/** Streams the build context (Dockerfile + rootfs/) as a tar, reading the big files from disk as it goes. */
function buildContext(files: ContextFile[], dockerfileText: string): Readable {
  const tar = tarPack()
  const write = async (): Promise<void> => {
    tar.entry({ name: 'Dockerfile', mode: 0o644 }, dockerfileText)
    const dirs = new Set<string>()
    for (const file of files) {
      for (let dir = posix.dirname(file.name); dir !== '/'; dir = posix.dirname(dir)) dirs.add(dir)
    }
    for (const dir of [...dirs].sort()) tar.entry({ name: `rootfs${dir}`, type: 'directory', mode: 0o755 })
    for (const file of files) {
      const name = `rootfs${file.name}`
      if (Buffer.isBuffer(file.source)) {
        tar.entry({ name, mode: file.mode }, file.source)
        continue
      }
      const { size } = await stat(file.source)
      await new Promise<void>((resolve, reject) => {
        const entry = tar.entry({ name, mode: file.mode, size }, (error) =>
          error ? reject(error) : resolve(),
        )
        copyInto(file.source as string, entry).catch(reject)
      })
    }
    tar.finalize()
  }
  write().catch((error: Error) => tar.destroy(error))
  // A Node stream, so that a read error surfaces as an 'error' event that the build can act on.
  return Readable.from(tar, { objectMode: false })
}

interface BuildMessage {
  stream?: string
  error?: string
  errorDetail?: { message?: string }
}

async function runBuild(
  docker: Docker,
  context: Readable,
  tag: string,
  hash: string,
  cluster: string | undefined,
  onProgress?: (line: string) => void,
): Promise<void> {
  // A failed read would otherwise leave Docker waiting for the rest of the context forever.
  const abort = new AbortController()
  let contextError: Error | undefined
  context.once('error', (error) => {
    contextError = error
    abort.abort()
  })
  const failed = (error: unknown): Error =>
    new Error(
      contextError
        ? `Docker image build failed while sending the build context: ${contextError.message}`
        : `Docker image build failed: ${(error as Error).message}`,
    )
  const stream = await docker
    .buildImage(context, {
      t: tag,
      rm: true,
      forcerm: true,
      labels: {
        [LABEL_MANAGED_BY]: MANAGED_BY,
        'acs.workload.hash': hash,
        ...(cluster ? { [LABEL_CLUSTER]: cluster } : {}),
      },
      abortSignal: abort.signal,
    })
    .catch((error) => {
      throw failed(error)
    })
  let step = 'sending the build context'
  const messages = await new Promise<BuildMessage[]>((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (error: Error | null, output: BuildMessage[]) => (error ? reject(failed(error)) : resolve(output)),
      (message: BuildMessage) => {
        const line = message.stream?.trim()
        if (!line) return
        const match = /^Step (\d+\/\d+) : (.*)$/.exec(line)
        if (match) step = `step ${match[1]} (${match[2]})`
        onProgress?.(line)
      },
    )
  })
  const failure = messages.find((message) => message.error || message.errorDetail)
  if (failure)
    throw new Error(`Docker image build failed at ${step}: ${failure.errorDetail?.message ?? failure.error}`)
}

async function imageSize(docker: Docker, tag: string): Promise<number | undefined> {
  try {
    return (await docker.getImage(tag).inspect()).Size
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return undefined
    throw error
  }
}

/**
 * Makes sure the workload image for this node binary and this server exists locally, building it when
 * missing. `serverSource` is the bundled server: one CommonJS file that starts the server when run.
 */
export async function ensureWorkloadImage(
  docker: Docker,
  serverSource: string,
  options: WorkloadImageOptions = {},
): Promise<WorkloadImage> {
  const nodePath = options.nodePath ?? process.execPath
  const libraries = await nodeLibraries(nodePath)
  const server = Buffer.from(serverSource)
  const libraryDirs = [...new Set(libraries.map((lib) => dirname(lib)))]
  const recipe = dockerfile(libraryDirs)

  const hash = createHash('sha256')
  hash.update(recipe)
  for (const file of [nodePath, ...libraries]) {
    hash.update(`\0${file}\0`)
    await hashFile(hash, file)
  }
  hash.update('\0server\0').update(server)
  const digest = hash.digest('hex')
  // One repository per cluster, so that one cluster's image clean-up never takes another's; the layers are
  // the same, so Docker's build cache makes the second cluster's build quick.
  const repository = options.cluster ? `${WORKLOAD_REPOSITORY}-${options.cluster}` : WORKLOAD_REPOSITORY
  const tag = `${repository}:${digest.slice(0, 12)}`

  const existing = await imageSize(docker, tag)
  if (existing !== undefined) return { tag, built: false, buildMs: 0, sizeBytes: existing }

  const started = Date.now()
  const files: ContextFile[] = [
    { name: NODE_IN_IMAGE, source: nodePath, mode: 0o755 },
    ...libraries.map((lib) => ({ name: lib, source: lib, mode: 0o755 })),
    { name: SERVER_IN_IMAGE, source: server, mode: 0o644 },
  ]
  await runBuild(docker, buildContext(files, recipe), tag, digest, options.cluster, options.onProgress)
  const sizeBytes = await imageSize(docker, tag)
  if (sizeBytes === undefined)
    throw new Error(`Docker reported a successful build but image ${tag} is missing`)
  return { tag, built: true, buildMs: Date.now() - started, sizeBytes }
}

/** For a user's own image: it must already be loaded into this VM's Docker, since no registry is used. */
export async function ensureImagePresent(docker: Docker, image: string): Promise<number> {
  const size = await imageSize(docker, image)
  if (size === undefined)
    throw new Error(
      `Image ${image} is not present in this VM's Docker, and no registry is used: on a machine that has it, ` +
        `run 'docker save ${image} -o image.tar', copy image.tar here and run 'docker load -i image.tar' ` +
        `(or build it here with 'docker build -t ${image} .'). Its server must listen on the PORT it is given.`,
    )
  return size
}
