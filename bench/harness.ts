/**
 * The benchmark harness. A case measures a subject against a baseline doing the
 * same work in the same process; rounds alternate subject and baseline so that
 * machine noise hits both, and the figure kept is the median of each.
 *
 * Speed is measured here, never asserted in tests.
 */

/** Operations per second, measured once. */
export type Measure = () => Promise<number>

export interface Case {
  /** What is measured, e.g. "bus.emit to 10 listeners". */
  readonly name: string
  readonly subject: Measure
  /** What it is compared with, e.g. "EventEmitter.emit to 10 listeners". */
  readonly baselineName: string
  readonly baseline: Measure
  /** The ratio the issue asks for (subject / baseline), if any. */
  readonly goal?: number | undefined
  /** Extra figures worth recording (e.g. fsyncs per second), measured once. */
  readonly extra?: (() => Promise<Record<string, number>>) | undefined
}

export interface Result {
  readonly name: string
  readonly ops_per_s: number
  readonly baseline: string
  readonly baseline_ops_per_s: number
  /** Median of the per-round ratios (each round: subject / the baseline measured next to it). */
  readonly ratio: number
  /** The lowest and highest per-round ratio. */
  readonly spread: readonly [number, number]
  readonly goal: number | null
  readonly met: boolean | null
  readonly extra?: Record<string, number>
}

/** Untimed rounds before measuring (`BENCH_WARMUP`, default 3). */
const WARMUP = Number(process.env["BENCH_WARMUP"] ?? 3)

const median = (xs: ReadonlyArray<number>): number => {
  const sorted = [...xs].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/** Operations per second of `n` operations that started at `start` (a `performance.now()`), as of now. */
export const perSecond = (n: number, start: number): number => n / ((performance.now() - start) / 1000)

export const runCase = async (c: Case, rounds: number): Promise<Result> => {
  // Untimed rounds of each first, so that both are measured with warm JIT code.
  for (let i = 0; i < WARMUP; i++) {
    await c.subject()
    await c.baseline()
  }
  const subject: Array<number> = []
  const baseline: Array<number> = []
  for (let i = 0; i < rounds; i++) {
    if (i % 2 === 0) {
      subject.push(await c.subject())
      baseline.push(await c.baseline())
    } else {
      baseline.push(await c.baseline())
      subject.push(await c.subject())
    }
  }
  if (process.env["BENCH_VERBOSE"] !== undefined) {
    console.log(`  ${c.name}: ${subject.map(Math.round).join(" ")}`)
    console.log(`  ${c.baselineName}: ${baseline.map(Math.round).join(" ")}`)
  }
  const ops = median(subject)
  const base = median(baseline)
  const ratios = subject.map((s, i) => s / baseline[i]!)
  const ratio = median(ratios)
  const round3 = (n: number) => Math.round(n * 1000) / 1000
  const extra = c.extra === undefined ? undefined : await c.extra()
  return {
    name: c.name,
    ops_per_s: Math.round(ops),
    baseline: c.baselineName,
    baseline_ops_per_s: Math.round(base),
    ratio: round3(ratio),
    spread: [round3(Math.min(...ratios)), round3(Math.max(...ratios))],
    goal: c.goal ?? null,
    met: c.goal === undefined ? null : ratio >= c.goal,
    ...(extra === undefined ? {} : { extra })
  }
}

const fmt = (n: number) => n.toLocaleString("en-US")

export const table = (results: ReadonlyArray<Result>): string => {
  const lines = [
    "| case | ops/s | baseline | baseline ops/s | ratio (median) | spread (min–max) | goal |",
    "| --- | ---: | --- | ---: | ---: | ---: | --- |"
  ]
  for (const r of results) {
    const goal = r.goal === null ? "" : `≥ ${r.goal}× ${r.met ? "met" : "NOT met"}`
    const extra = r.extra === undefined ? "" : ` (${Object.entries(r.extra).map(([k, v]) => `${k}: ${fmt(v)}`).join(", ")})`
    lines.push(
      `| ${r.name}${extra} | ${fmt(r.ops_per_s)} | ${r.baseline} | ${fmt(r.baseline_ops_per_s)} | ${r.ratio}× | ${r.spread[0]}–${r.spread[1]}× | ${goal} |`
    )
  }
  return lines.join("\n")
}
