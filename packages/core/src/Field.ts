/**
 * Declarative extraction, coercion and validation of untrusted payloads (HTTP bodies,
 * socket data). Every field constructor returns an Effect Schema, and `Field.struct` is a
 * `Schema.Struct` of them, so they compose with `HttpServerRequest.schemaBodyJson`,
 * `Schema.fromJsonString`, `Schema.toJsonSchemaDocument` and the rest.
 *
 * ```ts
 * const NewItem = Field.struct({
 *   name: Field.string({ required: true, nonEmpty: true, maxLength: 80 }),
 *   quantity: Field.int({ default: 1 }),
 *   tags: Field.list(Field.string(), { defaultWith: () => [] }),
 * })
 * type NewItem = typeof NewItem.Type
 * const item = yield* Field.validate(NewItem, body) // Effect<NewItem, ValidationError>
 * ```
 *
 * **Two readings of one Schema.** A field's decoded side is its value's Schema
 * (`Schema.Int`, `Schema.String`, `Schema.Literals(choices)`, `Schema.Array(item)`, ...,
 * in a union with `null` or the default's type when optional). Decoding is lenient: it
 * accepts every input the coercion rules of each constructor turn into such a value
 * (`"3"` for an int, `"yes"` for a bool). The JSON Schema (`Schema.toJsonSchemaDocument`)
 * and `Schema.toCodecJson` describe the canonical form instead: the value's type, with
 * `required`, `default`, `enum`, `minLength`/`maxLength`/`maxItems`; encoding produces
 * that form. So a client that follows the document is always accepted, and a lenient
 * one (an HTML form, a query string) is too.
 *
 * Messages use JavaScript type names (`string`, `number`, `boolean`, `array`, `object`,
 * `null`), e.g. `'quantity' must be int: Cannot convert string 'x' to int`. Values quoted
 * in messages are cut to 100 characters.
 *
 * Original: `Field` and `Schema` (§9): `Field.struct` is `Schema(name, fields, strict)`.
 *
 * @since 0.1.0
 */
import { Schema, type SchemaAST } from "effect"
import * as internal from "./internal/field.ts"
import * as fieldSchema from "./internal/fieldSchema.ts"
import type * as types from "./internal/fieldTypes.ts"
import { typeName } from "./internal/fieldMessages.ts"

export { toValidationError, validate, ValidationError } from "./Validation.ts"

const TypeId = "~@specter-runtime/core/Field" as const

/**
 * One declared field: an Effect Schema from any input to `T`, whose canonical (JSON)
 * form is `E`. `Key` says whether a struct may leave the key out (`"optional"`) or
 * reports it missing (`"required"`). `Item` is the field's value as a `list` item;
 * like `Type`, it exists only for the type checker.
 *
 * @since 0.1.0
 * @category models
 */
export interface Field<out T, out E = T, out I = T, out Key extends Schema.Optionality = Schema.Optionality>
  extends
    Schema.Bottom<
      T,
      E,
      never,
      never,
      SchemaAST.AST,
      Field<T, E, I, Key>,
      T,
      T,
      readonly [],
      T,
      "readonly",
      "required",
      "no-default",
      "readonly",
      Key
    >
{
  readonly [TypeId]: typeof TypeId
  readonly Item: I
  /** The coercion target: `string`, `int`, `float`, `boolean`, `array`, `object`, `literal` or a custom name. */
  readonly kind: string
  readonly required: boolean
  readonly label: string | undefined
  /** @internal */
  readonly spec: internal.Spec
}

/**
 * Any field.
 *
 * @since 0.1.0
 * @category models
 */
export type Any = Field<any, any, any, Schema.Optionality>

/**
 * Options shared by every field.
 *
 * - `required` (default `false`): an absent key, `null` or `undefined` fails with
 *   `'<label>' is required`.
 * - `default`: the value of an optional field that is absent or `null` (the same value
 *   every time, not copied). `defaultWith`: a factory called on every validation, for
 *   fresh mutable defaults; it wins over `default`. Without either the value is `null`.
 *   Defaults are never coerced, checked against choices or validated. The JSON Schema
 *   shows the default (a factory is called once, when a document is built).
 * - `choices`: after coercion the value must `===` one of them, else
 *   `'<label>' must be one of [<choices>], got '<value>'`. An empty list means no check.
 *   The decoded side becomes `Schema.Literals(choices)` (an `enum` in JSON Schema).
 * - `validator`: runs last, on the coerced value. Returning exactly `false` fails with
 *   `'<label>' failed validation`; throwing fails with `'<label>' validation error: <message>`;
 *   any other result passes. It is not part of the JSON Schema.
 * - `label`: the name used inside messages (default: the key). Error maps stay keyed by key.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options<T> {
  readonly required?: boolean | undefined
  readonly default?: unknown
  readonly defaultWith?: (() => unknown) | undefined
  readonly choices?: ReadonlyArray<T> | undefined
  readonly validator?: ((value: T) => unknown) | undefined
  readonly label?: string | undefined
}

/**
 * Options of `Field.string`: the shared ones, plus `nonEmpty`, which rejects `""` (after
 * coercion, not trimmed) with `'<label>' must not be empty`, and `maxLength` (UTF-16
 * code units), which rejects longer strings with `'<label>' must be at most N characters`.
 * Both are in the JSON Schema (`minLength: 1`, `maxLength`).
 *
 * @since 0.1.0
 * @category models
 */
