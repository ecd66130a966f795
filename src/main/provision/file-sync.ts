// Puts files on the host the way a deploy must survive being cut off: a file already there with the
// right sha256 is not sent again; others go to a private staging directory, are checked against the local
// hash, then moved into place in one rename, so the final path never holds a partial file.
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { basename } from 'node:path'
import type { InstallLayout } from './deploy-plan'
import { type Remote, StepFailure } from './remote'

export interface InstallFile {
  /** As the log names it, e.g. 'node' or 'vmm-agent.mjs'. */
  name: string
  dest: string
  mode: number
  sha256: string
  size: number
  source: { path: string } | { content: string }
}

/** Prints `HASH  PATH` for each argument that is a file; missing ones are simply absent. */
const HASH_SCRIPT = 'for f in "$@"; do if [ -f "$f" ]; then sha256sum "$f"; fi; done; true'

/**
 * A staging directory only the login user can read (mktemp -d is 0700). Leftovers of a deploy that was
 * cut off are removed first: they are this user's, and only a deploy creates them.
 */
const STAGE_DIR_SCRIPT = `set -e
if [ "$1" = home ]; then
  mkdir -p "$2"
  chmod 700 "$2"
  rm -rf "$2"/.stage.*
  mktemp -d "$2/.stage.XXXXXX"
else
  base=\${TMPDIR:-/tmp}
  find "$base" -maxdepth 1 -type d -name 'acs-deploy.*' -user "$(id -u)" -exec rm -rf {} + 2>/dev/null || true
  mktemp -d "$base/acs-deploy.XXXXXX"
fi`

/** Copy next to the final path, then rename: a reader sees the old file or the new one, never half. */
const INSTALL_SCRIPT = `set -e
install -m "$3" "$1" "$2.new"
mv -f "$2.new" "$2"
rm -f "$1"`

/** The install directory and its log and run directories, private to the agent's user under sudo too. */
const ENSURE_DIR_SCRIPT = `set -e
mkdir -p "$1/log" "$1/run"
chmod "$2" "$1"`

export function parseSha256sum(output: string): Map<string, string> {
  const hashes = new Map<string, string>()
  for (const line of output.split('\n')) {
    const match = /^([0-9a-f]{64}) [ *](.+)$/.exec(line.trim())
    if (match) hashes.set(match[2] as string, match[1] as string)
  }
  return hashes
}

const hashCache = new Map<string, { size: number; mtimeMs: number; sha256: string }>()

/** A local file to install; its hash is cached while the file is unchanged (the runtime is ~100 MB). */
export async function localInstallFile(
  name: string,
  path: string,
  dest: string,
  mode: number,
): Promise<InstallFile> {
  const info = await stat(path)
  let cached = hashCache.get(path)
  if (!cached || cached.size !== info.size || cached.mtimeMs !== info.mtimeMs) {
    const hash = createHash('sha256')
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
    cached = { size: info.size, mtimeMs: info.mtimeMs, sha256: hash.digest('hex') }
    hashCache.set(path, cached)
  }
  return { name, dest, mode, sha256: cached.sha256, size: info.size, source: { path } }
}

export function contentInstallFile(name: string, content: string, dest: string, mode: number): InstallFile {
  return {
    name,
    dest,
    mode,
    sha256: createHash('sha256').update(content).digest('hex'),
    size: Buffer.byteLength(content),
    source: { content },
  }
}

