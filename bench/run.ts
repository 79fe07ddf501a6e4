/**
 * `npm run bench [-- <filter>]`: runs every case (or those whose name contains
 * <filter>) and writes `bench/results/latest.json` and `bench/results/latest.md`.
 * Each figure is a median over alternating rounds against a baseline measured in
 * the same process; see harness.ts.
 */
import { writeFileSync } from "node:fs"
import { type Case, type Result, runCase, table } from "./harness.ts"
import { cases as bus } from "./bus.ts"
import { cases as cache } from "./cache.ts"
import { cases as core } from "./core.ts"
import { cases as edgeHttp } from "./edge-http.ts"
import { cases as edgeSocket } from "./edge-socket.ts"
import { cases as example } from "./example.ts"
import { cases as state } from "./state.ts"

const suites: ReadonlyArray<ReadonlyArray<Case>> = [bus, core, state, cache, edgeHttp, edgeSocket, example]

const filter = process.argv[2]
const rounds = Number(process.env["BENCH_ROUNDS"] ?? 7)
const selected = suites.flat().filter((c) => filter === undefined || c.name.includes(filter))

const results: Array<Result> = []
for (const c of selected) {
  const result = await runCase(c, rounds)
  results.push(result)
  console.log(`${result.name}: ${result.ops_per_s.toLocaleString("en-US")} ops/s, ${result.ratio}× ${result.baseline}`)
}

const header = {
  command: `npm run bench${filter === undefined ? "" : ` -- ${filter}`}`,
  node: process.version,
  date: new Date().toISOString(),
  rounds
}
if (filter === undefined) {
  const dir = new URL("./results/", import.meta.url)
  writeFileSync(new URL("latest.json", dir), JSON.stringify({ ...header, results }, null, 2) + "\n")
  writeFileSync(
    new URL("latest.md", dir),
    `# Benchmark results\n\n\`${header.command}\` on Node ${header.node}, ${header.date}, median of ${rounds} rounds.\n\n${table(results)}\n`
  )
}
console.log(`\n${table(results)}`)
if (results.some((r) => r.met === false)) process.exitCode = 1
