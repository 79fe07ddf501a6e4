/**
 * State: Store, Model and persistence (the Cache is in cache.ts).
 *
 * - `store.update` delivered to 10 subscribers, against a bare `SubscriptionRef.update`
 *   delivered to 10 `changes` consumers (goal ≥ 0.85×).
 * - `model.set` at depth 3 with 10 selector subscribers on other branches, at about
 *   1,000 and 10,000 leaves, each against the same at about 10 leaves (goal ≥ 0.5×:
 *   "within 2×"). The tree has 11 branches of groups × leaves; branch b0 is written,
 *   b1..b10 are watched. An operation counts once every subscriber has processed it.
 * - `makeKeyed` `set` of one entry, persisted one row per entry (in-memory
 *   `KeyValueStore`, so the figure is the store's own cost, not the disk's), with
 *   5,000 entries stored, against the same with 10 (goal ≥ 0.5×: "within 2×").
 * - Persisted `store.set` with coalescing, 64 concurrent writers on the SQLite layer
 *   (`synchronous=FULL`): writes/s, against one fsynced transaction per write with
 *   `node:sqlite` directly; `extra` has fsyncs (commits) per second and writes per fsync.
 */
import { Bus, Model, Persistence, Store } from "@specter-runtime/core"
import { Deferred, Effect, Layer, Schema, type Scope, Stream, SubscriptionRef } from "effect"
import { KeyValueStore } from "effect/persistence"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { DatabaseSync } from "node:sqlite"
import { type Case, perSecond } from "./harness.ts"

const run = <A>(effect: Effect.Effect<A, unknown, Scope.Scope>): Promise<A> => Effect.runPromise(Effect.scoped(effect))

// --- store.update with 10 subscribers ---------------------------------------

const UPDATES = 20_000
const SUBSCRIBERS = 10
interface Counter {
  readonly n: number
}

/** Resolves `done` once all subscribers have seen the last update. */
const finishLine = (total: number) => {
  let finished = 0
  const done = Deferred.makeUnsafe<void>()
  const see = (state: Counter) =>
    Effect.sync(() => {
      if (state.n === total && ++finished === SUBSCRIBERS) Deferred.doneUnsafe(done, Effect.void)
    })
  return { done, see }
}

const storeUpdate = () =>
  run(Effect.gen(function*() {
    const store = yield* Store.make<Counter>("bench", { n: 0 })
    const { done, see } = finishLine(UPDATES)
    for (let i = 0; i < SUBSCRIBERS; i++) yield* store.listen(see)
    const start = performance.now()
    for (let i = 0; i < UPDATES; i++) yield* store.update((s) => ({ n: s.n + 1 }))
    yield* Deferred.await(done)
    return perSecond(UPDATES, start)
  }))

const refUpdate = () =>
  run(Effect.gen(function*() {
    const ref = yield* SubscriptionRef.make<Counter>({ n: 0 })
    const { done, see } = finishLine(UPDATES)
    for (let i = 0; i < SUBSCRIBERS; i++) {
      yield* Effect.forkScoped(Stream.runForEach(SubscriptionRef.changes(ref), see), { startImmediately: true })
    }
    const start = performance.now()
    for (let i = 0; i < UPDATES; i++) yield* SubscriptionRef.update(ref, (s) => ({ n: s.n + 1 }))
    yield* Deferred.await(done)
    return perSecond(UPDATES, start)
  }))

// --- model.set at depth 3 ----------------------------------------------------

const SETS = 5_000
const BRANCHES = 11

const tree = (leaves: number) => {
  const perBranch = Math.max(1, Math.round(leaves / BRANCHES))
  const groups = Math.max(1, Math.round(Math.sqrt(perBranch)))
  const perGroup = Math.max(1, Math.round(perBranch / groups))
  const root: Record<string, Record<string, Record<string, number>>> = {}
  for (let b = 0; b < BRANCHES; b++) {
    const branch: Record<string, Record<string, number>> = {}
    for (let g = 0; g < groups; g++) {
      const group: Record<string, number> = {}
      for (let l = 0; l < perGroup; l++) group[`l${l}`] = 0
      branch[`g${g}`] = group
    }
    root[`b${b}`] = branch
  }
  return { root, groups, perGroup, leaves: BRANCHES * groups * perGroup }
}

const modelSet = (leaves: number) => () =>
  run(Effect.gen(function*() {
    const { root, groups, perGroup } = tree(leaves)
    const model = yield* Model.make("bench", root)
    let fired = 0
    const done = Deferred.makeUnsafe<void>()
    for (let b = 1; b <= 10; b++) {
      yield* model.listen(`b${b}`, () => Effect.sync(() => void (++fired === 10 && Deferred.doneUnsafe(done, Effect.void))))
    }
    const start = performance.now()
    for (let i = 1; i <= SETS; i++) yield* model.set(["b0", `g${i % groups}`, `l${i % perGroup}`], i)
    // The fence: one change on every watched branch; each subscriber sees it after the sets.
    yield* model.update((s) => {
      const next = { ...s }
      for (let b = 1; b <= 10; b++) next[`b${b}`] = { ...s[`b${b}`], fence: { l0: 1 } }
      return next
    })
    yield* Deferred.await(done)
    return perSecond(SETS, start)
  }).pipe(Effect.provide(Bus.layer)))

