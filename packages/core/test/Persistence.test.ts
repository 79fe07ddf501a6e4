/**
 * Persistence of Store and Model (issue 4): loading the last state, acknowledged
 * and coalesced writes, flushing on shutdown, stored values that cannot be read,
 * the SQLite layer, and a crash test: a child process is killed with SIGKILL at a
 * random point while writing, 20 times, and every acknowledged write is found.
 *
 * The original kept Store and Model in memory only, so there are no acceptance
 * checks of §11–12 here; each test is named after the behaviour it proves. The
 * record layout (`persist: { entry }`) is tested at the end.
 */
import { TestLogger, TestSpecter } from "@specter-runtime/testing"
import { assert, describe, it } from "@effect/vitest"
import { Model, Persistence, Store } from "@specter-runtime/core"
import { ConfigProvider, Deferred, Effect, Exit, Fiber, HashMap, Layer, Option, Schema, Scope } from "effect"
import { KeyValueStore } from "effect/persistence"
import { spawn } from "node:child_process"
import { existsSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { DatabaseSync } from "node:sqlite"
import { it as vitest } from "vitest"

const Items = Schema.Struct({ items: Schema.Array(Schema.String) })
type Items = typeof Items.Type
const empty: Items = { items: [] }

/** A KeyValueStore in memory that records writes, and can hold or fail them. */
const instrumented = () => {
  const data = new Map<string, string>()
  const writes: Array<string> = []
  let gate: Deferred.Deferred<void> | undefined
  let failures = 0
  const store = KeyValueStore.makeStringOnly({
    get: (key) => Effect.sync(() => data.get(key)),
    set: (key, value) =>
      Effect.andThen(
        gate === undefined ? Effect.void : Deferred.await(gate),
        Effect.suspend(() => {
          if (failures > 0) {
            failures--
            return Effect.fail(new KeyValueStore.KeyValueStoreError({ method: "set", key, message: "disk full" }))
          }
          data.set(key, value)
          writes.push(value)
          return Effect.void
        })
      ),
    remove: (key) => Effect.sync(() => void data.delete(key)),
    clear: Effect.sync(() => data.clear()),
    size: Effect.sync(() => data.size),
    keys: Effect.sync(() => [...data.keys()])
  })
  return {
    data,
    writes,
    layer: Layer.succeed(KeyValueStore.KeyValueStore, store),
    hold: () => Effect.sync(() => void (gate = Deferred.makeUnsafe())),
    release: () => Effect.suspend(() => (gate === undefined ? Effect.void : Deferred.succeed(gate, undefined))),
    failNext: (n: number) => Effect.sync(() => void (failures = n))
  }
}

const tempDir = () => mkdtempSync(join(tmpdir(), "specter-persistence-"))

/** A temporary directory, removed when the scope closes. */
const scopedTempDir = Effect.acquireRelease(
  Effect.sync(tempDir),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

describe("Persistence", () => {
  it.effect("a persisted store starts from its last state, and its scope can close and reopen (in-memory layer)", () =>
    Effect.gen(function*() {
      const first = yield* Scope.make()
      const store = yield* Scope.provide(Store.make("items", empty, { persist: { schema: Items } }), first)
      yield* store.set({ items: ["a"] })
      yield* store.update((s) => ({ items: [...s.items, "b"] }))
      yield* Scope.close(first, Exit.void)
      const again = yield* Store.make("items", empty, { persist: { schema: Items } })
      assert.deepStrictEqual(yield* again.get(), { items: ["a", "b"] })
    }).pipe(Effect.provide(Layer.merge(TestSpecter.layer, Persistence.layerMemory))))

  it.effect("a mutation completes only once the new state is in the KeyValueStore (acknowledged)", () =>
    Effect.gen(function*() {
      const kv = instrumented()
      const store = yield* Store.make("items", empty, { persist: { schema: Items, key: "k" } }).pipe(Effect.provide(kv.layer))
      yield* kv.hold()
      const set = yield* Effect.forkChild(store.set({ items: ["a"] }), { startImmediately: true })
      yield* Effect.yieldNow
      assert.isUndefined(set.pollUnsafe(), "not acknowledged while the write is held")
      assert.deepStrictEqual(yield* store.get(), { items: ["a"] }, "the state itself changed at once")
      assert.isFalse(kv.data.has("k"))
      yield* kv.release()
      yield* Fiber.join(set)
      assert.strictEqual(kv.data.get("k"), "{\"items\":[\"a\"]}")
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("mutations made while a write is in flight are coalesced into the next write", () =>
    Effect.gen(function*() {
      const kv = instrumented()
      const store = yield* Store.make("items", empty, { persist: { schema: Items, key: "k" } }).pipe(Effect.provide(kv.layer))
      yield* kv.hold()
      const first = yield* Effect.forkChild(store.set({ items: ["0"] }), { startImmediately: true })
      yield* Effect.yieldNow
      const rest = yield* Effect.forkChild(
        Effect.forEach(Array.from({ length: 20 }, (_, i) => i + 1), (i) => store.update((s) => ({ items: [...s.items, `${i}`] })), {
          concurrency: "unbounded"
        }),
        { startImmediately: true }
      )
      yield* kv.release()
      yield* Fiber.join(first)
      yield* Fiber.join(rest)
      assert.strictEqual(kv.writes.length, 2, "21 mutations, 2 writes")
      assert.strictEqual(JSON.parse(kv.writes[1]!).items.length, 21)
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("closing the scope flushes what is pending, after the write in flight", () =>
    Effect.gen(function*() {
      const kv = instrumented()
      const scope = yield* Scope.make()
      const store = yield* Scope.provide(Store.make("items", empty, { persist: { schema: Items, key: "k" } }), scope).pipe(
        Effect.provide(kv.layer)
      )
      yield* kv.hold()
      yield* Effect.forkChild(store.set({ items: ["in flight"] }), { startImmediately: true })
      yield* Effect.yieldNow
      const abandoned = yield* Effect.forkChild(store.set({ items: ["pending"] }), { startImmediately: true })
      yield* Fiber.interrupt(abandoned) // nobody waits for this one any more
      const closing = yield* Effect.forkChild(Scope.close(scope, Exit.void), { startImmediately: true })
      yield* kv.release()
      yield* Fiber.join(closing)
      assert.deepStrictEqual(kv.writes.map((w) => JSON.parse(w).items), [["in flight"], ["pending"]])
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("a persisted store still writes, and acknowledges, after its scope closed", () =>
    Effect.gen(function*() {
      const kv = instrumented()
      const scope = yield* Scope.make()
      const store = yield* Scope.provide(Store.make("items", empty, { persist: { schema: Items, key: "k" } }), scope).pipe(
        Effect.provide(kv.layer)
      )
      yield* Scope.close(scope, Exit.void)
      yield* store.set({ items: ["late"] })
      assert.strictEqual(kv.data.get("k"), "{\"items\":[\"late\"]}")
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("a stored state that no longer matches the schema is moved aside, reported, and the store starts from its initial value", () =>
    Effect.gen(function*() {
      const kv = instrumented()
      kv.data.set("items", "{\"items\":[1,2]}")
      const store = yield* Store.make("items", empty, { persist: { schema: Items } }).pipe(Effect.provide(kv.layer))
      assert.deepStrictEqual(yield* store.get(), empty)
      assert.isFalse(kv.data.has("items"))
      const aside = [...kv.data.keys()].filter((key) => key.startsWith("items:invalid:"))
      assert.strictEqual(aside.length, 1)
      assert.strictEqual(kv.data.get(aside[0]!), "{\"items\":[1,2]}", "nothing is lost")
      const [error] = (yield* TestLogger.TestLogger).at("Error")
      assert.include(error!.message, "store 'items': the stored state under 'items' does not match its schema")
      assert.include(error!.message, `it was moved aside to '${aside[0]}' and the state starts from its initial value`)
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("a half-written value that cannot be parsed is moved aside too, never loaded", () =>
    Effect.gen(function*() {
      const kv = instrumented()
      kv.data.set("items", "{\"items\":[\"a\",\"b")
      const model = yield* Model.make("items", empty, { persist: { schema: Items } }).pipe(Effect.provide(kv.layer))
      assert.deepStrictEqual(yield* model.get(), empty)
      const [error] = (yield* TestLogger.TestLogger).at("Error")
      assert.include(error!.message, "model 'items': the stored state under 'items' is not valid JSON")
      assert.strictEqual([...kv.data.values()].filter((v) => v === "{\"items\":[\"a\",\"b").length, 1)
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("with onInvalid: 'fail', a store refuses to start with StoredStateInvalid and leaves the value in place", () =>
    Effect.gen(function*() {
      const kv = instrumented()
      kv.data.set("items", "{\"items\":\"not a list\"}")
      const error = yield* Effect.flip(
        Store.make("items", empty, { persist: { schema: Items, onInvalid: "fail" } }).pipe(Effect.provide(kv.layer))
      )
      assert.strictEqual(error._tag, "StoredStateInvalid")
      assert.include(error.message, "store 'items': the stored state under 'items' does not match its schema")
      assert.include(error.message, "refusing to start (it was left in place)")
      assert.deepStrictEqual([...kv.data.entries()], [["items", "{\"items\":\"not a list\"}"]])
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("a new state the schema refuses fails with InvalidState and changes nothing", () =>
    Effect.gen(function*() {
      const kv = instrumented()
      const Named = Schema.Struct({ name: Schema.NonEmptyString })
      const store = yield* Store.make("named", { name: "ada" }, { persist: { schema: Named } }).pipe(Effect.provide(kv.layer))
      yield* store.set({ name: "bob" })
      const error = yield* Effect.flip(store.set({ name: "" }))
      assert.strictEqual(error._tag, "InvalidState")
      assert.include(error.message, "store 'named': the new state does not match its schema")
      assert.deepStrictEqual(yield* store.get(), { name: "bob" })
      assert.strictEqual(kv.data.get("named"), "{\"name\":\"bob\"}")
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("a failed write fails the mutation with PersistenceError; the state stays, and the next write persists it", () =>
    Effect.gen(function*() {
      const kv = instrumented()
      const store = yield* Store.make("items", empty, { persist: { schema: Items, key: "k" } }).pipe(Effect.provide(kv.layer))
      yield* kv.failNext(1)
      const error = yield* Effect.flip(store.set({ items: ["a"] }))
      assert.strictEqual(error._tag, "PersistenceError")
      assert.include(error.message, "store 'items': writing 'k' failed")
      assert.deepStrictEqual(yield* store.get(), { items: ["a"] })
      yield* store.update((s) => ({ items: [...s.items, "b"] }))
      assert.strictEqual(kv.data.get("k"), "{\"items\":[\"a\",\"b\"]}")
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("a persisted model loads its last state and persists patches", () =>
    Effect.gen(function*() {
      const Player = Schema.Struct({ playback: Schema.Struct({ url: Schema.String, position: Schema.Number }) })
      const initial = { playback: { url: "", position: 0 } }
      const first = yield* Scope.make()
      const model = yield* Scope.provide(Model.make("player", initial, { persist: { schema: Player } }), first)
      yield* model.patch({ playback: { url: "a.mp3" } })
      yield* model.set("playback.position", 3)
      yield* Scope.close(first, Exit.void)
      const again = yield* Model.make("player", initial, { persist: { schema: Player } })
      assert.deepStrictEqual(yield* again.get(), { playback: { url: "a.mp3", position: 3 } })
    }).pipe(Effect.provide(Layer.merge(TestSpecter.layer, Persistence.layerMemory))))

  it.effect("the default layer is SQLite in WAL mode under SPECTER_DATA_DIR, and the state survives reopening", () =>
    Effect.gen(function*() {
      const dir = yield* scopedTempDir
      const env = ConfigProvider.layer(ConfigProvider.fromEnv({ env: { SPECTER_DATA_DIR: dir } }))
      const persisted = { persist: { schema: Items } }
      yield* Effect.scoped(Effect.gen(function*() {
        const store = yield* Store.make("items", empty, persisted)
        yield* store.set({ items: ["kept"] })
      })).pipe(Effect.provide(Persistence.layer), Effect.provide(env))
      const file = join(dir, "specter.db")
      assert.isTrue(existsSync(file))
      const db = new DatabaseSync(file)
      assert.deepStrictEqual({ ...(db.prepare("PRAGMA journal_mode").get() as object) }, { journal_mode: "wal" })
      db.close()
      const reopened = yield* Effect.scoped(Effect.flatMap(Store.make("items", empty, persisted), (store) => store.get())).pipe(
        Effect.provide(Persistence.layer),
        Effect.provide(env)
      )
      assert.deepStrictEqual(reopened, { items: ["kept"] })
      assert.strictEqual(
        yield* Persistence.dataDirectory.pipe(Effect.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env: {} })))),
        "./data"
      )
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("SQLite group commit: concurrent writes share transactions, and each completes once committed", () =>
    Effect.gen(function*() {
      const dir = yield* scopedTempDir
      yield* Effect.scoped(Effect.gen(function*() {
        const sqlite = yield* Persistence.makeSqlite({ directory: dir })
        yield* Effect.forEach(Array.from({ length: 200 }, (_, i) => i), (i) => sqlite.store.set(`k${i % 50}`, `${i}`), {
          concurrency: "unbounded"
        })
        const stats = sqlite.stats()
        assert.strictEqual(stats.requests, 200)
        assert.isAtMost(stats.commits, 5)
        assert.strictEqual(stats.writes, 50 * stats.commits, "the last value per key wins within a commit")
        assert.strictEqual(yield* sqlite.store.get("k49"), "199")
        assert.strictEqual(yield* sqlite.store.size, 50)
      }))
    }))

  vitest("kill -9 at a random point, 20 times: every acknowledged write is found and the state always loads", async () => {
    const fixture = new URL("./fixtures/persisted-writer.ts", import.meta.url).pathname
    const runs = Array.from({ length: 20 }, (_, run) => run)
    const CrashState = Schema.Record(Schema.String, Schema.Record(Schema.String, Schema.Number)) // as in the fixture
    const crashOnce = (run: number) =>
      new Promise<{ readonly dir: string; readonly acked: ReadonlyArray<number> }>((resolve, reject) => {
        const dir = tempDir()
        // Kill after a random number of acknowledgements (0 = as soon as the first arrives).
        const killAfter = Math.floor(Math.random() * 1000)
        const child = spawn(process.execPath, [fixture, "1000", "16"], {
          env: { ...process.env, SPECTER_DATA_DIR: dir },
          stdio: ["ignore", "pipe", "pipe"]
        })
        const acked: Array<number> = []
        let buffer = ""
        let stderr = ""
        child.stdout.on("data", (chunk: Buffer) => {
          buffer += chunk.toString()
          const lines = buffer.split("\n")
          buffer = lines.pop()!
          for (const line of lines) if (/^\d+$/.test(line)) acked.push(Number(line))
          if (acked.length > killAfter) child.kill("SIGKILL")
        })
        child.stderr.on("data", (chunk: Buffer) => void (stderr += chunk.toString()))
        const fail = (error: Error) => {
          rmSync(dir, { recursive: true, force: true })
          reject(error)
        }
        child.on("error", fail)
        child.on("exit", (code, signal) => {
          if (signal !== "SIGKILL" && code !== 0) fail(new Error(`run ${run}: writer exited with ${code}: ${stderr}`))
          else resolve({ dir, acked })
        })
      })
    const verify = async ({ dir, acked }: { readonly dir: string; readonly acked: ReadonlyArray<number> }) => {
      try {
        return await load(dir, acked)
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    }
    const load = async (dir: string, acked: ReadonlyArray<number>) => {
      const state = await Effect.runPromise(
        Effect.scoped(Effect.gen(function*() {
          const sqlite = yield* Persistence.makeSqlite({ directory: dir })
          const keys = yield* sqlite.store.keys
          const store = yield* Store.make("crash", {} as Record<string, Record<string, number>>, {
            persist: { schema: CrashState, onInvalid: "fail" }
          }).pipe(Effect.provideService(KeyValueStore.KeyValueStore, sqlite.store))
          return { keys, state: yield* store.get() }
        }))
      )
      const db = new DatabaseSync(join(dir, "specter.db"))
      const integrity = (db.prepare("PRAGMA integrity_check").get() as { integrity_check: string }).integrity_check
      db.close()
      return { ...state, integrity, acked }
    }
    let totalAcked = 0
    // Two writers at a time (one per core).
    for (let i = 0; i < runs.length; i += 2) {
      const results = await Promise.all(runs.slice(i, i + 2).map(async (run) => verify(await crashOnce(run))))
      for (const { keys, state, integrity, acked } of results) {
        assert.strictEqual(integrity, "ok")
        assert.deepStrictEqual(keys.filter((key) => key !== "crash"), [], "nothing was ever moved aside")
        const missing = acked.filter((n) => state[`b${n % 32}`]?.[`w${n}`] !== n)
        assert.deepStrictEqual(missing, [], "every acknowledged write is in the loaded state")
        for (const [bucket, writes] of Object.entries(state)) {
          for (const [key, value] of Object.entries(writes)) assert.deepStrictEqual([bucket, key], [`b${value % 32}`, `w${value}`])
        }
        totalAcked += acked.length
      }
    }
    assert.isAbove(totalAcked, 0)
  }, 120_000)
})

const Item = Schema.Struct({ name: Schema.String, quantity: Schema.Int })
type Item = typeof Item.Type
type ItemsById = Readonly<Record<string, Item>>

describe("persisted by entry", () => {
  it.effect("a change writes only the entries it touched, whatever the size of the state", () =>
    Effect.gen(function*() {
      const kv = instrumented()
      const store = yield* Store.make("items", {} as ItemsById, { persist: { entry: Item } }).pipe(Effect.provide(kv.layer))
      const all: Record<string, Item> = {}
      for (let i = 0; i < 500; i++) all[`i${i}`] = { name: `item ${i}`, quantity: i }
      yield* store.replace(all)
      assert.strictEqual(kv.writes.length, 500)
      yield* store.update((s) => ({ ...s, i7: { name: "item 7", quantity: 70 } }))
      assert.strictEqual(kv.writes.length, 501)
      assert.deepStrictEqual(JSON.parse(kv.data.get("items/i7")!), { name: "item 7", quantity: 70 })
    }).pipe(Effect.scoped, Effect.provide(TestSpecter.layer)))

  it.effect("a deleted entry is removed, and the entries load back after a restart", () =>
    Effect.gen(function*() {
      const kv = instrumented()
      const open = Store.make("items", {} as ItemsById, { persist: { entry: Item } }).pipe(Effect.provide(kv.layer))
      yield* Effect.scoped(Effect.gen(function*() {
        const store = yield* open
        yield* store.set({ a: { name: "lamp", quantity: 1 }, b: { name: "desk", quantity: 2 } })
        yield* store.delete("a")
      }))
      assert.isFalse(kv.data.has("items/a"))
      const again = yield* Effect.scoped(Effect.flatMap(open, (store) => store.get()))
      assert.deepStrictEqual(again, { b: { name: "desk", quantity: 2 } })
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("an entry that does not match its Schema is refused with InvalidState and nothing changes", () =>
    Effect.gen(function*() {
      const kv = instrumented()
      const store = yield* Store.make("items", {} as ItemsById, { persist: { entry: Item } }).pipe(Effect.provide(kv.layer))
      const error = yield* Effect.flip(store.set({ bad: { name: "x", quantity: 1.5 } }))
      assert.strictEqual(error._tag, "InvalidState")
      assert.include(error.message, "entry 'bad'")
      assert.deepStrictEqual(yield* store.get(), {})
      assert.strictEqual(kv.writes.length, 0)
    }).pipe(Effect.scoped, Effect.provide(TestSpecter.layer)))

  it.effect("an unreadable stored entry is moved aside on its own; the others load", () =>
    Effect.gen(function*() {
      const kv = instrumented()
      kv.data.set("items/good", JSON.stringify({ name: "lamp", quantity: 1 }))
      kv.data.set("items/bad", "{\"name\":")
      const store = yield* Store.make("items", {} as ItemsById, { persist: { entry: Item } }).pipe(Effect.provide(kv.layer))
      assert.deepStrictEqual(yield* store.get(), { good: { name: "lamp", quantity: 1 } })
      const aside = [...kv.data.keys()].filter((key) => key.startsWith("items:invalid:"))
      assert.deepStrictEqual(aside.map((key) => key.split("/").at(-1)), ["bad"])
      assert.include((yield* TestLogger.TestLogger).at("Error")[0]!.message, "the state starts without that entry")
    }).pipe(Effect.scoped, Effect.provide(TestSpecter.layer)))
})

describe("a keyed store persisted by entry", () => {
  const OldItems = Schema.Struct({ items: Schema.Array(Schema.Struct({ id: Schema.String, name: Schema.String, quantity: Schema.Int })) })
  const migrate = Persistence.migrateFrom(OldItems, (old) => old.items.map(({ id, ...item }) => [id, item] as const))

  it.effect("a change writes only the row of the key it touched, whatever the number of entries", () =>
    Effect.gen(function*() {
      const kv = instrumented()
      const items = yield* Store.makeKeyed<Item>("items", { persist: { entry: Item } }).pipe(Effect.provide(kv.layer))
      yield* Effect.forEach(Array.from({ length: 500 }, (_, i) => i), (i) => items.set(`i${i}`, { name: `item ${i}`, quantity: i }), {
        concurrency: "unbounded",
        discard: true
      })
      const before = kv.writes.length
      yield* items.set("i7", { name: "item 7", quantity: 70 })
      assert.strictEqual(kv.writes.length, before + 1)
      assert.deepStrictEqual(JSON.parse(kv.data.get("items/i7")!), { name: "item 7", quantity: 70 })
    }).pipe(Effect.scoped, Effect.provide(TestSpecter.layer)))

  it.effect("deleted keys lose their rows, and the entries load back after a restart", () =>
    Effect.gen(function*() {
      const kv = instrumented()
      const open = Store.makeKeyed<Item>("items", { persist: { entry: Item } }).pipe(Effect.provide(kv.layer))
      yield* Effect.scoped(Effect.gen(function*() {
        const items = yield* open
        yield* items.set("a", { name: "lamp", quantity: 1 })
        yield* items.set("b", { name: "desk", quantity: 2 })
        yield* items.delete("a")
      }))
      assert.deepStrictEqual([...kv.data.keys()], ["items/b"])
      const again = yield* Effect.scoped(Effect.flatMap(open, (items) => items.get()))
      assert.deepStrictEqual([...HashMap.toEntries(again)], [["b", { name: "desk", quantity: 2 }]])
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("an entry that does not match its Schema is refused with InvalidState and nothing changes", () =>
    Effect.gen(function*() {
      const kv = instrumented()
      const items = yield* Store.makeKeyed<Item>("items", { persist: { entry: Item } }).pipe(Effect.provide(kv.layer))
      const error = yield* Effect.flip(items.set("bad", { name: "x", quantity: 1.5 }))
      assert.deepStrictEqual([error._tag, yield* items.size, kv.writes.length], ["InvalidState", 0, 0])
    }).pipe(Effect.scoped, Effect.provide(TestSpecter.layer)))

  it.effect("an old whole-state layout on disk is migrated to one row per entry, with a log", () =>
    Effect.gen(function*() {
      const kv = instrumented()
      kv.data.set("items", JSON.stringify({ items: [{ id: "a", name: "lamp", quantity: 1 }, { id: "b", name: "desk", quantity: 2 }] }))
      const items = yield* Store.makeKeyed<Item>("items", { persist: { entry: Item, migrate } }).pipe(Effect.provide(kv.layer))
      assert.deepStrictEqual(Option.getOrNull(yield* items.get("b")), { name: "desk", quantity: 2 })
      assert.deepStrictEqual([...kv.data.keys()].sort(), ["items/a", "items/b"])
      assert.include((yield* TestLogger.TestLogger).at("Info").map((e) => e.message).join("\n"), "migrated 2 entries")
    }).pipe(Effect.scoped, Effect.provide(TestSpecter.layer)))

  it.effect("an old whole-state layout that cannot be migrated is moved aside with an error log", () =>
    Effect.gen(function*() {
      const kv = instrumented()
      kv.data.set("items", "{\"items\":\"not a list\"}")
      const items = yield* Store.makeKeyed<Item>("items", { persist: { entry: Item, migrate } }).pipe(Effect.provide(kv.layer))
      assert.strictEqual(yield* items.size, 0)
      const aside = [...kv.data.keys()].filter((key) => key.startsWith("items:previous-layout:"))
      assert.strictEqual(aside.length, 1)
      assert.isFalse(kv.data.has("items"))
      assert.include((yield* TestLogger.TestLogger).at("Error")[0]!.message, "whole-state layout")
    }).pipe(Effect.scoped, Effect.provide(TestSpecter.layer)))
})

describe("a Model persisted by entry", () => {
  it.effect("a set at a path writes only the top-level entry it changed", () =>
    Effect.gen(function*() {
      const kv = instrumented()
      const all: Record<string, Item> = {}
      for (let i = 0; i < 200; i++) all[`i${i}`] = { name: `item ${i}`, quantity: i }
      const model = yield* Model.make("items", all as ItemsById, { persist: { entry: Item } }).pipe(Effect.provide(kv.layer))
      yield* model.set("i3.quantity", 30)
      assert.deepStrictEqual(kv.writes, [JSON.stringify({ name: "item 3", quantity: 30 })])
      assert.deepStrictEqual([...kv.data.keys()], ["items/i3"])
    }).pipe(Effect.scoped, Effect.provide(TestSpecter.layer)))
})
