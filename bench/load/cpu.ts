/**
 * Where the processes of the load bench run and how busy they were: the server
 * on one core and the load (this process and its workers) on the others, with
 * `taskset` where it exists; CPU time of a process and of the whole machine from
 * `/proc` (Linux), in seconds.
 */
import { execFileSync, spawnSync } from "node:child_process"
import { readFileSync } from "node:fs"
import { availableParallelism } from "node:os"

/** The core list of the server and of the load, or `undefined` when nothing is pinned. */
export interface Pinning {
  readonly server: string
  readonly load: string
}

const hasTaskset = (): boolean => spawnSync("taskset", ["-V"], { stdio: "ignore" }).status === 0

/**
 * Pins this process (and so the load workers it spawns) to every core but the
 * first, which is left to the server: `undefined` (nothing pinned) without
 * `taskset` or with a single core.
 */
export const pinLoad = (): Pinning | undefined => {
  const cores = availableParallelism()
  if (cores < 2 || !hasTaskset()) return undefined
  const pinning = { server: "0", load: cores === 2 ? "1" : `1-${cores - 1}` }
  execFileSync("taskset", ["-a", "-p", "-c", pinning.load, String(process.pid)], { stdio: "ignore" })
  return pinning
}

/** The command that starts `args` on the server's core. */
export const onServerCore = (pinning: Pinning | undefined, command: string, args: ReadonlyArray<string>) =>
  pinning === undefined ? { command, args } : { command: "taskset", args: ["-c", pinning.server, command, ...args] }

const TICK = 100 // USER_HZ: clock ticks per second in /proc on Linux

/** User + system CPU seconds of process `pid` so far (0 when it is gone or not on Linux). */
export const processSeconds = (pid: number): number => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
    return (Number(fields[11]) + Number(fields[12])) / TICK
  } catch {
    return 0
  }
}

/**
 * CPU seconds of the whole machine so far, all cores: time in processes (user,
 * nice, system, steal) and time in interrupts (irq, softirq: on loopback much of
 * the network stack runs there, charged to no process).
 */
export const machineSeconds = (): { readonly processes: number; readonly interrupts: number } => {
  try {
    const cpu = readFileSync("/proc/stat", "utf8").split("\n")[0]!.split(/\s+/).slice(1).map(Number)
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = cpu
    return { processes: (user + nice + system + steal) / TICK, interrupts: (irq + softirq) / TICK }
  } catch {
    return { processes: 0, interrupts: 0 }
  }
}

/** Idle CPU seconds of core `core` so far (idle and iowait), from its `cpu<N>` line of `/proc/stat`. */
export const coreIdleSeconds = (core: number): number => {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n").find((l) => l.startsWith(`cpu${core} `))
    const [, , , , idle = 0, iowait = 0] = line!.split(/\s+/).map(Number)
    return (idle + iowait) / TICK
  } catch {
    return 0
  }
}
