// What the VIM learns about a host before it changes anything: one fixed script prints key=value lines,
// and a pure parser turns them into a HostProbe.

/** Where the agent lives: under /opt with sudo (root-owned), else in the user's home. */
export const ROOT_INSTALL_DIR = '/opt/auto-cloud-scaler'
export const HOME_INSTALL_NAME = '.auto-cloud-scaler'
export const SYSTEMD_UNIT_NAME = 'acs-agent.service'
export const SYSTEMD_UNIT_PATH = `/etc/systemd/system/${SYSTEMD_UNIT_NAME}`

/**
 * Runs as the login user; needs only POSIX sh and coreutils. Every value is printed on one line. The
 * Docker checks are bounded (`timeout`) because a hung engine would otherwise hang the deploy.
 */
export const PROBE_SCRIPT = `
out() { printf '%s=%s\\n' "$1" "$(printf '%s' "$2" | tr '\\n\\r\\t' '   ')"; }
has() { command -v "$1" >/dev/null 2>&1; }
bounded() { if has timeout; then timeout 20 "$@"; else "$@"; fi; }
free_kb() {
  d=$1
  while [ ! -d "$d" ]; do d=$(dirname "$d"); done
  df -Pk "$d" 2>/dev/null | awk 'NR == 2 { print $4 }'
}
out probe 1
if [ -r /etc/os-release ]; then
  out os.id "$(sed -n 's/^ID=//p' /etc/os-release | head -n 1 | tr -d "\\"'")"
  out os.name "$(sed -n 's/^PRETTY_NAME=//p' /etc/os-release | head -n 1 | tr -d "\\"'")"
fi
out kernel "$(uname -s)"
out arch "$(uname -m)"
out user "$(id -un)"
out home "$HOME"
sudo=no
if has sudo && sudo -n true >/dev/null 2>&1; then sudo=yes; fi
out sudo "$sudo"
if [ -d /run/systemd/system ]; then out systemd yes; else out systemd no; fi
if has apt-get; then out apt yes; else out apt no; fi
missing=''
for tool in sh sha256sum mktemp setsid nohup tail install; do has "$tool" || missing="$missing $tool"; done
out tools.missing "$missing"
if has docker; then
  out docker.cli "$(command -v docker)"
  out docker.user "$(bounded docker version --format '{{.Server.Version}}' 2>/dev/null)"
  if [ "$sudo" = yes ]; then
    out docker.root "$(bounded sudo -n docker version --format '{{.Server.Version}}' 2>/dev/null)"
  fi
fi
if [ -S /var/run/docker.sock ]; then out docker.socket yes; else out docker.socket no; fi
case " $(id -nG 2>/dev/null) " in *" docker "*) out docker.group yes ;; *) out docker.group no ;; esac
if has node; then
  out node.path "$(command -v node)"
  out node.version "$(node --version 2>/dev/null)"
fi
out disk.root "$(free_kb ${ROOT_INSTALL_DIR})"
out disk.home "$(free_kb "$HOME/${HOME_INSTALL_NAME}")"
out disk.tmp "$(free_kb "\${TMPDIR:-/tmp}")"
if [ -e ${ROOT_INSTALL_DIR} ]; then out install.root yes; fi
if [ -r ${ROOT_INSTALL_DIR}/version ]; then out install.root.version "$(head -c 64 ${ROOT_INSTALL_DIR}/version)"; fi
if [ -e "$HOME/${HOME_INSTALL_NAME}" ]; then out install.home yes; fi
if [ -r "$HOME/${HOME_INSTALL_NAME}/version" ]; then
  out install.home.version "$(head -c 64 "$HOME/${HOME_INSTALL_NAME}/version")"
fi
if [ -f ${SYSTEMD_UNIT_PATH} ]; then out install.unit yes; fi
out end 1
`

export interface InstalledAgent {
  dir: string
  /** The agent version written at install, or null when the directory holds no (readable) version. */
  version: string | null
}

export interface HostProbe {
  os: { id: string; name: string }
  arch: string
  user: string
  home: string
  sudo: boolean
  systemd: boolean
  apt: boolean
  missingTools: string[]
  docker: {
    /** Path of the docker CLI, or null. */
    cli: string | null
    /** Engine version as the login user sees it, or null when it cannot use the engine. */
    userEngine: string | null
    /** Engine version through `sudo -n`, or null (also without sudo). */
    rootEngine: string | null
    socket: boolean
    inGroup: boolean
  }
  node: { path: string | null; version: string | null; major: number | null }
  /** Free space in KiB where each layout installs, and in the temp dir; null when unknown. */
  freeKb: { root: number | null; home: number | null; tmp: number | null }
  installed: { root: InstalledAgent | null; home: InstalledAgent | null; systemdUnit: boolean }
}

export type ProbeResult = { ok: true; probe: HostProbe } | { ok: false; message: string }

/** Node's major version from `v20.11.1`, or null. */
export function nodeMajor(version: string | null): number | null {
  const match = /^v?(\d+)\.\d+\.\d+/.exec(version ?? '')
  return match ? Number(match[1]) : null
}

export function parseProbe(output: string): ProbeResult {
  const values = new Map<string, string>()
  for (const line of output.split('\n')) {
    const at = line.indexOf('=')
    if (at > 0) values.set(line.slice(0, at).trim(), line.slice(at + 1).trim())
  }
  if (values.get('probe') !== '1' || values.get('end') !== '1') {
    return {
      ok: false,
      message: 'the host did not answer the inspection script completely (is the login shell a POSIX shell?)',
    }
  }
  const text = (key: string) => values.get(key) || null
  const yes = (key: string) => values.get(key) === 'yes'
  const kb = (key: string) => {
    const value = values.get(key)
    return value && /^\d+$/.test(value) ? Number(value) : null
  }
  const home = text('home')
  if (!home?.startsWith('/'))
    return { ok: false, message: `the user's home directory is unknown ('${home ?? ''}')` }
  if (values.get('kernel') !== 'Linux') {
    return { ok: false, message: `the host runs ${values.get('kernel') || 'an unknown system'}, not Linux` }
  }
  const nodeVersion = text('node.version')
  const installed = (where: 'root' | 'home', dir: string): InstalledAgent | null =>
    yes(`install.${where}`) ? { dir, version: cleanVersion(text(`install.${where}.version`)) } : null
  return {
    ok: true,
    probe: {
      os: { id: text('os.id') ?? 'unknown', name: text('os.name') ?? 'an unknown Linux' },
      arch: text('arch') ?? 'unknown',
      user: text('user') ?? 'unknown',
      home,
      sudo: yes('sudo'),
      systemd: yes('systemd'),
      apt: yes('apt'),
      missingTools: (values.get('tools.missing') ?? '').split(/\s+/).filter(Boolean),
      docker: {
        cli: text('docker.cli'),
        userEngine: text('docker.user'),
        rootEngine: text('docker.root'),
        socket: yes('docker.socket'),
        inGroup: yes('docker.group'),
      },
      node: { path: text('node.path'), version: nodeVersion, major: nodeMajor(nodeVersion) },
      freeKb: { root: kb('disk.root'), home: kb('disk.home'), tmp: kb('disk.tmp') },
      installed: {
        root: installed('root', ROOT_INSTALL_DIR),
        home: installed('home', `${home}/${HOME_INSTALL_NAME}`),
        systemdUnit: yes('install.unit'),
      },
    },
  }
}

function cleanVersion(version: string | null): string | null {
  return version && /^[A-Za-z0-9.+_-]{1,64}$/.test(version) ? version : null
}
