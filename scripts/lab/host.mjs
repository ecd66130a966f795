// Makes one lab host: its files, host key and sshd configuration, network namespace and veth, mount
// and UTS namespaces; then starts its engine (unless it has none) and its sshd in them.
import { startEngine } from './dockerd.mjs'
import { enterHost, makeHostFiles, makeHostNamespaces } from './host-namespaces.mjs'
import { connectHost } from './network.mjs'
import { makeHostKey, startSshd, writeSshdConfig } from './sshd.mjs'

/**
 * Fills in `host` (hostKeyFingerprint, sshdPid, dockerSocket) as it goes. Returns the engine's
 * readiness (or undefined), for the caller to await together with the other hosts'.
 */
export function startHost(host, { names, binDir, keysDir, owners, hostsFile, hidden }, signal) {
  const { paths } = host
  makeHostFiles(host, paths, hostsFile, owners)
  host.hostKeyFingerprint = makeHostKey(paths.hostKey, host.name)
  writeSshdConfig(host, paths, keysDir)
  connectHost(host, names)
  makeHostNamespaces(host, paths, binDir, hidden)
  const enter = enterHost(host.name, paths)
  let engine
  if (host.docker) {
    engine = startEngine(paths, enter, names.cgroup(host.index), signal)
    host.dockerSocket = paths.dockerSocket
  }
  host.sshdPid = startSshd(enter, paths)
  return engine
}
