/**
 * Cache hits, each against a `Map.get` read from Effect (`Effect.sync`), the
 * cheapest Effect that reads a Map when it runs:
 *
 * - `cache.get` on a lookup cache (goal ≥ 0.4×): the project's fast path, a map
 *   it keeps in step with Effect's Cache, read before it;
 * - `cache.getOrCompute`, the same read with a compute passed per call;
 * - Effect's `Cache.get` alone, with the same keys and time to live: what a hit
 *   costs without the fast path.
 *
 * 1,000 string keys, a one-hour time to live (so every hit reads the Clock).
 * `node bench/cache.ts` runs these cases alone and prints their table.
 */
import { Cache as EffectCache, Effect, Layer, type Scope } from "effect"
import * as Bus from "../packages/core/src/Bus.ts"
import * as Cache from "../packages/core/src/Cache.ts"
import { type Case, perSecond, runCase, table } from "./harness.ts"

const GETS = 1_000_000
const KEYS = Array.from({ length: 1000 }, (_, i) => `key-${i}`)
const lookup = (key: string) => Effect.succeed(key.length)

const run = <A>(effect: Effect.Effect<A, unknown, Scope.Scope | Bus.Bus | Cache.Caches>): Promise<A> =>
  Effect.runPromise(Effect.scoped(effect).pipe(Effect.provide(Layer.merge(Bus.layer, Cache.layer))))

/** Operations per second of `GETS` reads through `get`, cycling over the keys. */
const loop = (get: (key: string) => Effect.Effect<number>) =>
  Effect.gen(function*() {
    let sink = 0
    const start = performance.now()
    for (let i = 0; i < GETS; i++) sink += yield* get(KEYS[i % KEYS.length]!)
    const ops = perSecond(GETS, start)
    return sink >= 0 ? ops : 0
  })

const cacheGet = () =>
  run(Effect.gen(function*() {
    const cache = yield* Cache.make("bench", { lookup, timeToLive: "1 hour" })
    for (const key of KEYS) yield* cache.get(key)
    return yield* loop(cache.get)
  }))

const cacheGetOrCompute = () =>
  run(Effect.gen(function*() {
    const cache = yield* Cache.make<string, number>("bench", { timeToLive: "1 hour" })
    const compute = Effect.succeed(0)
    for (const key of KEYS) yield* cache.getOrCompute(key, lookup(key))
    return yield* loop((key) => cache.getOrCompute(key, compute))
  }))

const effectCacheGet = () =>
  run(Effect.gen(function*() {
    const cache = yield* EffectCache.make({ lookup, capacity: 10_000, timeToLive: "1 hour" })
    for (const key of KEYS) yield* EffectCache.get(cache, key)
    return yield* loop((key) => EffectCache.get(cache, key))
  }))

const map = new Map(KEYS.map((key) => [key, key.length]))

const mapGet = () => run(loop((key) => Effect.sync(() => map.get(key)!)))

export const cases: ReadonlyArray<Case> = [
  {
    name: "cache.get hit (1,000 keys, time to live on the Clock)",
    subject: cacheGet,
    baselineName: "Map.get read from Effect (Effect.sync)",
    baseline: mapGet,
    goal: 0.4
  },
  {
    name: "cache.getOrCompute hit (1,000 keys, time to live on the Clock)",
    subject: cacheGetOrCompute,
    baselineName: "Map.get read from Effect (Effect.sync)",
    baseline: mapGet
  },
  {
    name: "Effect's Cache.get hit alone (1,000 keys, time to live)",
    subject: effectCacheGet,
    baselineName: "Map.get read from Effect (Effect.sync)",
    baseline: mapGet
  }
]

if (import.meta.main) {
  const rounds = Number(process.env["BENCH_ROUNDS"] ?? 7)
  const results = []
  for (const c of cases) results.push(await runCase(c, rounds))
  console.log(table(results))
}
