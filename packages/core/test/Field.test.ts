/**
 * Field: acceptance checks SCH-01..SCH-30 of the behaviour spec (§9), ported to JS type
 * names (`string`, `number`, `array`, `object`, `null`), and the Schema a Field struct is
 * (its JSON Schema document, its canonical JSON codec, `maxLength`). The coercion checks
 * SCH-09..SCH-15 are in FieldCoercion.test.ts.
 *
 * Not here:
 * - SCH-23, SCH-24, SCH-25 are about `require()`, which raises an `HTTPError`; they
 *   belong to the HTTP layer (server package), which maps `ValidationError` to a 400.
 *   The same goes for the "status 400" parts of SCH-01 and SCH-22: this module only
 *   produces the `ValidationError`.
 * - SCH-04 is a parity check of a quirk that is fixed: explicit `null` on a required
 *   field is reported as missing; the test pins the fix.
 * - SCH-28 is a type error in TypeScript; the test checks the runtime guard for
 *   untyped callers.
 *
 * A Field struct is a `Schema.Struct`, so decoding it with Effect's own decoders follows
 * Effect's options (the first error only, unless `errors: "all"`; undeclared keys kept
 * out silently unless `onExcessProperty: "error"`); `Field.validate` sets both. A struct
 * with no field is rejected at construction (Effect's empty struct accepts arrays).
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import * as Field from "../src/Field.ts"
import { errorOf, errorsOf, valueOf } from "./fieldHelpers.ts"

const NewItem = Field.struct({
  name: Field.string({ required: true, nonEmpty: true }),
  quantity: Field.int({ default: 1 }),
  active: Field.bool({ default: true }),
  tags: Field.list(Field.string(), { defaultWith: () => [] })
})

describe("Field", () => {
  it.effect("validates the NewItem payload into the clean object", () =>
    Effect.gen(function*() {
      const item: {
        readonly name: string
        readonly quantity: number
        readonly active: boolean
        readonly tags: ReadonlyArray<string>
      } = yield* valueOf(NewItem, JSON.parse(`{"name":"lamp","quantity":"3","active":"yes","tags":["a"]}`))
      assert.deepStrictEqual(item, { name: "lamp", quantity: 3, active: true, tags: ["a"] })
    }))

  it.effect("reports every failing field of {\"quantity\":\"x\"} at once", () =>
    Effect.gen(function*() {
      const error = yield* errorOf(NewItem, { quantity: "x" })
      assert.strictEqual(error._tag, "ValidationError")
      assert.deepStrictEqual(error.errors, {
        name: "'name' is required",
        quantity: "'quantity' must be int: Cannot convert string 'x' to int"
      })
    }))

  it.effect("SCH-01 a missing required field is '<label>' is required, keyed by key", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* errorsOf(Field.struct({ k: Field.string({ required: true }) }), {}), {
        k: "'k' is required"
      })
      const labelled = Field.struct({ k: Field.string({ required: true, label: "Key" }) })
      assert.deepStrictEqual(yield* errorsOf(labelled, {}), { k: "'Key' is required" })
    }))

  it.effect("SCH-02 a missing optional field without default is null", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* valueOf(Field.struct({ k: Field.int() }), {}), { k: null })
    }))

  it.effect("SCH-03 explicit null for an optional field yields the default", () =>
    Effect.gen(function*() {
      const schema = Field.struct({ k: Field.string({ default: "d" }), n: Field.int() })
      assert.deepStrictEqual(yield* valueOf(schema, { k: null, n: null }), { k: "d", n: null })
    }))

  it.effect("SCH-04 (quirk fixed) explicit null on a required field is 'is required', not coerced to \"None\"", () =>
    Effect.gen(function*() {
      const schema = Field.struct({ s: Field.string({ required: true }), i: Field.int({ required: true }) })
      assert.deepStrictEqual(yield* errorsOf(schema, { s: null, i: null }), {
        s: "'s' is required",
        i: "'i' is required"
      })
    }))

  it.effect("SCH-05 defaultWith is called on each validation and gives a fresh value", () =>
    Effect.gen(function*() {
      let calls = 0
      const schema = Field.struct({ tags: Field.list({ defaultWith: () => (calls++, []) }) })
      const a = yield* valueOf(schema, {})
      const b = yield* valueOf(schema, {})
      assert.strictEqual(calls, 2)
      assert.deepStrictEqual(a.tags, [])
      assert.notStrictEqual(a.tags, b.tags)
    }))

  it.effect("SCH-06 defaults bypass coercion, choices and validator", () =>
    Effect.gen(function*() {
      const schema = Field.struct({ k: Field.int({ default: "x", choices: [1], validator: () => false }) })
      assert.deepStrictEqual(yield* valueOf(schema, {}), { k: "x" })
    }))

  it.effect("SCH-07 non-strict mode drops undeclared keys", () =>
    Effect.gen(function*() {
      const out = yield* valueOf(Field.struct({ a: Field.int() }), { a: 1, b: 2 })
      assert.deepStrictEqual(out, { a: 1 })
    }))

  it.effect("SCH-08 strict mode reports each undeclared key and still validates declared fields", () =>
    Effect.gen(function*() {
      const schema = Field.struct({ a: Field.int({ required: true }) }, { strict: true })
      const error = yield* errorOf(schema, { x: 1, y: 2 })
      assert.deepStrictEqual(error.errors, {
        x: "Unknown field 'x'",
        y: "Unknown field 'y'",
        a: "'a' is required"
      })
      assert.strictEqual(
        error.message,
        "Validation failed: x: Unknown field 'x'; y: Unknown field 'y'; a: 'a' is required"
      )
    }))

  it.effect("SCH-16 a value outside choices fails with must be one of [...]", () =>
    Effect.gen(function*() {
      const schema = Field.struct({ k: Field.string({ choices: ["a", "b"] }) })
      assert.deepStrictEqual(yield* errorsOf(schema, { k: "c" }), { k: "'k' must be one of ['a', 'b'], got 'c'" })
      const literal = Field.struct({ k: Field.literals(["a", 1]) })
      assert.deepStrictEqual(yield* errorsOf(literal, { k: "1" }), { k: "'k' must be one of ['a', 1], got '1'" })
      assert.deepStrictEqual(yield* valueOf(literal, { k: 1 }), { k: 1 })
    }))

  it.effect("SCH-17 choices are checked after coercion: float choices [1, 2] accept \"1\"", () =>
    Effect.gen(function*() {
      const schema = Field.struct({ k: Field.float({ choices: [1, 2] }) })
      assert.deepStrictEqual(yield* valueOf(schema, { k: "1" }), { k: 1 })
    }))

  it.effect("SCH-18 a validator returning false fails, null or 0 passes, a throw is a validation error", () =>
    Effect.gen(function*() {
      const withValidator = (validator: (n: number) => unknown) => Field.struct({ k: Field.int({ validator }) })
      assert.deepStrictEqual(yield* errorsOf(withValidator(() => false), { k: 1 }), { k: "'k' failed validation" })
      assert.deepStrictEqual(yield* valueOf(withValidator(() => null), { k: 1 }), { k: 1 })
      assert.deepStrictEqual(yield* valueOf(withValidator(() => 0), { k: 1 }), { k: 1 })
      const throwing = withValidator(() => {
        throw new Error("bad")
      })
      assert.deepStrictEqual(yield* errorsOf(throwing, { k: 1 }), { k: "'k' validation error: bad" })
      const seen: Array<number> = []
      yield* valueOf(withValidator((n) => seen.push(n)), { k: "7" })
      assert.deepStrictEqual(seen, [7])
    }))

  it.effect("SCH-19 the validator is not called when coercion or choices fail", () =>
    Effect.gen(function*() {
      let calls = 0
      const schema = Field.struct({ k: Field.int({ choices: [1, 2], validator: () => calls++ }) })
      yield* errorsOf(schema, { k: "x" })
      yield* errorsOf(schema, { k: 3 })
      assert.strictEqual(calls, 0)
      yield* valueOf(schema, { k: 2 })
      assert.strictEqual(calls, 1)
    }))

  it.effect("SCH-20 a custom coercer that throws gives '<label>' must be <name>: <message>", () =>
    Effect.gen(function*() {
      const email = Field.custom("Email", (u) => {
        if (typeof u !== "string" || !u.includes("@")) throw new TypeError("not an address")
        return u.toLowerCase()
      })
      const schema = Field.struct({ k: email })
      assert.deepStrictEqual(yield* errorsOf(schema, { k: "nope" }), { k: "'k' must be Email: not an address" })
      assert.deepStrictEqual(yield* valueOf(schema, { k: "A@B.C" }), { k: "a@b.c" })
      const anonymous = Field.struct({
        k: Field.custom("", () => {
          throw "plain"
        })
      })
      assert.deepStrictEqual(yield* errorsOf(anonymous, { k: 1 }), { k: "'k' coercion failed: plain" })
    }))

  it.effect("SCH-21 the message lists key: msg in field order, prefixed with the schema name", () =>
    Effect.gen(function*() {
      const schema = Field.struct({
        b: Field.int({ required: true }),
        a: Field.int(),
        c: Field.string({ required: true, label: "Cee" })
      }, { name: "s" })
      const error = yield* errorOf(schema, { a: "x" })
      assert.strictEqual(
        error.message,
        "[s] Validation failed: b: 'b' is required; a: 'a' must be int: Cannot convert string 'x' to int; c: 'Cee' is required"
      )
    }))

  it.effect("SCH-22 a non-object payload fails with Expected an object payload and no field errors", () =>
    Effect.gen(function*() {
      const schema = Field.struct({ k: Field.int({ required: true }) }, { name: "s" })
      const cases: ReadonlyArray<readonly [unknown, string]> = [
        [[], "array"], ["x", "string"], [null, "null"], [1, "number"], [undefined, "undefined"]
      ]
      for (const [input, type] of cases) {
        const error = yield* errorOf(schema, input)
        assert.strictEqual(error.message, `[s] Expected an object payload, got ${type}`)
        assert.deepStrictEqual(error.errors, {})
      }
      const anonymous = yield* errorOf(Field.struct({ k: Field.int() }), [1])
      assert.strictEqual(anonymous.message, "Expected an object payload, got array")
      const wrapped = yield* Effect.flip(Schema.decodeUnknownEffect(Schema.fromJsonString(schema))("[1]"))
      assert.strictEqual(Field.toValidationError(wrapped).message, "[s] Expected an object payload")
    }))

  it.effect("SCH-26 extend leaves the parent alone, unions fields, and an override keeps its position", () =>
    Effect.gen(function*() {
      const parent = Field.struct({ a: Field.string(), b: Field.string() })
      const child = Field.extend(parent, { a: Field.int(), c: Field.bool() })
      assert.deepStrictEqual(Field.fieldNames(parent), ["a", "b"])
      assert.deepStrictEqual(Field.fieldNames(child), ["a", "b", "c"])
      assert.deepStrictEqual(yield* valueOf(parent, { a: "1", c: "yes" }), { a: "1", b: null })
      const out = yield* valueOf(child, { a: "1", c: "yes" })
      assert.deepStrictEqual(out, { a: 1, b: null, c: true })
      assert.deepStrictEqual(Object.keys(out), ["a", "b", "c"])
    }))

  it.effect("SCH-27 extend inherits strict unless strict is passed", () =>
    Effect.gen(function*() {
      const parent = Field.struct({ a: Field.int() }, { strict: true })
      const inherited = Field.extend(parent, { b: Field.int() })
      const loosened = Field.extend(parent, { b: Field.int() }, { strict: false })
      assert.isTrue(inherited.strict)
      assert.deepStrictEqual(yield* errorsOf(inherited, { z: 1 }), { z: "Unknown field 'z'" })
      assert.deepStrictEqual(yield* valueOf(loosened, { z: 1 }), { a: null, b: null })
      const tightened = Field.extend(Field.struct({ a: Field.int() }), {}, { strict: true })
      assert.deepStrictEqual(yield* errorsOf(tightened, { z: 1 }), { z: "Unknown field 'z'" })
    }))

  it("SCH-28 a value that is not a Field is a TypeError naming the field", () => {
    assert.throws(
      () => Field.struct({ ok: Field.int(), bad: "int" } as unknown as Field.Fields, { name: "s" }),
      /\[specter:field\] struct 's': field 'bad' must be a Field, got string/
    )
    assert.throws(
      () => Field.extend(Field.struct({ a: Field.int() }), { nope: null } as unknown as Field.Fields),
      /field 'nope' must be a Field, got null/
    )
  })

  it("a struct with no field is a TypeError", () => {
    assert.throws(() => Field.struct({}, { name: "s" }), /\[specter:field\] struct 's': a struct needs at least one field/)
  })

  it("SCH-29 fieldNames and requiredFields report declared and required keys", () => {
    const schema = Field.struct({ a: Field.int({ required: true }), b: Field.string(), c: Field.bool({ required: true }) })
    assert.deepStrictEqual(Field.fieldNames(schema), ["a", "b", "c"])
    assert.deepStrictEqual(Field.requiredFields(schema), ["a", "c"])
  })

  it.effect("SCH-30 an empty choices list disables the choices check", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* valueOf(Field.struct({ k: Field.string({ choices: [] }) }), { k: "z" }), { k: "z" })
    }))

  it.effect("nonEmpty rejects \"\" but keeps whitespace", () =>
    Effect.gen(function*() {
      const schema = Field.struct({ k: Field.string({ nonEmpty: true }) })
      assert.deepStrictEqual(yield* errorsOf(schema, { k: "" }), { k: "'k' must not be empty" })
      assert.deepStrictEqual(yield* valueOf(schema, { k: " " }), { k: " " })
    }))

  it.effect("list items go through the item field, with errors keyed <key>.<index>", () =>
    Effect.gen(function*() {
      const schema = Field.struct({
        ns: Field.list(Field.int({ validator: (n) => n >= 0 })),
        ds: Field.list(Field.int({ default: 0 }))
      })
      assert.deepStrictEqual(yield* valueOf(schema, { ns: ["1", 2.5], ds: [null, "3"] }), { ns: [1, 2], ds: [0, 3] })
      assert.deepStrictEqual(yield* errorsOf(schema, { ns: ["x", -1, null] }), {
        "ns.0": "'ns[0]' must be int: Cannot convert string 'x' to int",
        "ns.1": "'ns[1]' failed validation",
        "ns.2": "'ns[2]' is required"
      })
    }))

  it.effect("__proto__, constructor and prototype keys never pollute prototypes", () =>
    Effect.gen(function*() {
      const payload = JSON.parse(
        `{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"prototype":{"polluted":true},"a":"1"}`
      )
      const loose = yield* valueOf(Field.struct({ a: Field.int() }), payload)
      assert.deepStrictEqual(Object.keys(loose), ["a"])
      assert.strictEqual(Object.getPrototypeOf(loose), Object.prototype)

      const strict = yield* errorOf(Field.struct({ a: Field.int() }, { strict: true }), payload)
      assert.deepStrictEqual(Object.keys(strict.errors), ["__proto__", "constructor", "prototype"])
      assert.strictEqual(strict.errors["__proto__"], "Unknown field '__proto__'")
      assert.strictEqual(Object.getPrototypeOf(strict.errors), Object.prototype)

      const declared = Field.struct({ ["__proto__"]: Field.dict(), constructor: Field.string(), toString: Field.string() })
      const out = yield* valueOf(declared, payload)
      assert.strictEqual(Object.getPrototypeOf(out), Object.prototype)
      assert.isTrue(Object.hasOwn(out, "__proto__"))
      assert.deepStrictEqual(out["__proto__"], { polluted: true })
      assert.strictEqual(out.constructor, "{\"prototype\":{\"polluted\":true}}")
      // inherited properties of the input are not fields: `{}` has no own `toString`
      assert.deepStrictEqual(yield* valueOf(declared, {}), { ["__proto__"]: null, constructor: null, toString: null })
      assert.isUndefined(({} as Record<string, unknown>)["polluted"])
    }))

  it.effect("a Field struct is a Schema.Struct: it composes, keeps its fields when annotated, and its fields keep their labels", () =>
    Effect.gen(function*() {
      const decoded = yield* Schema.decodeUnknownEffect(Schema.fromJsonString(NewItem))(`{"name":"x"}`)
      assert.deepStrictEqual(decoded, { name: "x", quantity: 1, active: true, tags: [] })
      const annotated = NewItem.annotate({ description: "an item" })
      assert.deepStrictEqual(Field.fieldNames(annotated), ["name", "quantity", "active", "tags"])
      const decode = Schema.decodeUnknownEffect(NewItem)
      const first = yield* Effect.flip(decode({ quantity: "x" }))
      assert.deepStrictEqual(Field.toValidationError(first).errors, { name: "'name' is required" })
      const all = yield* Effect.flip(decode({ quantity: "x" }, { errors: "all" }))
      assert.deepStrictEqual(Field.toValidationError(all).errors, yield* errorsOf(NewItem, { quantity: "x" }))
      const Order = Schema.Struct({ item: NewItem, lines: Schema.Array(Field.struct({ n: Field.int({ label: "Count" }) })) })
      assert.deepStrictEqual(yield* errorsOf(Order, { item: { name: "x", quantity: "q" }, lines: [{ n: "z" }] }), {
        "item.quantity": "'quantity' must be int: Cannot convert string 'q' to int",
        "lines.0.n": "'Count' must be int: Cannot convert string 'z' to int"
      })
      const Wider = Schema.Struct({ ...NewItem.fields, id: Schema.String })
      assert.deepStrictEqual(yield* errorsOf(Wider, { name: null }), { name: "'name' is required", id: "Missing key" })
    }))

  it("each field is a Schema whose decoded side is its value's Schema", () => {
    const isInt = Schema.is(Schema.toType(Field.int({ required: true })))
    assert.deepStrictEqual([isInt(3), isInt(3.5), isInt("3"), isInt(null)], [true, false, false, false])
    const isOptionalInt = Schema.is(Schema.toType(Field.int()))
    assert.deepStrictEqual([isOptionalInt(3), isOptionalInt(null)], [true, true])
    const isChoice = Schema.is(Schema.toType(Field.string({ choices: ["a", "b"], required: true })))
    assert.deepStrictEqual([isChoice("a"), isChoice("c")], [true, false])
    const isTags = Schema.is(Schema.toType(Field.list(Field.string(), { required: true, maxItems: 2 })))
    assert.deepStrictEqual([isTags(["a"]), isTags([1]), isTags(["a", "b", "c"])], [true, false, false])
    assert.strictEqual(Schema.decodeUnknownSync(Field.int())(" 42 "), 42)
    assert.strictEqual(Schema.decodeUnknownSync(Field.int({ default: 7 }))(null), 7)
  })

  it("the JSON Schema document lists the properties with their types, the required keys and the defaults", () => {
    const doc = Schema.toJsonSchemaDocument(Field.struct({ name: Field.string({ required: true }), quantity: Field.int() }))
    const integer = { type: "integer", minimum: Number.MIN_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER }
    assert.deepStrictEqual(doc.schema, {
      type: "object",
      properties: { name: { type: "string" }, quantity: integer },
      required: ["name"],
      additionalProperties: true
    })
    const named = Schema.toJsonSchemaDocument(Field.extend(NewItem, { kind: Field.literals(["a", "b"]) }, { name: "item" }))
    assert.deepStrictEqual(named.schema, { $ref: "#/$defs/item" })
    assert.deepStrictEqual(named.definitions["item"], {
      type: "object",
      properties: {
        name: { type: "string", minLength: 1 },
        quantity: { ...integer, default: 1 },
        active: { type: "boolean", default: true },
        tags: { type: "array", items: { type: "string" }, default: [] },
        kind: { type: "string", enum: ["a", "b"] }
      },
      required: ["name"],
      additionalProperties: true
    })
  })

  it.effect("the document describes the canonical form: what encoding gives and toCodecJson takes; validate also takes what it coerces", () =>
    Effect.gen(function*() {
      const json = Schema.toCodecJson(NewItem)
      const strict = yield* Effect.flip(Schema.decodeUnknownEffect(json)({ name: "lamp", quantity: "3" }))
      assert.deepStrictEqual(Field.toValidationError(strict).errors, { quantity: "Expected number" })
      assert.deepStrictEqual(yield* Schema.decodeUnknownEffect(json)({ name: "lamp", quantity: 3 }), {
        name: "lamp", quantity: 3, active: true, tags: []
      })
      assert.deepStrictEqual((yield* valueOf(NewItem, { name: "lamp", quantity: "3" })).quantity, 3)
      const Note = Field.struct({ text: Field.string({ required: true }), n: Field.int(), x: Field.float() })
      assert.deepStrictEqual(yield* Schema.encodeEffect(Note)({ text: "t", n: null, x: 1.5 }), { text: "t", x: 1.5 })
      assert.deepStrictEqual(yield* Schema.encodeEffect(Schema.toCodecJson(Note))({ text: "t", n: 2, x: Number.NaN }), {
        text: "t", n: 2, x: "NaN"
      })
    }))

  it.effect("maxLength: a longer string is '<label>' must be at most N characters", () =>
    Effect.gen(function*() {
      const schema = Field.struct({ s: Field.string({ maxLength: 3, label: "Short" }), n: Field.string({ maxLength: 3 }) })
      assert.deepStrictEqual(yield* valueOf(schema, { s: "abc", n: 12 }), { s: "abc", n: "12" })
      assert.deepStrictEqual(yield* errorsOf(schema, { s: "abcd", n: 1234 }), {
        s: "'Short' must be at most 3 characters",
        n: "'n' must be at most 3 characters"
      })
      const doc = Schema.toJsonSchemaDocument(schema).schema as { readonly properties: Record<string, unknown> }
      assert.deepStrictEqual(doc.properties["s"], { type: "string", maxLength: 3 })
      assert.throws(() => Field.string({ maxLength: -1 }), /maxLength must be a non-negative integer/)
    }))

  it.effect("maxItems: a longer list is '<label>' must be at most N items, before any item is looked at", () =>
    Effect.gen(function*() {
      let calls = 0
      const schema = Field.struct({ ns: Field.list(Field.int({ validator: () => calls++ }), { maxItems: 2 }) })
      assert.deepStrictEqual(yield* errorsOf(schema, { ns: ["1", "2", "x"] }), { ns: "'ns' must be at most 2 items" })
      assert.strictEqual(calls, 0)
      assert.deepStrictEqual(yield* valueOf(schema, { ns: ["1", "2"] }), { ns: [1, 2] })
      const doc = Schema.toJsonSchemaDocument(schema).schema as { readonly properties: Record<string, unknown> }
      assert.deepStrictEqual(doc.properties["ns"], {
        type: "array",
        items: { type: "integer", minimum: Number.MIN_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER },
        maxItems: 2
      })
      assert.throws(() => Field.list({ maxItems: 1.5 }), /maxItems must be a non-negative integer/)
    }))

  it.effect("validate's success path (no Schema parser) gives what the Schema gives, and fails exactly when it fails", () =>
    Effect.gen(function*() {
      const schema = Field.struct({
        name: Field.string({ required: true, nonEmpty: true, maxLength: 5 }),
        n: Field.int({ default: 1 }),
        x: Field.float(),
        on: Field.bool({ default: true }),
        kind: Field.literals(["a", "b"]),
        size: Field.int({ choices: [1, 2], validator: (v) => v !== 2 }),
        tags: Field.list(Field.string({ maxLength: 3 }), { maxItems: 2, defaultWith: () => [] }),
        raw: Field.list()
      })
      const inputs: ReadonlyArray<unknown> = [
        { name: "lamp" },
        { name: "lamp", n: "3", x: "1.5e2", on: "no", kind: "b", size: "1", tags: [1, "ab"], raw: [1, { a: 1 }], extra: 1 },
        { name: "lamp", n: null, x: null, tags: null, raw: null },
        { name: "lamp", constructor: "c", toString: 1 },
        Object.assign(Object.create(null), { name: "lamp", n: 2 }),
        { name: "" }, { name: "toolong" }, { n: 1 }, { name: null }, { name: "lamp", n: "x" }, { name: "lamp", kind: "c" },
        { name: "lamp", size: 2 }, { name: "lamp", size: 3 }, { name: "lamp", tags: ["a", "b", "c"] }, { name: "lamp", tags: ["long"] },
        { name: "lamp", tags: [null] }, { name: "lamp", raw: "x" }, [], "text", null, 3
      ]
      for (const input of inputs) {
        const viaSchema = yield* Effect.result(Schema.decodeUnknownEffect(schema)(input, { errors: "all" }))
        const viaValidate = yield* Effect.result(Field.validate(schema, input))
        assert.strictEqual(viaValidate._tag, viaSchema._tag, JSON.stringify(input))
        if (viaSchema._tag === "Success" && viaValidate._tag === "Success") {
          assert.deepStrictEqual(viaValidate.success, viaSchema.success, JSON.stringify(input))
        }
      }
      const raw = [1, 2]
      const decoded = yield* Field.validate(schema, { name: "lamp", raw })
      assert.notStrictEqual(decoded.raw, raw)
    }))

  it.effect("validate maps any Effect Schema: dotted paths, first message per key, _ for the root", () =>
    Effect.gen(function*() {
      const nested = Schema.Struct({ a: Schema.Struct({ b: Schema.Number }), c: Schema.String })
      const error = yield* errorOf(nested, { a: { b: "x" } })
      assert.deepStrictEqual(error.errors, { "a.b": "Expected number", c: "Missing key" })
      assert.strictEqual(error.message, "Validation failed: a.b: Expected number; c: Missing key")
      assert.deepStrictEqual(yield* errorsOf(Schema.Number, "x"), { _: "Expected number" })
      assert.deepStrictEqual(yield* errorsOf(Schema.Struct({ s: Schema.NonEmptyString }), { s: "" }), {
        s: "Expected a value with a length of at least 1"
      })
      const named = Schema.Struct({ n: Schema.Number }).annotate({ identifier: "Named" })
      assert.strictEqual((yield* errorOf(named, {})).message, "[Named] Validation failed: n: Missing key")
      const closed = Schema.Struct({ a: Schema.optionalKey(Schema.Number) })
      const excess = yield* Effect.flip(Field.validate(closed, { z: 1 }, { onExcessProperty: "error" }))
      assert.deepStrictEqual(excess.errors, { z: "Unknown field 'z'" })
    }))
})
