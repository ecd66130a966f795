// The one definition of how a workload replica is locked down, whoever runs it: the agent's containers
// (Docker HostConfig) and the Swarm service's tasks (ContainerSpec) are both written from it.

/** Most processes (threads count too) one replica may run: stops a fork bomb, leaves Node room. */
export const REPLICA_PIDS_LIMIT = 128
/** The only writable place in a replica, whose root file system is read-only. */
export const REPLICA_TMPFS = { '/tmp': 'rw,noexec,nosuid,nodev,size=16m' }
/** The size of that tmpfs in bytes (Swarm's tmpfs mounts take a number, not mount options). */
export const REPLICA_TMPFS_BYTES = 16 * 1024 * 1024

/** A replica serves HTTP and needs no privilege, no writes outside /tmp and few processes. */
export const REPLICA_HARDENING = {
  capDrop: ['ALL'],
  noNewPrivileges: true,
  pidsLimit: REPLICA_PIDS_LIMIT,
  readOnlyRootfs: true,
  tmpfs: REPLICA_TMPFS,
} as const

/** The hardening as Docker's HostConfig fields (docker run, the agent's containers). */
export function hardeningHostConfig() {
  return {
    CapDrop: [...REPLICA_HARDENING.capDrop],
    SecurityOpt: REPLICA_HARDENING.noNewPrivileges ? ['no-new-privileges'] : [],
    PidsLimit: REPLICA_HARDENING.pidsLimit,
    ReadonlyRootfs: REPLICA_HARDENING.readOnlyRootfs,
    Tmpfs: { ...REPLICA_HARDENING.tmpfs },
  }
}
