/**
 * Model: the acceptance checks of specter-behaviour.md §12, in their Effect form,
 * the weaknesses of §20 that concern it (22, 23), and prototype pollution through
 * paths. Persistence is in Persistence.test.ts.
 *
 * How the Effect design changes some checks:
 * - MOD-04, MOD-08, MOD-23 and bad paths: a path that is not a string or an array
 *   is a type error; at run time it fails with `InvalidPath` (a tagged error, since
 *   paths may come from user input). A non-object patch is a `TypeError` defect.
 * - MOD-05, MOD-09, MOD-24: nothing is deep-copied; snapshots and values written
 *   in are frozen (weakness 22), so a mutation throws instead of changing the model.
 * - MOD-07 (parity): setting inside a non-object value fails with `InvalidPath`
 *   instead of silently discarding that value.
 * - MOD-15: the issue asks `patch` to merge deeply, so the original's wholesale
 *   replacement of a top-level key is `set(key, value)`; the test shows both.
 * - MOD-16, MOD-17: `update` takes a pure function (weakness 20); a throw or a
 *   non-object result is a defect and the state is unchanged.
 * - MOD-21 is the original's quirk that weakness 23 fixes: the change event comes
 *   from the same deduplicated stream as the subscribers, so a no-op set emits
 *   nothing.
 * - MOD-22: destroy resets to the initial state (for an initial `{}`, empty).
 * - The owner is the calling `Scope` (weakness 24), so an invalid owner is a type error.
 */
import { TestLogger, TestSpecter } from "@specter-runtime/testing"
import { assert, describe, it } from "@effect/vitest"
import { Bus, Model } from "@specter-runtime/core"
import { Cause, Effect, Exit, Fiber, Queue, Scope, Stream } from "effect"
import { startIn } from "./helpers.ts"

const recorder = <A>() =>
  Effect.map(Queue.unbounded<A>(), (queue) => ({
    handler: (value: A) => Queue.offer(queue, value),
    take: (n: number) => Queue.takeN(queue, n),
    pending: Queue.size(queue)
  }))

const defectOf = <A, E>(exit: Exit.Exit<A, E>): unknown => (Exit.isFailure(exit) ? Cause.squash(exit.cause) : undefined)

interface Player {
  readonly playback: { readonly url: string; readonly position: number }
  readonly volume: number
}

