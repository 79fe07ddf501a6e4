/**
 * Field coercion: acceptance checks SCH-09..SCH-15 of the behaviour spec (§9), with
 * JS type names in messages. The rest of §9 is in Field.test.ts.
 *
 * SCH-15 changed on purpose: a list or dict value is a fresh copy (the decoded side is
 * `Schema.Array` / `Schema.Record`), where the original passed the payload's own object
 * through; the decoded value never aliases the payload.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Field from "../src/Field.ts"
import { errorsOf, valueOf } from "./fieldHelpers.ts"

describe("Field coercion", () => {
  it.effect("SCH-09 bool: TRUE, ' yes ', On, 1 are true; false, NO, off, 0, '', blanks are false", () =>
    Effect.gen(function*() {
      const schema = Field.struct({ k: Field.bool({ required: true }) })
      for (const input of ["TRUE", " yes ", "On", "1"]) {
        assert.strictEqual((yield* valueOf(schema, { k: input })).k, true, input)
      }
      for (const input of ["false", "NO", "off", "0", "", "   "]) {
        assert.strictEqual((yield* valueOf(schema, { k: input })).k, false, input)
      }
    }))

  it.effect("SCH-10 bool: 'maybe' → true, 0 → false, 2.5 → true, [] → false, {} → false", () =>
    Effect.gen(function*() {
      const schema = Field.struct({ k: Field.bool({ required: true }) })
      const cases: ReadonlyArray<readonly [unknown, boolean]> = [
        ["maybe", true], ["2", true], [0, false], [2.5, true], [Number.NaN, true], [[], false], [[0], true], [{}, false],
        [{ a: 1 }, true]
      ]
      for (const [input, expected] of cases) {
        assert.strictEqual((yield* valueOf(schema, { k: input })).k, expected, String(input))
      }
    }))

  it.effect("SCH-11 int coerces \"42\", \" 42 \", \"+5\", \"1_000\", 3.7 and true", () =>
    Effect.gen(function*() {
      const schema = Field.struct({ k: Field.int({ required: true }) })
      const cases: ReadonlyArray<readonly [unknown, number]> = [
        ["42", 42], [" 42 ", 42], ["+5", 5], ["-7", -7], ["1_000", 1000], [3.7, 3], [-3.7, -3], [true, 1], [false, 0],
        [12, 12]
      ]
      for (const [input, expected] of cases) {
        assert.strictEqual((yield* valueOf(schema, { k: input })).k, expected, String(input))
      }
    }))

  it.effect("SCH-12 int rejects \"3.7\", \"\", \"abc\", \"0x10\", [1], {} with a conversion message", () =>
    Effect.gen(function*() {
      const schema = Field.struct({ k: Field.int({ required: true }) })
      const cases: ReadonlyArray<readonly [unknown, string]> = [
        ["3.7", "string '3.7'"], ["", "string ''"], ["abc", "string 'abc'"], ["0x10", "string '0x10'"],
        ["1__0", "string '1__0'"], [[1], "array '[1]'"], [{}, "object '{}'"]
      ]
      for (const [input, source] of cases) {
        assert.deepStrictEqual(yield* errorsOf(schema, { k: input }), { k: `'k' must be int: Cannot convert ${source} to int` })
      }
    }))

  it.effect("(quirk fixed) int from NaN, ±Infinity or beyond the safe-integer range is a coercion error, not a crash", () =>
    Effect.gen(function*() {
      const schema = Field.struct({ k: Field.int({ required: true }) })
      const cases: ReadonlyArray<readonly [unknown, string]> = [
        [Number.NaN, "number 'NaN'"], [Number.POSITIVE_INFINITY, "number 'Infinity'"],
        [Number.NEGATIVE_INFINITY, "number '-Infinity'"], [1e300, "number '1e+300'"],
        ["99999999999999999999", "string '99999999999999999999'"]
      ]
      for (const [input, source] of cases) {
        assert.deepStrictEqual(yield* errorsOf(schema, { k: input }), { k: `'k' must be int: Cannot convert ${source} to int` })
      }
    }))

  it.effect("SCH-13 float: \"1e3\" → 1000, \" 1.5 \" → 1.5, true → 1, 3 → 3, \"abc\" → error", () =>
    Effect.gen(function*() {
      const schema = Field.struct({ k: Field.float({ required: true }) })
      const cases: ReadonlyArray<readonly [unknown, number]> = [
        ["1e3", 1000], [" 1.5 ", 1.5], [".5", 0.5], ["1_000.25", 1000.25], ["-Infinity", Number.NEGATIVE_INFINITY],
        ["inf", Number.POSITIVE_INFINITY], [true, 1], [3, 3]
      ]
      for (const [input, expected] of cases) {
        assert.strictEqual((yield* valueOf(schema, { k: input })).k, expected, String(input))
      }
      assert.isTrue(Number.isNaN((yield* valueOf(schema, { k: "NaN" })).k))
      assert.deepStrictEqual(yield* errorsOf(schema, { k: "abc" }), {
        k: "'k' must be float: Cannot convert string 'abc' to float"
      })
      assert.deepStrictEqual(yield* errorsOf(schema, { k: [] }), {
        k: "'k' must be float: Cannot convert array '[]' to float"
      })
    }))

  it.effect("SCH-14 string: 5 → \"5\", \"  x \" untouched, booleans and containers stringified", () =>
    Effect.gen(function*() {
      const schema = Field.struct({ k: Field.string({ required: true }) })
      const cases: ReadonlyArray<readonly [unknown, string]> = [
        [5, "5"], [1.5, "1.5"], ["  x ", "  x "], ["", ""], [true, "true"], [false, "false"], [[1, "a"], "[1,\"a\"]"],
        [{ a: 1 }, "{\"a\":1}"]
      ]
      for (const [input, expected] of cases) {
        assert.strictEqual((yield* valueOf(schema, { k: input })).k, expected, String(input))
      }
    }))

  it.effect("SCH-15 list given a string and dict given an array fail with Expected <type>; values are fresh copies", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* errorsOf(Field.struct({ k: Field.list() }), { k: "x" }), {
        k: "'k' must be array: Expected array, got string"
      })
      assert.deepStrictEqual(yield* errorsOf(Field.struct({ k: Field.dict() }), { k: [] }), {
        k: "'k' must be object: Expected object, got array"
      })
      const value = { a: [1] }
      const out = yield* valueOf(Field.struct({ k: Field.dict(), l: Field.list() }), { k: value, l: value.a })
      assert.deepStrictEqual(out, { k: value, l: value.a })
      assert.notStrictEqual(out.k, value)
      assert.notStrictEqual(out.l, value.a)
    }))
})