export interface StringOptions extends Options<string> {
  readonly nonEmpty?: boolean | undefined
  readonly maxLength?: number | undefined
}

/**
 * Options of `Field.list`: the shared ones, plus `maxItems`, which rejects a longer
 * array with `'<label>' must be at most N items` before any item is looked at (so a
 * huge list costs one length check); `maxItems` in the JSON Schema too.
 *
 * @since 0.1.0
 * @category models
 */
export interface ListOptions<T> extends Options<T> {
  readonly maxItems?: number | undefined
}

/**
 * The field built from a value type `V` (canonical form `E`) and the options `O` it was given.
 *
 * @since 0.1.0
 * @category models
 */
export type FieldOf<V, O, E = V> = Field<types.Out<V, O>, types.Chosen<E, O>, types.ItemOut<V, O>, types.KeyOf<O>>

const make = (spec: internal.Spec): Field<any, any, any, any> =>
  Schema.make<Field<any, any, any, any>>(fieldSchema.makeField(spec).ast, {
    [TypeId]: TypeId,
    kind: spec.kind,
    required: spec.required,
    label: spec.label,
    spec
  })

const simple = (kind: string, target: string, convert: internal.Convert, options: internal.SpecOptions | undefined) =>
  make(internal.makeSpec(kind, { target, convert }, options))

/**
 * Returns `true` for a value built by one of the `Field` constructors.
 *
 * @since 0.1.0
 * @category guards
 */
export const isField = (u: unknown): u is Any => Schema.isSchema(u) && TypeId in u

/**
 * A string field; decoded side `Schema.String`. Strings pass unchanged (not trimmed;
 * `""` is a value, not a missing one). Numbers become their decimal text (`String(n)`),
 * booleans `"true"`/`"false"`, arrays and objects their JSON text. Never fails to coerce.
 *
 * @example
 * Field.string({ required: true, nonEmpty: true, maxLength: 80 })
 *
 * @since 0.1.0
 * @category constructors
 */
export const string = <const O extends StringOptions = {}>(options?: O & StringOptions): FieldOf<string, O> =>
  simple("string", "string", internal.toStr, options)

/**
 * An integer field; decoded side `Schema.Int` (a safe integer). Numbers are truncated
 * toward zero (3.7 → 3); booleans give 1 or 0; strings must be an optionally signed run
 * of digits with optional `_` separators and surrounding whitespace (`" +1_000 "` →
 * 1000; `"3.7"`, `"0x10"`, `""` are rejected). NaN, ±Infinity, results outside the
 * safe-integer range and any other type fail with
 * `'<label>' must be int: Cannot convert <type> '<value>' to int`.
 *
 * @example
 * Field.int({ default: 1, validator: (n) => n > 0 })
 *
 * @since 0.1.0
 * @category constructors
 */
export const int = <const O extends Options<number> = {}>(options?: O & Options<number>): FieldOf<number, O> =>
  simple("int", "int", internal.toInt, options)

/**
 * A number field; decoded side `Schema.Number`, so NaN and ±Infinity are values (JSON
 * carries them as the strings `"NaN"`, `"Infinity"`, `"-Infinity"`). Numbers pass
 * unchanged; booleans give 1 or 0; strings are parsed with surrounding whitespace, `_`
 * separators and exponents allowed, plus `nan`, `inf` and `infinity` in any case.
 * Anything else fails with `'<label>' must be float: Cannot convert <type> '<value>' to float`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const float = <const O extends Options<number> = {}>(options?: O & Options<number>): FieldOf<number, O> =>
  simple("float", "float", internal.toFloat, options)

/**
 * A boolean field; decoded side `Schema.Boolean`; never fails to coerce. Strings are
 * trimmed and lower-cased: `1`, `true`, `yes`, `on` give `true`; `0`, `false`, `no`, `off`
 * and `""` give `false`; any other non-empty string (`"maybe"`, `"2"`) gives `true`.
 * Numbers: `false` only for 0 (NaN gives `true`). Arrays and objects: `false` when empty.
 *
 * @since 0.1.0
 * @category constructors
 */
