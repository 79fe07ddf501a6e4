/**
 * Store: the acceptance checks of specter-behaviour.md §11, in their Effect form,
 * and the weaknesses of §20 that concern it (18–21, 24). Persistence is in
 * Persistence.test.ts.
 *
 * How the Effect design changes some checks:
 * - STO-01: `get()` returns the live state, which is frozen: instead of a copy that
 *   may be mutated, a snapshot whose mutation throws (weakness 21).
 * - STO-07, STO-09, STO-10: `update` takes a pure function of the (frozen) state
 *   returning the next state (weakness 20). The original's "mutate the draft"
 *   form is a TypeError on a frozen object; returning a non-object, or throwing,
 *   is a defect that leaves the state unchanged.
 * - STO-11: a non-object partial is a type error; at run time it is a defect with
 *   a clear `TypeError` and the state is unchanged.
 * - STO-12: subscribers and bus listeners each run on their own fiber (weakness 1),
 *   so "after the subscribers have run" is not an ordering the bus guarantees; the
 *   event carries the same snapshots, in the same order.
 * - STO-15, weakness 24: the owner is the calling `Scope`, so an invalid owner is a
 *   type error and there is no dangling subscription to test.
 * - STO-16: destroy resets to the initial state (for an initial `{}`, empty): a
 *   typed store cannot hold `{}` when its type has required keys.
 * - STO-18: there is no `access(reader)`: `get()` takes no lock, so a reader is
 *   `Effect.map(store.get(), reader)`, and a non-callable reader is a type error.
 */
import { TestLogger, TestSpecter } from "@specter-runtime/testing"
import { assert, describe, it } from "@effect/vitest"
import { Bus, Model, Store } from "@specter-runtime/core"
import { Cause, Effect, Exit, Fiber, HashMap, Option, Queue, Scope, Stream } from "effect"
import { startIn } from "./helpers.ts"

/** A subscriber that records what it receives. */
const recorder = <A>() =>
  Effect.map(Queue.unbounded<A>(), (queue) => ({
    handler: (value: A) => Queue.offer(queue, value),
    take: (n: number) => Queue.takeN(queue, n),
    pending: Queue.size(queue)
  }))

/** A bus listener that records the payloads of `event`. */
const listenTo = <A>(event: Bus.Event<A>) =>
  Effect.gen(function*() {
    const seen = yield* recorder<A>()
    yield* Bus.listen(event, seen.handler)
    return seen
  })

const defectOf = <A, E>(exit: Exit.Exit<A, E>): unknown =>
  Exit.isFailure(exit) ? Cause.squash(exit.cause) : undefined

