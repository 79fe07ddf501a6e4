/**
 * The report of a load run: per figure and server the median of its rounds with
 * the spread (lowest–highest), Specter's ratio to each baseline (the median of
 * the per-round ratios, each against the baseline measured in the same round),
 * the CPU each side used, and whether the server was the limit. Written as
 * `results/latest.json` and `results/latest.md`.
 */
import { writeFileSync } from "node:fs"
import { SERVERS, type ServerName } from "./contract.ts"
import type { Cpu, Figure, Sample } from "./measure.ts"

/**
 * A round in which the server's core was idle more than this share of the time
 * (or, unpinned, the server used less than `1 - IDLE` of a core) was paced by the
 * load, not by the server.
 */
const IDLE = 0.1

const pacedByLoad = (cpu: Cpu): boolean =>
  cpu.serverCoreIdle === undefined ? cpu.server < 1 - IDLE : cpu.serverCoreIdle > IDLE

export interface Spread {
  readonly median: number
  readonly min: number
  readonly max: number
}

export interface Row {
  readonly figure: Figure
  readonly servers: Readonly<Record<ServerName, Spread & { readonly rounds: ReadonlyArray<number>; readonly failed: number; readonly cpu: Cpu | undefined }>>
  /** Specter / baseline, per round. */
  readonly ratio: Readonly<Record<"raw" | "effect", Spread>>
  /** Per server, the rounds paced by the load rather than by the server (see `IDLE`). */
  readonly loadLimited: Readonly<Record<ServerName, number>>
  /**
   * For throughput: operations per CPU-second of the server, per round, and
   * Specter's ratio to each baseline. It holds when others take CPU from the
   * server (a shared machine), where the rate itself drops.
   */
  readonly perCpuSecond: {
    readonly servers: Readonly<Record<ServerName, Spread>>
    readonly ratio: Readonly<Record<"raw" | "effect", Spread>>
  } | undefined
}

const median = (xs: ReadonlyArray<number>): number => {
  const sorted = [...xs].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

const spread = (xs: ReadonlyArray<number>): Spread => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs) })

const medianCpu = (samples: ReadonlyArray<Sample>): Cpu | undefined => {
  const cpus = samples.flatMap((s) => (s.cpu === undefined ? [] : [s.cpu]))
  if (cpus.length === 0) return undefined
  const of = (f: (c: Cpu) => number) => median(cpus.map(f))
  const idle = cpus.every((c) => c.serverCoreIdle !== undefined) ? of((c) => c.serverCoreIdle!) : undefined
  return { server: of((c) => c.server), load: of((c) => c.load), others: of((c) => c.others), interrupts: of((c) => c.interrupts), serverCoreIdle: idle }
}

/** The row of `figure` from its samples, in round order, per server. */
export const row = (figure: Figure, samples: Readonly<Record<ServerName, ReadonlyArray<Sample>>>): Row => {
  const summary = (name: ServerName) => {
    const rounds = samples[name].map((s) => s.value)
    const failed = samples[name].reduce((n, s) => n + s.failed, 0)
    return { ...spread(rounds), rounds, failed, cpu: medianCpu(samples[name]) }
  }
  const servers = { raw: summary("raw"), effect: summary("effect"), specter: summary("specter") }
  const ratioTo = (base: "raw" | "effect") => spread(samples.specter.map((s, i) => s.value / samples[base][i]!.value))
  const paced = (name: ServerName) => samples[name].filter((s) => s.cpu !== undefined && pacedByLoad(s.cpu)).length
  const loadLimited = { raw: paced("raw"), effect: paced("effect"), specter: paced("specter") }
  return { figure, servers, ratio: { raw: ratioTo("raw"), effect: ratioTo("effect") }, loadLimited, perCpuSecond: perCpu(samples) }
}

const perCpu = (samples: Readonly<Record<ServerName, ReadonlyArray<Sample>>>): Row["perCpuSecond"] => {
  if (SERVERS.some((name) => samples[name].some((s) => s.cpu === undefined || s.cpu.server === 0))) return undefined
  const per = (name: ServerName) => samples[name].map((s) => s.value / s.cpu!.server)
  const ratioTo = (base: "raw" | "effect") => spread(per("specter").map((v, i) => v / per(base)[i]!))
  return {
    servers: { raw: spread(per("raw")), effect: spread(per("effect")), specter: spread(per("specter")) },
    ratio: { raw: ratioTo("raw"), effect: ratioTo("effect") }
  }
}

