/**
 * `npm run bench:pretenuring`: why an Effect HTTP server with a large Layer graph
 * answers `GET /api/items` more slowly than a small one, measured on bare Effect
 * alone (`servers/scopes.ts`), with no Specter code in the process.
 *
 * V8 decides per allocation site whether to allocate its objects directly in the
 * old generation ("pretenuring"): when at least 100 objects of one site were made
 * since the last young-generation collection and 85% of them are still alive.
 * Every `Scope` of Effect is made by one object literal, so a start-up that builds
 * many Layers at once (two to three scopes each) teaches V8 to pretenure every
 * later scope too, the one `HttpServer` makes for each request included. Closing
 * that scope stores the request's `Exit` in it, and the `Exit` holds the response
 * and its body: from a dead old-generation object, they survive every
 * young-generation collection until the next full one (they are "promoted").
 *
 * Three variants run in the same run, rotated round by round: no scopes made at
 * start-up, 300 long-lived scopes made at start-up, and the same with V8's
 * pretenuring turned off (`--no-allocation-site-pretenuring`), which shows the
 * cause. Each round starts a fresh server on the server's core, loads it for
 * `LOAD_SECONDS` (default 6) after a warm-up with 100 keep-alive connections
 * (`autocannon`, one request in flight each) from the other core, and reads the
 * bytes V8 promoted and the time it paused for collections meanwhile from
 * `--trace-gc-nvp`: those two come from the collector itself and barely move
 * between rounds, while the rates move with the machine. Figures are medians of
 * `LOAD_ROUNDS` (default 3) rounds; ratios are against the first variant in the
 * same round. Writes `results/pretenuring.json` and `results/pretenuring.md`.
 */
import { spawn } from "node:child_process"
import { writeFileSync } from "node:fs"
import { cpus } from "node:os"
import { fileURLToPath } from "node:url"
import { onServerCore, pinLoad, processSeconds } from "./cpu.ts"
import { run as load } from "./generators/http.ts"
import { freePort, ready } from "./server.ts"

const rounds = Number(process.env["LOAD_ROUNDS"] ?? 3)
const durationS = Number(process.env["LOAD_SECONDS"] ?? 6)
const CONNECTIONS = 100
const WARMUP_S = 2

interface Variant {
  readonly label: string
  readonly scopes: number
  readonly flags: ReadonlyArray<string>
}

const VARIANTS: ReadonlyArray<Variant> = [
  { label: "no scopes made at start-up", scopes: 0, flags: [] },
  { label: "300 long-lived scopes made at start-up", scopes: 300, flags: [] },
  { label: "300 long-lived scopes, `--no-allocation-site-pretenuring`", scopes: 300, flags: ["--no-allocation-site-pretenuring"] }
]

interface Round {
  /** Answers per second. */
  readonly rate: number
  /** Server CPU per answer, µs. */
  readonly cpuUs: number
  /** Bytes V8 promoted to the old generation per answer. */
  readonly promoted: number
  /** Share of the window the server spent in garbage-collection pauses (0–1). */
  readonly gcShare: number
}

/** Sums `promoted=<bytes>` and `pause=<ms>` of the `--trace-gc-nvp` lines while `counting` is on. */
const collections = () => {
  const total = { promoted: 0, pauseMs: 0 }
  let counting = false
  let rest = ""
  return {
    feed: (chunk: Buffer) => {
      const lines = (rest + chunk.toString()).split("\n")
      rest = lines.pop() ?? ""
      if (!counting) return
      for (const line of lines) {
        total.promoted += Number(/ promoted=(\d+)/.exec(line)?.[1] ?? 0)
        total.pauseMs += Number(/ pause=([\d.]+)/.exec(line)?.[1] ?? 0)
      }
    },
    start: () => (counting = true),
    stop: () => ((counting = false), total)
  }
}

