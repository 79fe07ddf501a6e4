/**
 * Outcome and Operation: specter-behaviour.md §10 (OUT-01..09, OP-01..06) and
 * weakness 36.
 *
 * Not ported: OP-05 (an Operation without `perform` is a type error).
 */
import { TestLogger, TestSpecter } from "@specter-runtime/testing"
import { assert, describe, it } from "@effect/vitest"
import { Field, Operation, Outcome } from "@specter-runtime/core"
import { Effect, Exit } from "effect"

describe("Outcome", () => {
  it("OUT-01 success(5) is ok with value 5, no error, status 200 and no meta", () => {
    const outcome = Outcome.success(5)
    assert.deepStrictEqual([outcome.ok, outcome.value, outcome.error, outcome.status, outcome.meta], [true, 5, null, 200, {}])
  })

  it("OUT-02 and OUT-03 failure('x') is status 400 with value null; an Error becomes its message", () => {
    const outcome = Outcome.failure("x")
    assert.deepStrictEqual([outcome.ok, outcome.error, outcome.status, outcome.value], [false, "x", 400, null])
    assert.strictEqual(Outcome.failure(new Error("boom")).error, "boom")
    assert.strictEqual(Outcome.failure(null).error, "unknown error")
  })

  it("OUT-04 and OUT-05 toJSON holds the meta, ok, status and value (and error for a failure)", () => {
    assert.deepStrictEqual(Outcome.toJSON(Outcome.success({ a: 1 }, { status: 201, meta: { foo: "bar" } })), {
      foo: "bar",
      ok: true,
      status: 201,
      value: { a: 1 }
    })
    assert.deepStrictEqual(Outcome.toJSON(Outcome.failure("nope", { status: 404 })), {
      ok: false,
      status: 404,
      error: "nope",
      value: null
    })
  })

  it("OUT-06 meta cannot override the reserved keys", () => {
    const json = Outcome.toJSON(Outcome.success(1, { meta: { ok: false, status: 999, value: "fake", error: "kept as meta" } }))
    assert.deepStrictEqual(json, { ok: true, status: 200, value: 1, error: "kept as meta" })
  })

  it.effect("OUT-07 unwrap gives the value of a success and fails with the error text otherwise", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* Outcome.unwrap(Outcome.success(3)), 3)
      assert.strictEqual((yield* Effect.flip(Outcome.unwrap(Outcome.failure("bad")))).message, "bad")
      assert.strictEqual((yield* Effect.flip(Outcome.unwrap(Outcome.failure("")))).message, "Outcome is not successful")
    }))

  it("OUT-08 toTuple is [ok, value, error]", () => {
    assert.deepStrictEqual(Outcome.toTuple(Outcome.success(1)), [true, 1, null])
    assert.deepStrictEqual(Outcome.toTuple(Outcome.failure("e")), [false, null, "e"])
  })

  it("OUT-09 an Outcome cannot be mutated", () => {
    const outcome = Outcome.success({ a: 1 }, { meta: { m: 1 } })
    assert.throws(() => {
      ;(outcome as { status: number }).status = 500
    })
    assert.throws(() => {
      ;(outcome.meta as Record<string, unknown>)["m"] = 2
    })
    assert.strictEqual(outcome.status, 200)
  })
})

describe("Operation", () => {
  it.effect("OP-01 a plain result becomes success with status 200", () =>
    Effect.gen(function*() {
      const double = Operation.make("double", { perform: (n: number) => Effect.succeed(n * 2) })
      const outcome = yield* double.run(21)
      assert.deepStrictEqual([outcome.ok, outcome.value, outcome.status], [true, 42, 200])
    }))

  it.effect("OP-02 an Outcome from perform is returned as it is, failures included", () =>
    Effect.gen(function*() {
      const refuse = Operation.make("refuse", { perform: () => Effect.succeed(Outcome.failure("not today", { status: 409 })) })
      const outcome = yield* refuse.run(undefined)
      assert.deepStrictEqual([outcome.ok, outcome.error, outcome.status], [false, "not today", 409])
    }))

  it.effect("OP-03 an OperationError from validate is a failure with its status and meta; perform does not run", () =>
    Effect.gen(function*() {
      let performed = false
      const op = Operation.make("op", {
        validate: () => Effect.fail(new Operation.OperationError({ message: "bad", status: 422, meta: { field: "x" } })),
        perform: () => Effect.sync(() => void (performed = true))
      })
      const outcome = yield* op.run({})
      assert.deepStrictEqual([outcome.ok, outcome.error, outcome.status, outcome.meta["field"]], [false, "bad", 422, "x"])
      assert.isFalse(performed)
    }))

  it.effect("OP-04 any other failure is a 500 with its message, and it is logged; a defect is a 500 'internal error'", () =>
    Effect.gen(function*() {
      const failing = Operation.make("failing", { perform: () => Effect.fail(new Error("disk full")) })
      const dying = Operation.make("dying", { perform: () => Effect.die(new Error("secret detail")) })
      const [failed, died] = [yield* failing.run(1), yield* dying.run(1)]
      assert.deepStrictEqual([failed.ok, failed.error, failed.status], [false, "disk full", 500])
      assert.deepStrictEqual([died.ok, died.error, died.status], [false, "internal error", 500])
      const errors = (yield* TestLogger.TestLogger).at("Error")
      assert.deepStrictEqual(errors.map((e) => e.message), ["operation 'failing' failed", "operation 'dying' died"])
      assert.include(errors[1]!.cause, "secret detail")
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("OP-06 the success value of validate is ignored", () =>
    Effect.gen(function*() {
      const op = Operation.make("op", { validate: () => Effect.succeed("ignored"), perform: () => Effect.succeed("result") })
      assert.strictEqual((yield* op.run(0)).value, "result")
    }))

  it.effect("weakness 36: meta keys named status or value are just meta; a validation failure is a 400 with errors", () =>
    Effect.gen(function*() {
      const op = Operation.make("op", {
        perform: () => Effect.fail(new Operation.OperationError({ message: "m", meta: { status: 1, value: 2 }, value: "v" }))
      })
      const outcome = yield* op.run(0)
      assert.deepStrictEqual([outcome.status, outcome.value, outcome.meta], [400, "v", { status: 1, value: 2 }])
      const validated = Operation.make("validated", {
        perform: (input: unknown) => Field.validate(Field.struct({ n: Field.int({ required: true }) }), input)
      })
      const invalid = yield* validated.run({})
      assert.deepStrictEqual([invalid.status, invalid.meta["errors"]], [400, { n: "'n' is required" }])
    }))

  it.effect("an interruption is not turned into an Outcome", () =>
    Effect.gen(function*() {
      const op = Operation.make("op", { perform: () => Effect.interrupt })
      assert.isTrue(Exit.hasInterrupts(yield* Effect.exit(op.run(0))))
    }))
})