export function megabytes(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MB`
}

/** "12.5 MB of 94.3 MB (13%)". */
export function transferText(sent: number, total: number): string {
  return `${megabytes(sent)} of ${megabytes(total)} (${total > 0 ? Math.floor((sent / total) * 100) : 100}%)`
}

export async function ensureInstallDir(remote: Remote, step: string, layout: InstallLayout): Promise<void> {
  await remote.mustScript(
    step,
    `Creating ${layout.dir}`,
    ENSURE_DIR_SCRIPT,
    [layout.dir, layout.sudo ? '755' : '700'],
    {
      sudo: layout.sudo,
    },
  )
}

export async function makeStageDir(remote: Remote, step: string, layout: InstallLayout): Promise<string> {
  const result = await remote.mustScript(
    step,
    'Creating a staging directory',
    STAGE_DIR_SCRIPT,
    [layout.kind, layout.dir],
    {
      log: false,
    },
  )
  const dir = result.stdout.trim()
  if (!/^\/[^\n]+$/.test(dir))
    throw new StepFailure(`mktemp on ${remote.host} printed no directory ('${dir}')`)
  return dir
}

export async function removeStageDir(remote: Remote, step: string, dir: string): Promise<void> {
  if (remote.session.closed) return
  await remote.command(step, ['rm', '-rf', dir], { log: false }).catch(() => {})
}

export interface SyncReport {
  uploaded: string[]
  unchanged: string[]
}

/** Installs each file unless the host already has it with the same hash; returns what it sent. */
export async function syncFiles(
  remote: Remote,
  step: string,
  files: readonly InstallFile[],
  stageDir: string,
  sudo: boolean,
  onProgress: (detail: string) => void = () => {},
): Promise<SyncReport> {
  const present = parseSha256sum(
    (
      await remote.script(
        step,
        HASH_SCRIPT,
        files.map((f) => f.dest),
        { sudo, log: false },
      )
    ).stdout,
  )
  const report: SyncReport = { uploaded: [], unchanged: [] }
  for (const file of files) {
    if (present.get(file.dest) === file.sha256) {
      report.unchanged.push(file.name)
      continue
    }
    const staged = `${stageDir}/${basename(file.dest)}`
    await sendFile(remote, step, file, staged, onProgress)
    const arrived = parseSha256sum(
      (await remote.script(step, HASH_SCRIPT, [staged], { log: false })).stdout,
    ).get(staged)
    if (arrived !== file.sha256)
      throw new StepFailure(
        `${file.name} arrived on ${remote.host} damaged (sha256 ${arrived ?? 'missing'}, expected ${file.sha256}): deploy again`,
      )
    await remote.mustScript(
      step,
      `Installing ${file.dest}`,
      INSTALL_SCRIPT,
      [staged, file.dest, file.mode.toString(8)],
      {
        sudo,
      },
    )
    report.uploaded.push(file.name)
  }
  return report
}

/** Progress lines in the log: at most one per quarter of the file; the step's detail is updated more often. */
async function sendFile(
  remote: Remote,
  step: string,
  file: InstallFile,
  staged: string,
  onProgress: (detail: string) => void,
): Promise<void> {
  const started = Date.now()
  if ('content' in file.source) {
    await remote.session.writeFile(staged, file.source.content, file.mode & 0o700).catch((error: Error) => {
      throw new StepFailure(`Uploading ${file.name} to ${remote.host} failed: ${error.message}`)
    })
    return
  }
  remote.info(step, `uploading ${file.name} (${megabytes(file.size)})`)
  let loggedQuarter = 0
  let notedAt = 0
  try {
    await remote.session.upload(file.source.path, staged, {
      mode: file.mode & 0o700,
      signal: remote.signal,
      onProgress: (sent, total) => {
        const now = Date.now()
        if (now - notedAt >= 250) {
          notedAt = now
          onProgress(`${file.name}: ${transferText(sent, total)}`)
        }
        const quarter = Math.floor((sent / Math.max(total, 1)) * 4)
        if (quarter > loggedQuarter && quarter < 4) {
          loggedQuarter = quarter
          remote.info(step, `${file.name}: ${transferText(sent, total)}`)
        }
      },
    })
  } catch (error) {
    throw new StepFailure(
      `Uploading ${file.name} to ${remote.host} was interrupted: ${(error as Error).message}. Deploy again: files already sent completely are kept`,
    )
  }
  const seconds = Math.max((Date.now() - started) / 1000, 0.001)
  remote.info(step, `${file.name}: ${transferText(file.size, file.size)} in ${seconds.toFixed(1)} s`)
}