const measure = async (variant: Variant, pinning: ReturnType<typeof pinLoad>): Promise<Round> => {
  const port = await freePort()
  const entry = fileURLToPath(new URL("./servers/scopes.ts", import.meta.url))
  const { args, command } = onServerCore(pinning, process.execPath, ["--trace-gc-nvp", ...variant.flags, entry])
  const child = spawn(command, args, {
    env: { ...process.env, NODE_ENV: "production", PORT: String(port), STARTUP_SCOPES: String(variant.scopes) },
    stdio: ["ignore", "pipe", "pipe"]
  })
  const gc = collections()
  let stderr = ""
  child.stdout!.on("data", gc.feed)
  child.stderr!.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)))
  const url = `http://127.0.0.1:${port}`
  try {
    await ready(`${url}/health`, child, () => stderr)
    const job = { url: `${url}/api/items`, method: "GET" as const, connections: CONNECTIONS }
    await load({ ...job, durationS: WARMUP_S })
    const cpu0 = processSeconds(child.pid!)
    gc.start()
    const result = await load({ ...job, durationS })
    const { pauseMs, promoted } = gc.stop()
    const cpu = processSeconds(child.pid!) - cpu0
    if (result.failed > 0) throw new Error(`${variant.label}: ${result.failed} requests failed`)
    return {
      rate: result.ok / result.seconds,
      cpuUs: (cpu * 1e6) / result.ok,
      promoted: promoted / result.ok,
      gcShare: pauseMs / (result.seconds * 1000)
    }
  } finally {
    child.kill("SIGTERM")
  }
}

const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const fmt = (x: number, digits = 0) => x.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits })

const table = (results: ReadonlyArray<ReadonlyArray<Round>>) => {
  const rows = VARIANTS.map((variant, v) => {
    const own = results.map((round) => round[v]!)
    const vsFirst = results.map((round) => round[v]!.rate / round[0]!.rate)
    const m = (f: (r: Round) => number) => median(own.map(f))
    return `| ${variant.label} | ${fmt(m((r) => r.promoted) / 1024, 2)} | ${fmt(m((r) => r.gcShare) * 100, 1)}% | ${fmt(m((r) => r.rate))} | ${fmt(median(vsFirst), 2)}× | ${fmt(m((r) => r.cpuUs))} |`
  })
  return [
    "| variant | promoted to the old generation per request, KiB | time in GC pauses | GET /api/items, req/s | vs no start-up scopes (same round) | server CPU per request, µs |",
    "| --- | ---: | ---: | ---: | ---: | ---: |",
    ...rows
  ].join("\n")
}

const pinning = pinLoad()
const results: Array<ReadonlyArray<Round>> = []
for (let round = 0; round < rounds; round++) {
  const order = VARIANTS.map((_, i) => (i + round) % VARIANTS.length)
  const byVariant: Array<Round> = []
  for (const v of order) {
    byVariant[v] = await measure(VARIANTS[v]!, pinning)
    const r = byVariant[v]!
    console.log(`  round ${round + 1}, ${VARIANTS[v]!.label}: ${fmt(r.rate)} req/s, ${fmt(r.cpuUs)} µs CPU, ${fmt(r.promoted / 1024, 2)} KiB promoted per request, ${fmt(r.gcShare * 100, 1)}% in GC pauses`)
  }
  results.push(byVariant)
}

const command = `${rounds === 3 ? "" : `LOAD_ROUNDS=${rounds} `}${durationS === 6 ? "" : `LOAD_SECONDS=${durationS} `}npm run bench:pretenuring`
const markdown = [
  "# Scope pretenuring on bare Effect",
  "",
  `\`${command}\` on ${new Date().toISOString().slice(0, 10)}: ${cpus()[0]?.model ?? "unknown CPU"}, ${cpus().length} cores, Node ${process.version}; server pinned to core ${pinning?.server ?? "-"}, load on ${pinning?.load ?? "-"}. Medians of ${rounds} rounds of ${durationS} s. See \`bench/load/pretenuring.ts\` for the method.`,
  "",
  table(results),
  ""
].join("\n")
const url = (name: string) => new URL(`./results/${name}`, import.meta.url)
writeFileSync(url("pretenuring.json"), JSON.stringify({ command, variants: VARIANTS, rounds: results }, null, 2) + "\n")
writeFileSync(url("pretenuring.md"), markdown)
console.log(`\n${markdown}`)