export const bool = <const O extends Options<boolean> = {}>(options?: O & Options<boolean>): FieldOf<boolean, O> =>
  simple("boolean", "boolean", internal.toBool, options)

/**
 * An array field; decoded side `Schema.Array(item)` (a fresh array: the value never
 * aliases the payload). A non-array fails with
 * `'<label>' must be array: Expected array, got <type>`. With `item`, every element goes
 * through that field's coercion, checks and validator (labelled `<label>[<i>]`, keyed
 * `<key>.<i>`); a `null` element gives the item's default, or `'<label>[<i>]' is required`
 * when it has none. The item's own `required` and `label` are not used.
 *
 * @example
 * Field.list(Field.string({ maxLength: 20 }), { maxItems: 10, defaultWith: () => [] })
 *
 * @since 0.1.0
 * @category constructors
 */
export function list<I extends Any, const O extends ListOptions<ReadonlyArray<I["Item"]>> = {}>(
  item: I,
  options?: O & ListOptions<ReadonlyArray<I["Item"]>>
): FieldOf<ReadonlyArray<I["Item"]>, O, ReadonlyArray<I["Encoded"]>>
export function list<const O extends ListOptions<ReadonlyArray<unknown>> = {}>(
  options?: O & ListOptions<ReadonlyArray<unknown>>
): FieldOf<ReadonlyArray<unknown>, O>
export function list(itemOrOptions?: Any | ListOptions<any>, options?: ListOptions<any>): Field<any, any, any, any> {
  const [item, opts] = isField(itemOrOptions) ? [internal.asItem(itemOrOptions.spec), options] : [undefined, itemOrOptions]
  return make(internal.makeSpec("array", { target: "array", convert: internal.toList, item }, internal.listOptions(opts)))
}

/**
 * An object field; decoded side `Schema.Record(Schema.String, Schema.Unknown)` (a fresh
 * object). Any non-null, non-array object passes; anything else fails with
 * `'<label>' must be object: Expected object, got <type>`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const dict = <const O extends Options<Readonly<Record<string, unknown>>> = {}>(
  options?: O & Options<Readonly<Record<string, unknown>>>
): FieldOf<Readonly<Record<string, unknown>>, O> => simple("object", "object", internal.toDict, options)

/**
 * A field whose value must be one of `values`, compared with `===` and without coercion
 * (use `Field.int({ choices })` and friends to coerce first); decoded side
 * `Schema.Literals(values)`. Fails with `'<label>' must be one of [<values>], got '<value>'`.
 *
 * @example
 * Field.literals(["low", "high"], { default: "low" })
 *
 * @since 0.1.0
 * @category constructors
 */
export const literals = <
  const C extends readonly [SchemaAST.LiteralValue, ...Array<SchemaAST.LiteralValue>],
  const O extends Omit<Options<C[number]>, "choices"> = {}
>(values: C, options?: O & Omit<Options<C[number]>, "choices">): FieldOf<C[number], O> =>
  simple("literal", "literal", internal.passthrough, { ...options, choices: values })

/**
 * A field coerced by `coerce`: its return value is the field's value (decoded side
 * `Schema.Unknown`, typed `T`; the JSON Schema says nothing about it). Anything it throws
 * becomes `'<label>' must be <name>: <message>` (or `'<label>' coercion failed: <message>`
 * when `name` is empty); nothing it throws escapes validation.
 *
 * @example
 * Field.custom("Email", (u) => {
 *   if (typeof u !== "string" || !u.includes("@")) throw new Error("not an address")
 *   return u.toLowerCase()
 * })
 *
 * @since 0.1.0
 * @category constructors
 */
export const custom = <T, const O extends Options<T> = {}>(
  name: string,
  coerce: (input: unknown) => T,
  options?: O & Options<T>
): FieldOf<T, O, unknown> => make(internal.makeSpec(name, { target: name, convert: internal.custom(coerce) }, options))

/**
 * Declared fields, by key.
 *
 * @since 0.1.0
 * @category models
 */
export type Fields = { readonly [key: string]: Any }

/**
 * The clean object a struct of `F` decodes to: every declared key is present.
 *
 * @since 0.1.0
 * @category models
 */
export type Type<F extends Fields> = Schema.Struct.Type<F>

/**
 * A `Schema.Struct` of fields, built by `Field.struct`. Besides `fields` it keeps its
 * `strict` flag and `schemaName` (also its `identifier` annotation).
 *
 * @since 0.1.0
 * @category models
 */