describe("Model", () => {
  it.effect("MOD-01 get('a.b') and get(['a','b']) return the same value", () =>
    Effect.gen(function*() {
      const model = yield* Model.make("m", { a: { b: { c: 1 } } })
      const byString = yield* model.get("a.b")
      assert.deepStrictEqual(byString, { c: 1 })
      assert.strictEqual(yield* model.get(["a", "b"]), byString)
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("MOD-02 get('a..b') is get('a.b'); get('') returns the whole state", () =>
    Effect.gen(function*() {
      const model = yield* Model.make("m", { a: { b: 2 } })
      assert.strictEqual(yield* model.get("a..b"), 2)
      assert.strictEqual(yield* model.get(".a.b."), 2)
      assert.strictEqual(yield* model.get(""), yield* model.get())
      assert.deepStrictEqual(yield* model.get([]), { a: { b: 2 } })
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("MOD-03 a missing path gives the default; a stored null is null, not the default", () =>
    Effect.gen(function*() {
      const model = yield* Model.make("m", { a: { b: null as string | null } })
      assert.strictEqual(yield* model.get("a.x", "d"), "d")
      assert.strictEqual(yield* model.get("a.b", "d"), null)
      assert.strictEqual(yield* model.get("a.b"), null)
      assert.strictEqual(yield* model.get("a.b.c.d"), undefined)
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("MOD-04 a path that is neither a string nor an array fails with InvalidPath", () =>
    Effect.gen(function*() {
      const model = yield* Model.make("m", { a: 1 })
      const error = yield* Effect.flip(model.get(5 as any))
      assert.strictEqual(error._tag, "InvalidPath")
      assert.strictEqual(error.message, "model 'm': a path must be a dotted string or an array of segments, got number")
      assert.strictEqual((yield* Effect.flip(model.get(["a", {} as any]))).message, "model 'm': a path segment must be a string or an integer, got object")
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("MOD-05 snapshots are frozen: mutating a nested object throws and the model is unchanged", () =>
    Effect.gen(function*() {
      const model = yield* Model.make("m", { a: { list: [1] } })
      const a = yield* model.get("a")
      assert.throws(() => (a.list as Array<number>).push(2), TypeError)
      assert.throws(() => {
        ;(a as { list: Array<number> }).list = []
      }, TypeError)
      assert.deepStrictEqual(yield* model.get(), { a: { list: [1] } })
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("MOD-06 set('x.y.z', 1) on {} creates {x:{y:{z:1}}}", () =>
    Effect.gen(function*() {
      const model = yield* Model.make("m", {} as Record<string, unknown>)
      assert.deepStrictEqual(yield* model.set("x.y.z", 1), { x: { y: { z: 1 } } })
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("MOD-07 (parity, fixed) setting inside a non-object value fails with InvalidPath and loses nothing", () =>
    Effect.gen(function*() {
      const model = yield* Model.make("m", { s: "text", n: { list: [1] } } as Record<string, unknown>)
      const error = yield* Effect.flip(model.set("s.x", 2))
      assert.strictEqual(error._tag, "InvalidPath")
      assert.strictEqual(error.message, "model 'm': 's' holds string, not an object; setting inside it would discard it")
      assert.strictEqual((yield* Effect.flip(model.set("n.list.x", 2))).path, "\"n.list.x\"")
      assert.deepStrictEqual(yield* model.get(), { s: "text", n: { list: [1] } })
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("MOD-08 set('', v) fails with InvalidPath", () =>
    Effect.gen(function*() {
      const model = yield* Model.make("m", { a: 1 } as Record<string, unknown>)
      const error = yield* Effect.flip(model.set("", { b: 2 }))
      assert.strictEqual(error.message, "model 'm': set() requires a non-empty path")
      assert.deepStrictEqual(yield* model.get(), { a: 1 })
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("MOD-09 a value passed to set is frozen: mutating the caller's object afterwards throws, the model is unchanged", () =>
    Effect.gen(function*() {
      const model = yield* Model.make("m", {} as Record<string, { n: number }>)
      const value = { n: 1 }
      yield* model.set("v", value)
      assert.throws(() => {
        value.n = 2
      }, TypeError)
      assert.deepStrictEqual(yield* model.get("v"), { n: 1 })
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("MOD-10 a subscriber on 'a.b' is not called when only 'c' changes, and once when a.b changes", () =>
    Effect.gen(function*() {
      const model = yield* Model.make("m", { a: { b: 1 }, c: 1 })
      const seen = yield* recorder<number>()
      yield* model.listen("a.b", seen.handler)
      yield* model.set("c", 2)
      yield* model.set("a.b", 2)
      assert.deepStrictEqual(yield* seen.take(1), [2])
      yield* model.set("c", 3)
      yield* model.set("a.b", 3)
      assert.deepStrictEqual(yield* seen.take(1), [3])
      assert.strictEqual(yield* seen.pending, 0)
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("MOD-11 setting a path to a structurally equal value calls no subscriber", () =>
    Effect.gen(function*() {
      const model = yield* Model.make("m", { a: { b: { c: [1, 2] } }, fence: 0 })
      const seen = yield* recorder<unknown>()
      yield* model.listen("a.b", seen.handler)
      yield* model.listen(seen.handler)
      const before = yield* model.get()
      assert.strictEqual(yield* model.set("a.b", { c: [1, 2] }), before, "no new state at all")
      yield* model.set("fence", 1)
      assert.deepStrictEqual(yield* seen.take(1), [{ a: { b: { c: [1, 2] } }, fence: 1 }])
      assert.strictEqual(yield* seen.pending, 0)
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("MOD-12 a full-state subscriber is called on a real change and not on a no-op set", () =>
    Effect.gen(function*() {
      const model = yield* Model.make("m", { a: 1 })
      const seen = yield* recorder<{ a: number }>()
      yield* model.listen(seen.handler)
      yield* model.set("a", 1)
      yield* model.set("a", 2)
      assert.deepStrictEqual(yield* seen.take(1), [{ a: 2 }])
      assert.strictEqual(yield* seen.pending, 0)
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("MOD-13 a callable selector fires only when its result flips", () =>
    Effect.gen(function*() {
      const model = yield* Model.make("m", { count: 0 })
      const seen = yield* recorder<boolean>()
      yield* model.listen((s) => s.count > 5, seen.handler)
      for (const count of [1, 3, 6, 7, 9, 2, 1, 8]) yield* model.set("count", count)
      assert.deepStrictEqual(yield* seen.take(3), [true, false, true])
      assert.strictEqual(yield* seen.pending, 0)
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("MOD-14 delete('a.b') removes the leaf and notifies; delete('missing') does not", () =>
    Effect.gen(function*() {
      const model = yield* Model.make("m", { a: { b: 1, c: 2 } } as Record<string, Record<string, number>>)
      const seen = yield* recorder<unknown>()
      yield* model.listen(seen.handler)
      assert.deepStrictEqual(yield* model.delete("missing.x"), { a: { b: 1, c: 2 } })
      assert.deepStrictEqual(yield* model.delete("a.b"), { a: { c: 2 } })
      assert.deepStrictEqual(yield* seen.take(1), [{ a: { c: 2 } }])
      yield* model.delete("")
      assert.strictEqual(yield* seen.pending, 0)
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("MOD-15 set('a', {z:1}) replaces the subtree a; patch merges deeply (issue 4)", () =>
    Effect.gen(function*() {
      const model = yield* Model.make("m", { a: { x: 1, y: { p: 1, q: 2 } } as Record<string, unknown>, b: 1 })
      assert.deepStrictEqual(yield* model.patch({ a: { y: { q: 3 }, z: 1 } }), { a: { x: 1, y: { p: 1, q: 3 }, z: 1 }, b: 1 })
      assert.deepStrictEqual(yield* model.set("a", { z: 1 }), { a: { z: 1 }, b: 1 })
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("MOD-16 a throwing update leaves the state deeply unchanged", () =>
    Effect.gen(function*() {
      const model = yield* Model.make("m", { a: { b: [1] } })
      const before = yield* model.get()
      const exit = yield* Effect.exit(model.update((s) => {
        const touched = { ...s, a: { b: [...s.a.b, 2] } }
        if (touched.a.b.length > 1) throw new Error("boom")
        return touched
      }))
      assert.strictEqual((defectOf(exit) as Error).message, "boom")
      assert.strictEqual(yield* model.get(), before)
      assert.deepStrictEqual(before, { a: { b: [1] } })
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("MOD-17 update returning a non-object is a TypeError defect and leaves the state unchanged", () =>
    Effect.gen(function*() {
      const model = yield* Model.make("m", { a: 1 })
      const defect = defectOf(yield* Effect.exit(model.update(() => [1] as any)))
      assert.instanceOf(defect, TypeError)
      assert.strictEqual((defect as TypeError).message, "[specter:model] update() on model 'm' requires a plain object, got array")
      assert.deepStrictEqual(yield* model.get(), { a: 1 })
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("MOD-18 clear() notifies the subscribers whose selected value changes (to undefined)", () =>
    Effect.gen(function*() {
      const model = yield* Model.make("m", { a: 1 } as { a?: number; b?: number })
      const onA = yield* recorder<unknown>()
      const onB = yield* recorder<unknown>()
      yield* model.listen("a", onA.handler)
      yield* model.listen("b", onB.handler)
      yield* model.clear()
      yield* model.set("a", 2)
      assert.deepStrictEqual(yield* onA.take(2), [undefined, 2])
      assert.strictEqual(yield* onB.pending, 0)
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("MOD-19 subscribe with immediate calls the handler at once with the selected value", () =>
    Effect.gen(function*() {
      const model = yield* Model.make("m", { a: { b: 7 } })
      const seen = yield* recorder<number>()
      yield* model.listen("a.b", seen.handler, { immediate: true })
      assert.deepStrictEqual(yield* seen.take(1), [7])
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("MOD-20 a subscriber whose selector throws is logged and does not stop the others", () =>
    Effect.gen(function*() {
      const model = yield* Model.make("m", { n: 0 })
      const seen = yield* recorder<number>()
      const brittle = yield* recorder<number>()
      yield* model.listen((s) => {
        if (s.n === 1) throw new Error("selector broke")
        return s.n
      }, brittle.handler)
      yield* model.listen("n", seen.handler)
      yield* model.set("n", 1)
      yield* model.set("n", 2)
      assert.deepStrictEqual(yield* seen.take(2), [1, 2])
      assert.deepStrictEqual(yield* brittle.take(1), [2], "the failing subscriber goes on")
      const warnings = (yield* TestLogger.TestLogger).at("Warn")
      assert.strictEqual(warnings.filter((e) => e.message === "model 'm': selector failed").length, 1)
      assert.include(warnings[0]!.cause, "selector broke")
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("MOD-21 / weakness 23: with events, every real change emits <name>:changed with the snapshot; a no-op emits nothing", () =>
    Effect.gen(function*() {
      const changed = Bus.event<unknown>("m:changed")
      const events = yield* recorder<unknown>()
      yield* Bus.listen(changed, events.handler)
      const model = yield* Model.make("m", { a: 1, b: { c: 1 } }, { events: true })
      const subscribed = yield* recorder<unknown>()
      yield* model.listen("a", subscribed.handler)
      yield* model.set("b.c", 2) // no subscriber fires, the event does
      yield* model.set("b.c", 2) // no-op: nothing
      yield* model.patch({ b: { c: 2 } }) // no-op: nothing
      yield* model.update((s) => ({ ...s })) // structurally equal: nothing
      yield* model.set("a", 2)
      assert.deepStrictEqual(yield* events.take(2), [{ a: 1, b: { c: 2 } }, { a: 2, b: { c: 2 } }])
      assert.deepStrictEqual(yield* subscribed.take(1), [2])
      yield* Bus.emitAndWait(changed, "fence")
      assert.deepStrictEqual(yield* events.take(1), ["fence"])
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("MOD-22 destroy resets the state and removes the subscribers without calling them", () =>
    Effect.gen(function*() {
      const model = yield* Model.make("m", {} as Record<string, number>)
      const seen = yield* recorder<unknown>()
      yield* model.listen("a", seen.handler)
      const stream = yield* Effect.forkChild(Stream.runCollect(model.changesOf("a")), { startImmediately: true })
      yield* model.set("a", 1)
      assert.deepStrictEqual(yield* seen.take(1), [1])
      yield* model.destroy
      assert.deepStrictEqual(yield* model.get(), {})
      assert.deepStrictEqual(yield* Fiber.join(stream), [undefined, 1])
      yield* model.set("a", 2)
      assert.deepStrictEqual(yield* model.get(), { a: 2 }, "still usable")
      assert.strictEqual(yield* seen.pending, 0)
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("MOD-23 patch with a non-object is a TypeError defect and changes nothing", () =>
    Effect.gen(function*() {
      const model = yield* Model.make("m", { a: 1 })
      for (const bad of [null, 1, "x", [1]]) {
        assert.instanceOf(defectOf(yield* Effect.exit(model.patch(bad as any))), TypeError)
      }
      assert.deepStrictEqual(yield* model.get(), { a: 1 })
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("MOD-24 select(fn) gives fn the frozen snapshot; mutating it inside fn throws and the model is unaffected", () =>
    Effect.gen(function*() {
      const model = yield* Model.make("m", { count: 3, nested: { x: 1 } })
      assert.strictEqual(yield* model.select((s) => s.count * 2), 6)
      const exit = yield* Effect.exit(model.select((s) => {
        ;(s.nested as { x: number }).x = 99
        return s
      }))
      assert.instanceOf(defectOf(exit), TypeError)
      assert.deepStrictEqual(yield* model.get(), { count: 3, nested: { x: 1 } })
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("INT-07 a selector subscription owned by a service is removed when the service stops", () =>
    Effect.gen(function*() {
      const model = yield* Model.make("m", { a: 0, b: 0 })
      const owned = yield* recorder<number>()
      const kept = yield* recorder<number>()
      const { scope } = yield* startIn("owner", model.listen("a", owned.handler))
      yield* model.listen("a", kept.handler)
      yield* model.set("a", 1)
      assert.deepStrictEqual(yield* owned.take(1), [1])
      yield* Scope.close(scope, Exit.void)
      yield* model.set("a", 2)
      assert.deepStrictEqual(yield* kept.take(2), [1, 2])
      assert.strictEqual(yield* owned.pending, 0)
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("weakness 22: equality is strict and structural, and nothing is copied", () =>
    Effect.gen(function*() {
      const model = yield* Model.make("m", { flag: 1 as number | boolean, deep: { list: [{ a: 1 }] }, other: { x: 1 } })
      const seen = yield* recorder<unknown>()
      yield* model.listen("flag", seen.handler)
      yield* model.listen("deep", seen.handler)
      const before = yield* model.get()
      yield* model.set("flag", true) // 1 -> true: a change (the original's loose equality missed it)
      yield* model.set("deep", { list: [{ a: 1 }] }) // a new but equal object: not a change
      yield* model.set("deep.list", [{ a: 2 }])
      assert.deepStrictEqual(yield* seen.take(2), [true, { list: [{ a: 2 }] }])
      const after = yield* model.get()
      assert.strictEqual(after.other, before.other, "untouched branches are shared, not copied")
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("no path reaches the prototype: __proto__, constructor and prototype are refused in every form", () =>
    Effect.gen(function*() {
      const model = yield* Model.make("m", { a: {} } as Record<string, unknown>)
      const paths: ReadonlyArray<Model.Path> = [
        "__proto__.polluted",
        ["__proto__", "polluted"],
        "constructor.prototype.polluted",
        ["constructor", "prototype", "polluted"],
        "a.__proto__.polluted",
        ["a", "constructor", "prototype", "polluted"],
        "prototype.polluted",
        "__proto__"
      ]
      for (const path of paths) {
        const error = yield* Effect.flip(model.set(path, true))
        assert.strictEqual(error._tag, "InvalidPath")
        assert.match(error.message, /^model 'm': the segment '(__proto__|constructor|prototype)' is not allowed in a path$/)
        assert.strictEqual((yield* Effect.flip(model.get(path)))._tag, "InvalidPath")
        assert.strictEqual((yield* Effect.flip(model.delete(path)))._tag, "InvalidPath")
        assert.strictEqual((yield* Effect.flip(model.listen(path, () => Effect.void)))._tag, "InvalidPath")
      }
      const patch = yield* Effect.flip(model.patch(JSON.parse("{\"a\":{\"__proto__\":{\"polluted\":true}}}")))
      assert.strictEqual(patch.message, "model 'm': the key 'a.__proto__' is not allowed in a patch")
      assert.isUndefined(({} as Record<string, unknown>)["polluted"])
      assert.isUndefined((Object.prototype as Record<string, unknown>)["polluted"])
      assert.deepStrictEqual(yield* model.get(), { a: {} })
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("paths are typed: the value at a path has the type of that path", () =>
    Effect.gen(function*() {
      const player = yield* Model.make<Player>("player", { playback: { url: "", position: 0 }, volume: 1 })
      const url: string = yield* player.get("playback.url")
      const position: number = yield* player.get(["playback", "position"])
      assert.deepStrictEqual([url, position], ["", 0])
      yield* player.set("playback.url", "a.mp3")
      yield* player.set(["playback", "position"], 42)
      // @ts-expect-error the position is a number
      yield* Effect.exit(player.set("playback.position", "42"))
      const urls = yield* Effect.forkChild(Stream.runCollect(Stream.take(player.changesOf("playback.url"), 2)), { startImmediately: true })
      yield* player.set("volume", 0.5)
      yield* player.set("playback.url", "b.mp3")
      assert.deepStrictEqual(yield* Fiber.join(urls), ["a.mp3", "b.mp3"])
    }).pipe(Effect.provide(TestSpecter.layer)))
})