// --- keyed store set, persisted by entry ------------------------------------------

const KEYED_SETS = 5_000
const Entry = Schema.Struct({ name: Schema.String, quantity: Schema.Int, tags: Schema.Array(Schema.String) })

const keyedSet = (stored: number) => () =>
  run(Effect.gen(function*() {
    const initial = Array.from({ length: stored }, (_, i) => [`s${i}`, { name: `item ${i}`, quantity: i, tags: ["a"] }] as const)
    const items = yield* Store.makeKeyed<typeof Entry.Type>("bench", { initial, persist: { entry: Entry } }).pipe(
      Effect.provide(Persistence.layerMemory)
    )
    const start = performance.now()
    for (let i = 0; i < KEYED_SETS; i++) yield* items.set(`n${i}`, { name: `new ${i}`, quantity: i, tags: ["b"] })
    return perSecond(KEYED_SETS, start)
  }))

// --- persisted store.set ---------------------------------------------------------

const WRITES = 4_000
const WRITERS = 64
const Counters = Schema.Record(Schema.String, Schema.Number)

const persistedSet = async () => {
  const dir = mkdtempSync(join(tmpdir(), "specter-bench-"))
  try {
    return await run(Effect.gen(function*() {
      const sqlite = yield* Persistence.makeSqlite({ directory: dir })
      const store = yield* Store.make("bench", {} as Record<string, number>, { persist: { schema: Counters } }).pipe(
        Effect.provide(Layer.succeed(KeyValueStore.KeyValueStore, sqlite.store))
      )
      const before = sqlite.stats()
      const start = performance.now()
      yield* Effect.forEach(Array.from({ length: WRITES }, (_, i) => i), (i) => store.set({ [`w${i % WRITERS}`]: i }), {
        concurrency: WRITERS,
        discard: true
      })
      const seconds = (performance.now() - start) / 1000
      const after = sqlite.stats()
      const commits = after.commits - before.commits
      lastPersisted = {
        writes_per_s: Math.round(WRITES / seconds),
        fsyncs_per_s: Math.round(commits / seconds),
        writes_per_fsync: Math.round((WRITES / commits) * 10) / 10
      }
      return WRITES / seconds
    }))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
let lastPersisted: Record<string, number> = {}

const SQLITE_WRITES = 500

const sqlitePerWrite = async () => {
  const dir = mkdtempSync(join(tmpdir(), "specter-bench-"))
  const db = new DatabaseSync(join(dir, "baseline.db"))
  try {
    db.exec("PRAGMA journal_mode=WAL")
    db.exec("PRAGMA synchronous=FULL")
    db.exec("CREATE TABLE kv (key TEXT PRIMARY KEY NOT NULL, value ANY NOT NULL) STRICT, WITHOUT ROWID")
    const upsert = db.prepare("INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value")
    const state: Record<string, number> = {}
    const start = performance.now()
    for (let i = 0; i < SQLITE_WRITES; i++) {
      state[`w${i % WRITERS}`] = i
      upsert.run("bench", JSON.stringify(state))
    }
    return perSecond(SQLITE_WRITES, start)
  } finally {
    db.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

export const cases: ReadonlyArray<Case> = [
  {
    name: "store.update delivered to 10 subscribers",
    subject: storeUpdate,
    baselineName: "SubscriptionRef.update delivered to 10 changes consumers",
    baseline: refUpdate,
    goal: 0.85
  },
  {
    name: "model.set at depth 3, 10 selector subscribers on other branches, ~1,000 leaves",
    subject: modelSet(1_000),
    baselineName: "the same at ~10 leaves",
    baseline: modelSet(10),
    goal: 0.5,
    extra: async () => ({ leaves: tree(1_000).leaves, baseline_leaves: tree(10).leaves })
  },
  {
    name: "model.set at depth 3, 10 selector subscribers on other branches, ~10,000 leaves",
    subject: modelSet(10_000),
    baselineName: "the same at ~10 leaves",
    baseline: modelSet(10),
    goal: 0.5,
    extra: async () => ({ leaves: tree(10_000).leaves, baseline_leaves: tree(10).leaves })
  },
  {
    name: "keyed store set of one entry, persisted by entry (memory KeyValueStore), 5,000 entries stored",
    subject: keyedSet(5_000),
    baselineName: "the same with 10 entries stored",
    baseline: keyedSet(10),
    goal: 0.5
  },
  {
    name: "persisted store.set, coalesced, 64 concurrent writers (SQLite, synchronous=FULL)",
    subject: persistedSet,
    baselineName: "node:sqlite, one fsynced transaction per write",
    baseline: sqlitePerWrite,
    // The figures of the last measured round, not of one more run.
    extra: async () => lastPersisted
  }
]