export interface Struct<F extends Fields> extends Schema.Struct<F> {
  readonly "Rebuild": Struct<F>
  readonly strict: boolean
  readonly schemaName: string | undefined
}

/**
 * Options of `Field.struct`:
 * - `strict` (default `false`): `Field.validate` reports every undeclared key as
 *   `Unknown field '<key>'` (keyed by that key, before the field errors) instead of
 *   dropping it. Like any Effect struct, it is Effect's `onExcessProperty: "error"`:
 *   pass that option when decoding with `Schema.decodeUnknownEffect` or building a JSON
 *   Schema (`additionalProperties: false`).
 * - `name`: prefixes messages with `[<name>]` and becomes the `identifier` annotation
 *   (a named definition in JSON Schema).
 *
 * @since 0.1.0
 * @category models
 */
export interface StructOptions {
  readonly strict?: boolean | undefined
  readonly name?: string | undefined
}

/**
 * Builds the `Schema.Struct` of a payload with the given fields, in declaration order:
 * a required field is a required key, an optional one an optional key that decodes to
 * its default (or `null`). The decoded object is fresh and holds exactly the declared
 * keys, so `__proto__` or `constructor` keys cannot reach a prototype; a function value
 * (an inherited `toString`) counts as absent.
 *
 * Decoding a non-object (array, string, `null`, …) fails with
 * `Expected an object payload, got <type>` and no per-field errors. Use `Field.validate`
 * to decode: it reports every error at once and applies `strict`.
 *
 * Throws a `TypeError` at construction when a value in `fields` is not a `Field`, or
 * when there is no field (Effect's empty struct accepts any value but `null` and
 * `undefined`, arrays included, and returns it as it is).
 *
 * @example
 * const doc = Schema.toJsonSchemaDocument(Field.struct({ name: Field.string({ required: true }) }))
 * // doc.schema: { type: "object", properties: { name: { type: "string" } }, required: ["name"], ... }
 *
 * @since 0.1.0
 * @category constructors
 */
export const struct = <const F extends Fields>(fields: F, options?: StructOptions): Struct<F> =>
  makeStruct(fields, options?.strict === true, options?.name, "struct")

/** Sets an own data property, even for `__proto__` (which plain assignment would treat as the prototype). */
const assign = (target: Record<string, unknown>, key: string, value: unknown): void => {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true })
}

const makeStruct = <F extends Fields>(fields: F, strict: boolean, name: string | undefined, what: string): Struct<F> => {
  const copy: Record<string, unknown> = {}
  for (const key of Object.keys(fields)) {
    const field: unknown = fields[key]
    if (!isField(field)) {
      throw new TypeError(
        `[specter:field] ${what} '${name ?? "<anonymous>"}': field '${key}' must be a Field, got ${typeName(field)}`
      )
    }
    assign(copy, key, field)
  }
  if (Object.keys(copy).length === 0) {
    throw new TypeError(`[specter:field] ${what} '${name ?? "<anonymous>"}': a struct needs at least one field`)
  }
  const base = Schema.Struct(Object.freeze(copy) as F).annotate({
    [fieldSchema.STRUCT]: { strict },
    ...(name === undefined ? {} : { identifier: name })
  })
  return Schema.make<Struct<F>>(base.ast, { fields: base.fields, mapFields: base.mapFields, strict, schemaName: name })
}

/**
 * A new struct with the fields of `self` plus `extra`; `self` is unchanged. A key of
 * `extra` already in `self` replaces that field but keeps its position; new keys come
 * last. `strict` and `name` default to those of `self`.
 *
 * Throws a `TypeError` when a value in `extra` is not a `Field`.
 *
 * @since 0.1.0
 * @category combinators
 */
export const extend = <F extends Fields, const E extends Fields>(
  self: Struct<F>,
  extra: E,
  options?: StructOptions
): Struct<{ readonly [K in keyof F | keyof E]: K extends keyof E ? E[K] : F[K & keyof F] }> => {
  const merged: Record<string, unknown> = {}
  for (const key of Object.keys(self.fields)) assign(merged, key, self.fields[key])
  for (const key of Object.keys(extra)) assign(merged, key, extra[key])
  return makeStruct(merged as any, options?.strict ?? self.strict, options?.name ?? self.schemaName, "extend")
}

/**
 * The declared keys of a struct, in declaration order.
 *
 * @since 0.1.0
 * @category getters
 */
export const fieldNames = (self: Struct<any>): ReadonlyArray<string> => Object.keys(self.fields)

/**
 * The keys of the required fields of a struct, in declaration order.
 *
 * @since 0.1.0
 * @category getters
 */
export const requiredFields = (self: Struct<any>): ReadonlyArray<string> =>
  Object.keys(self.fields).filter((key) => (self.fields[key] as Any).required)