describe("Store", () => {
  it.effect("STO-01 get() returns a frozen snapshot: mutating it throws and does not change the store", () =>
    Effect.gen(function*() {
      const store = yield* Store.make("s", { a: 1 } as { a: number })
      const snapshot = yield* store.get()
      assert.isTrue(Object.isFrozen(snapshot))
      assert.throws(() => {
        ;(snapshot as { a: number }).a = 2
      }, TypeError)
      assert.deepStrictEqual(yield* store.get(), { a: 1 })
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("STO-02 get('missing', 7) is 7; a present key gives its value", () =>
    Effect.gen(function*() {
      const store = yield* Store.make("s", { a: 1 } as Record<string, number>)
      assert.strictEqual(yield* store.get("missing", 7), 7)
      assert.strictEqual(yield* store.get("a", 7), 1)
      assert.strictEqual(yield* store.get("a"), 1)
      assert.strictEqual(yield* store.get("constructor"), undefined, "only own keys are read")
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("STO-03 set merges shallowly and returns the snapshot", () =>
    Effect.gen(function*() {
      const store = yield* Store.make("s", { a: 1 } as { a: number; b?: number })
      const returned = yield* store.set({ b: 2 })
      assert.deepStrictEqual(returned, { a: 1, b: 2 })
      assert.strictEqual(returned, yield* store.get())
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("STO-04 set({}) still notifies the subscribers", () =>
    Effect.gen(function*() {
      const store = yield* Store.make("s", { a: 1 })
      const seen = yield* recorder<{ a: number }>()
      yield* store.listen(seen.handler)
      yield* store.set({})
      assert.deepStrictEqual(yield* seen.take(1), [{ a: 1 }])
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("STO-05 delete('missing') does not notify; delete('a') notifies once", () =>
    Effect.gen(function*() {
      const store = yield* Store.make("s", { a: 1 } as Record<string, number>)
      const seen = yield* recorder<Record<string, number>>()
      yield* store.listen(seen.handler)
      assert.deepStrictEqual(yield* store.delete("missing"), { a: 1 })
      assert.deepStrictEqual(yield* store.delete("a"), {})
      yield* store.set({ fence: 1 })
      assert.deepStrictEqual(yield* seen.take(2), [{}, { fence: 1 }])
      assert.strictEqual(yield* seen.pending, 0)
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("STO-06 replace({x:1}) removes the old keys", () =>
    Effect.gen(function*() {
      const store = yield* Store.make("s", { a: 1, b: 2 } as Record<string, number>)
      assert.deepStrictEqual(yield* store.replace({ x: 1 }), { x: 1 })
      assert.deepStrictEqual(yield* store.get(), { x: 1 })
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("STO-07 update commits the state its pure function returns; the draft form throws (weakness 20)", () =>
    Effect.gen(function*() {
      const store = yield* Store.make("s", { n: 1 })
      assert.deepStrictEqual(yield* store.update((s) => ({ ...s, n: s.n + 1 })), { n: 2 })
      const draft = yield* Effect.exit(store.update((s) => {
        ;(s as { n: number }).n = 10
        return s
      }))
      assert.instanceOf(defectOf(draft), TypeError)
      assert.deepStrictEqual(yield* store.get(), { n: 2 })
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("STO-08 update(() => ({z:1})) replaces the state with {z:1}", () =>
    Effect.gen(function*() {
      const store = yield* Store.make("s", { a: 1 } as Record<string, number>)
      assert.deepStrictEqual(yield* store.update(() => ({ z: 1 })), { z: 1 })
      assert.deepStrictEqual(yield* store.get(), { z: 1 })
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("STO-09 update returning a non-object is a TypeError defect and leaves the state unchanged", () =>
    Effect.gen(function*() {
      const store = yield* Store.make("s", { a: 1 })
      const exit = yield* Effect.exit(store.update(() => 5 as any))
      const defect = defectOf(exit)
      assert.instanceOf(defect, TypeError)
      assert.include((defect as TypeError).message, "update() on store 's' requires a plain object, got number")
      assert.deepStrictEqual(yield* store.get(), { a: 1 })
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("STO-10 a throwing update leaves the state unchanged and its error surfaces", () =>
    Effect.gen(function*() {
      const store = yield* Store.make("s", { a: 1 })
      const boom = new Error("boom")
      const exit = yield* Effect.exit(store.update(() => {
        throw boom
      }))
      assert.strictEqual(defectOf(exit), boom)
      assert.deepStrictEqual(yield* store.get(), { a: 1 })
      assert.deepStrictEqual(yield* store.set({ a: 2 }), { a: 2 }, "the store still works")
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("STO-11 set/replace with a non-object is a TypeError defect and changes nothing", () =>
    Effect.gen(function*() {
      const store = yield* Store.make("s", { a: 1 })
      for (const bad of [null, 5, "x", [1, 2]]) {
        assert.instanceOf(defectOf(yield* Effect.exit(store.set(bad as any))), TypeError)
        assert.instanceOf(defectOf(yield* Effect.exit(store.replace(bad as any))), TypeError)
      }
      const message = (defectOf(yield* Effect.exit(store.set([1] as any))) as TypeError).message
      assert.strictEqual(message, "[specter:store] set() on store 's' requires a plain object, got array")
      assert.deepStrictEqual(yield* store.get(), { a: 1 })
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("STO-12 with events, every notifying mutation emits <name>:changed with the snapshot, in order", () =>
    Effect.gen(function*() {
      const Custom = Bus.event<Record<string, number>>("custom")
      const events = yield* listenTo(Bus.event<Record<string, number>>("s:changed"))
      const renamed = yield* listenTo(Custom)
      const store = yield* Store.make("s", { a: 1 } as Record<string, number>, { events: true })
      const other = yield* Store.make("t", {} as Record<string, number>, { events: Custom })
      assert.strictEqual(store.changed.name, "s:changed")
      yield* store.set({ b: 2 })
      yield* store.delete("missing") // does not notify, so no event
      yield* store.delete("a")
      yield* store.set({})
      yield* other.set({ x: 1 })
      assert.deepStrictEqual(yield* events.take(3), [{ a: 1, b: 2 }, { b: 2 }, { b: 2 }])
      assert.deepStrictEqual(yield* renamed.take(1), [{ x: 1 }])
      assert.strictEqual(yield* events.pending, 0)
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("STO-13 without events, nothing is emitted on the bus", () =>
    Effect.gen(function*() {
      const changed = Bus.event<{ a: number }>("s:changed")
      const events = yield* listenTo(changed)
      const store = yield* Store.make("s", { a: 1 })
      yield* store.set({ a: 2 })
      yield* Bus.emitAndWait(changed, { a: -1 }) // a fence: the only event the listener gets
      assert.deepStrictEqual(yield* events.take(1), [{ a: -1 }])
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("STO-14 a subscriber that fails is logged and blocks neither the others nor the bus event", () =>
    Effect.gen(function*() {
      const events = yield* listenTo(Bus.event<{ a: number }>("s:changed"))
      const store = yield* Store.make("s", { a: 0 }, { events: true })
      const seen = yield* recorder<{ a: number }>()
      yield* store.listen(() => Effect.fail("bad subscriber"))
      yield* store.listen(() => Effect.die(new Error("worse subscriber")))
      yield* store.listen(seen.handler)
      yield* store.set({ a: 1 })
      yield* store.set({ a: 2 })
      assert.deepStrictEqual(yield* seen.take(2), [{ a: 1 }, { a: 2 }])
      assert.deepStrictEqual(yield* events.take(2), [{ a: 1 }, { a: 2 }])
      const errors = (yield* TestLogger.TestLogger).at("Error")
      assert.strictEqual(errors.filter((e) => e.message === "store 's': subscriber failed").length, 4)
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("STO-15 closing the subscription's scope unsubscribes", () =>
    Effect.gen(function*() {
      const store = yield* Store.make("s", { a: 0 })
      const seen = yield* recorder<{ a: number }>()
      const kept = yield* recorder<{ a: number }>()
      const scope = yield* Scope.make()
      yield* Scope.provide(store.listen(seen.handler), scope)
      yield* store.listen(kept.handler)
      yield* store.set({ a: 1 })
      assert.deepStrictEqual(yield* seen.take(1), [{ a: 1 }])
      yield* Scope.close(scope, Exit.void)
      yield* store.set({ a: 2 })
      assert.deepStrictEqual(yield* kept.take(2), [{ a: 1 }, { a: 2 }])
      assert.strictEqual(yield* seen.pending, 0)
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("STO-16 destroy resets the state and ends the subscribers and streams without notifying them", () =>
    Effect.gen(function*() {
      const events = yield* listenTo(Bus.event<Record<string, number>>("s:changed"))
      const store = yield* Store.make("s", {} as Record<string, number>, { events: true })
      const seen = yield* recorder<Record<string, number>>()
      yield* store.listen(seen.handler)
      const stream = yield* Effect.forkChild(Stream.runCollect(store.changes), { startImmediately: true })
      yield* store.set({ a: 1 })
      assert.deepStrictEqual(yield* seen.take(1), [{ a: 1 }])
      yield* store.destroy
      assert.deepStrictEqual(yield* store.get(), {})
      assert.deepStrictEqual(yield* Fiber.join(stream), [{}, { a: 1 }], "the stream ended without the reset")
      // The store is still usable; a new subscriber sees new changes, the old one nothing.
      const after = yield* recorder<Record<string, number>>()
      yield* store.listen(after.handler)
      yield* store.set({ b: 2 })
      assert.deepStrictEqual(yield* after.take(1), [{ b: 2 }])
      assert.strictEqual(yield* seen.pending, 0)
      assert.deepStrictEqual(yield* events.take(2), [{ a: 1 }, { b: 2 }], "no event for the reset")
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("STO-17 listen with immediate calls the handler at once with the current snapshot (watch)", () =>
    Effect.gen(function*() {
      const store = yield* Store.make("s", { a: 1 })
      const seen = yield* recorder<{ a: number }>()
      yield* store.listen(seen.handler, { immediate: true })
      assert.deepStrictEqual(yield* seen.take(1), [{ a: 1 }])
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("INT-05 a service listening to <store>:changed receives every snapshot until it stops", () =>
    Effect.gen(function*() {
      const bus = yield* Bus.Bus
      const store = yield* Store.make("s", { n: 0 }, { events: true })
      const seen = yield* recorder<{ n: number }>()
      const { scope } = yield* startIn("listener", Bus.listen(store.changed, seen.handler))
      yield* store.set({ n: 1 })
      yield* store.set({ n: 2 })
      assert.deepStrictEqual(yield* seen.take(2), [{ n: 1 }, { n: 2 }])
      yield* Scope.close(scope, Exit.void)
      assert.strictEqual(bus.subscribers(store.changed), 0)
      yield* store.set({ n: 3 })
      assert.strictEqual(yield* seen.pending, 0)
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("weakness 18: every subscriber gets the same frozen snapshot, in order; none can corrupt it for the next", () =>
    Effect.gen(function*() {
      const store = yield* Store.make("s", { list: [1] as ReadonlyArray<number> })
      const first = yield* recorder<unknown>()
      const second = yield* recorder<{ list: ReadonlyArray<number> }>()
      yield* store.listen((s) =>
        Effect.andThen(
          Effect.sync(() => {
            try {
              ;(s.list as Array<number>).push(99)
              return "mutated"
            } catch (error) {
              return error instanceof TypeError ? "refused" : "other"
            }
          }),
          (outcome) => first.handler(outcome)
        ))
      yield* store.listen(second.handler)
      const written = yield* store.set({ list: [1, 2] })
      assert.deepStrictEqual(yield* first.take(1), ["refused"])
      const [got] = yield* second.take(1)
      assert.strictEqual(got, written, "the very same snapshot, not a copy")
      assert.deepStrictEqual(got!.list, [1, 2])
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("weakness 19: concurrent writers; every subscriber sees one linear sequence of states", () =>
    Effect.gen(function*() {
      const store = yield* Store.make("s", { n: 0 })
      const subscribers = yield* Effect.all(Array.from({ length: 3 }, () => recorder<{ n: number }>()))
      for (const s of subscribers) yield* store.listen(s.handler)
      yield* Effect.all(Array.from({ length: 100 }, () => store.update((s) => ({ n: s.n + 1 }))), { concurrency: "unbounded" })
      for (const s of subscribers) {
        assert.deepStrictEqual((yield* s.take(100)).map((x) => x.n), Array.from({ length: 100 }, (_, i) => i + 1))
      }
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("weakness 20: a subscriber that writes back into the same store does not deadlock", () =>
    Effect.gen(function*() {
      const store = yield* Store.make("s", { n: 0, echo: 0 })
      const seen = yield* recorder<{ n: number; echo: number }>()
      yield* store.listen((s) => (s.echo === s.n ? Effect.void : Effect.asVoid(store.set({ echo: s.n }))))
      yield* store.listen(seen.handler)
      yield* store.set({ n: 1 })
      assert.deepStrictEqual(yield* seen.take(2), [{ n: 1, echo: 0 }, { n: 1, echo: 1 }])
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("weakness 21: nested values written into the store are frozen, so they cannot change behind the subscribers", () =>
    Effect.gen(function*() {
      const store = yield* Store.make("s", { user: { name: "ada", tags: ["x"] } })
      const user = { name: "bob", tags: ["y"] }
      yield* store.set({ user })
      assert.throws(() => {
        user.name = "eve"
      }, TypeError)
      assert.throws(() => user.tags.push("z"), TypeError)
      const snapshot = yield* store.get()
      assert.isTrue(Object.isFrozen(snapshot.user) && Object.isFrozen(snapshot.user.tags))
      assert.deepStrictEqual(snapshot, { user: { name: "bob", tags: ["y"] } })
    }).pipe(Effect.provide(TestSpecter.layer)))
})

describe("Store.FreezeStates", () => {
  it.effect("is on outside production: the default under test freezes what a store holds", () =>
    Effect.gen(function*() {
      assert.strictEqual(process.env["NODE_ENV"], "test")
      assert.isTrue(yield* Store.FreezeStates)
      const store = yield* Store.make("s", { items: [{ n: 1 }] })
      assert.isTrue(Object.isFrozen((yield* store.get()).items[0]))
    }).pipe(Effect.scoped))

  it.effect("off: Store, keyed store and Model keep what they are given as it is, and still notify every change", () =>
    Effect.gen(function*() {
      const items = [{ n: 1 }]
      const store = yield* Store.make("s", { items })
      yield* store.update((s) => ({ items: [...s.items, { n: 2 }] }))
      const snapshot = yield* store.get()
      assert.isFalse(Object.isFrozen(snapshot) || Object.isFrozen(snapshot.items) || Object.isFrozen(items))
      const keyed = yield* Store.makeKeyed<{ n: number }>("k")
      yield* keyed.set("a", { n: 1 })
      assert.isFalse(Object.isFrozen(Option.getOrThrow(yield* keyed.get("a"))))
      const model = yield* Model.make("m", { a: { b: 1 } })
      yield* model.set("a.c", { d: 2 })
      assert.isFalse(Object.isFrozen(yield* model.get()) || Object.isFrozen((yield* model.get("a.c")) as object))
      const changes = yield* Stream.runCollect(Stream.take(store.changes, 1))
      assert.deepStrictEqual(changes, [{ items: [{ n: 1 }, { n: 2 }] }])
    }).pipe(Effect.provideService(Store.FreezeStates, false), Effect.scoped))
})

describe("Store.makeKeyed", () => {
  it.effect("set, modify and delete return the change they made, naming the keys they touched", () =>
    Effect.gen(function*() {
      const items = yield* Store.makeKeyed<{ readonly n: number }>("items", { initial: [["a", { n: 1 }]] })
      const set = yield* items.set("b", { n: 2 })
      assert.deepStrictEqual([set.entries, HashMap.size(set.state)], [["b"], 2])
      const modified = yield* items.modify("a", (a) => Option.map(a, ({ n }) => ({ n: n + 10 })))
      assert.deepStrictEqual([modified.entries, Option.getOrNull(yield* items.get("a"))], [["a"], { n: 11 }])
      const deleted = yield* items.delete("a", "missing")
      assert.deepStrictEqual([deleted.entries, yield* items.size], [["a"], 1])
      assert.deepStrictEqual((yield* items.delete("missing")).entries, [], "nothing to delete: no change")
      assert.isTrue(Object.isFrozen(Option.getOrThrow(yield* items.get("b"))), "a stored value is frozen")
    }).pipe(Effect.scoped))

  it.effect("subscribers see each change with its keys; the immediate call names every key; no-op changes notify nobody", () =>
    Effect.gen(function*() {
      const items = yield* Store.makeKeyed<number>("counts", { initial: [["x", 1]] })
      const seen = yield* Queue.unbounded<ReadonlyArray<string>>()
      yield* items.listen(({ entries }) => Queue.offer(seen, entries), { immediate: true })
      yield* items.set("y", 2)
      yield* items.modify("x", (x) => x) // the same value: no change
      yield* items.delete("x")
      yield* items.clear
      assert.deepStrictEqual(yield* Effect.forEach([1, 2, 3, 4], () => Queue.take(seen)), [["x"], ["y"], ["x"], ["y"]])
      assert.strictEqual(yield* Queue.size(seen), 0)
    }).pipe(Effect.scoped))

  it.effect("changes starts with the current state naming every key, then each change", () =>
    Effect.gen(function*() {
      const items = yield* Store.makeKeyed<number>("counts", { initial: [["x", 1], ["y", 2]] })
      const fiber = yield* items.changes.pipe(Stream.take(2), Stream.runCollect, Effect.forkChild)
      yield* Effect.yieldNow
      yield* items.set("z", 3)
      const [first, second] = yield* Fiber.join(fiber)
      assert.deepStrictEqual([[...first!.entries].sort(), second!.entries, HashMap.size(second!.state)], [["x", "y"], ["z"], 3])
    }).pipe(Effect.scoped))

  it.effect("destroy resets to the initial entries without notifying", () =>
    Effect.gen(function*() {
      const items = yield* Store.makeKeyed<number>("counts", { initial: [["x", 1]] })
      yield* items.set("y", 2)
      yield* items.destroy
      assert.deepStrictEqual([...HashMap.keys(yield* items.get())], ["x"])
    }).pipe(Effect.scoped))
})
