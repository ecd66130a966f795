// Entry of the workload bundle that runs inside each container (or child process, without Docker).
import { runWorkloadServer } from './server'

runWorkloadServer().catch((error) => {
  console.error('workload failed to start:', error instanceof Error ? error.message : error)
  process.exit(1)
})