const num = (n: number) => (n >= 100 ? Math.round(n).toLocaleString("en-US") : n >= 10 ? n.toFixed(1) : n.toFixed(2))
const cell = (s: Spread) => `${num(s.median)} (${num(s.min)}–${num(s.max)})`
const ratioCell = (s: Spread) => `${s.median.toFixed(2)}× (${s.min.toFixed(2)}–${s.max.toFixed(2)})`
const pct = (n: number) => `${Math.round(n * 100)}%`

const cpuCell = (r: Row) => {
  const cpus = SERVERS.map((name) => r.servers[name].cpu)
  if (cpus.some((c) => c === undefined)) return ""
  const part = (f: (c: Cpu) => number) => cpus.map((c) => pct(f(c!))).join(" / ")
  const idle = cpus.every((c) => c!.serverCoreIdle !== undefined) ? `; server core idle ${part((c) => c.serverCoreIdle!)}` : ""
  return `server ${part((c) => c.server)}${idle}; load ${part((c) => c.load)}; interrupts ${part((c) => c.interrupts)}; others ${part((c) => c.others)}`
}

const notes = (r: Row) => {
  const out: Array<string> = []
  const paced = SERVERS.filter((name) => r.loadLimited[name] > 0)
  if (paced.length > 0) {
    const rounds = paced.map((name) => `${name} ${r.loadLimited[name]}/${r.servers[name].rounds.length}`).join(", ")
    out.push(`load-limited rounds (server core idle > ${pct(IDLE)}): ${rounds}`)
  }
  const failed = SERVERS.filter((name) => r.servers[name].failed > 0).map((name) => `${name} ${r.servers[name].failed}`)
  if (failed.length > 0) out.push(`failed ops: ${failed.join(", ")}`)
  return out.join("; ")
}

export const table = (rows: ReadonlyArray<Row>): string => {
  const lines = [
    "| figure | unit | raw node:http + ws | bare Effect | Specter | Specter / raw | Specter / bare Effect | CPU raw / Effect / Specter (1 = a core) | notes |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | --- |"
  ]
  for (const r of rows) {
    const unit = r.figure.better === "lower" ? `${r.figure.unit} (lower is better)` : r.figure.unit
    const servers = SERVERS.map((name) => cell(r.servers[name])).join(" | ")
    lines.push(`| ${r.figure.name} | ${unit} | ${servers} | ${ratioCell(r.ratio.raw)} | ${ratioCell(r.ratio.effect)} | ${cpuCell(r)} | ${notes(r)} |`)
  }
  return lines.join("\n")
}

/** Throughput per CPU-second of the server, for the rows that have it. */
export const perCpuTable = (rows: ReadonlyArray<Row>): string => {
  const lines = [
    "| figure | unit | raw node:http + ws | bare Effect | Specter | Specter / raw | Specter / bare Effect |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: |"
  ]
  for (const r of rows) {
    if (r.perCpuSecond === undefined) continue
    const servers = SERVERS.map((name) => cell(r.perCpuSecond!.servers[name])).join(" | ")
    const { ratio } = r.perCpuSecond
    lines.push(`| ${r.figure.name} | ${r.figure.unit.replace("/s", "")} per server CPU-second | ${servers} | ${ratioCell(ratio.raw)} | ${ratioCell(ratio.effect)} |`)
  }
  return lines.join("\n")
}

/** Writes `results/latest.json` and `results/latest.md`. */
export const write = (header: Readonly<Record<string, unknown>>, rows: ReadonlyArray<Row>, preamble: string): void => {
  const dir = new URL("./results/", import.meta.url)
  writeFileSync(new URL("latest.json", dir), JSON.stringify({ ...header, rows }, null, 2) + "\n")
  const efficiency = "The same throughput per CPU-second the server used (less sensitive to other processes on the machine):"
  writeFileSync(
    new URL("latest.md", dir),
    `# Load benchmark results\n\n${preamble}\n\n${table(rows)}\n\n${efficiency}\n\n${perCpuTable(rows)}\n`
  )
}
