/**
 * Declarative extraction, coercion and validation of untrusted payloads (HTTP bodies,
 * socket data). A handful of field constructors describe what a payload should hold;
 * `Field.struct` turns them into an ordinary Effect `Schema` from `unknown` to the clean
 * object, so it composes with `HttpServerRequest.schemaBodyJson`,
 * `Schema.decodeUnknownEffect`, `Schema.fromJsonString` and the rest.
 *
 * ```ts
 * const NewItem = Field.struct({
 *   name: Field.string({ required: true, nonEmpty: true }),
 *   quantity: Field.int({ default: 1 }),
 *   tags: Field.list(Field.string(), { defaultWith: () => [] }),
 * })
 * type NewItem = typeof NewItem.Type
 * const item = yield* Field.validate(NewItem, body) // Effect<NewItem, ValidationError>
 * ```
 *
 * Messages use JavaScript type names (`string`, `number`, `boolean`, `array`, `object`,
 * `null`), e.g. `'quantity' must be int: Cannot convert string 'x' to int`. Values quoted
 * in messages are cut to 100 characters. Original: `Field` and `Schema` (§9).
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import * as internal from "./internal/field.ts"
import type * as types from "./internal/fieldTypes.ts"
import * as schemaInternal from "./internal/fieldSchema.ts"

export { toValidationError, validate, ValidationError } from "./Validation.ts"

const TypeId = "~@specter/core/Field" as const

/**
 * One declared field. `Type` is its value in a validated struct (including `null` or the
 * default's type when it is optional); `Item` is its value as a `list` item. Both are
 * phantom: they exist only for the type checker.
 *
 * @since 0.1.0
 * @category models
 */
export interface Field<out T, out I = T> {
  readonly [TypeId]: typeof TypeId
  readonly Type: T
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
export type Any = Field<unknown, unknown>

/**
 * Options shared by every field.
 *
 * - `required` (default `false`): an absent key, `null` or `undefined` fails with
 *   `'<label>' is required`. (The original coerced an explicit `null` on a required field,
 *   to `"None"` for strings; here it is missing.)
 * - `default`: the value of an optional field that is absent or `null` (the same value
 *   every time, not copied). `defaultWith`: a factory called on every validation, for
 *   fresh mutable defaults; it wins over `default`. Without either the value is `null`.
 *   Defaults are never coerced, checked against choices or validated.
 * - `choices`: after coercion the value must `===` one of them, else
 *   `'<label>' must be one of [<choices>], got '<value>'`. An empty list means no check.
 * - `validator`: runs last, on the coerced value. Returning exactly `false` fails with
 *   `'<label>' failed validation`; throwing fails with `'<label>' validation error: <message>`;
 *   any other result passes.
 * - `label`: the name used inside messages (default: the key). Error maps stay keyed by key.
 *
 * Original: `Field(type, required, default, choices, validator, label)`.
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
 * Options of `Field.string`: the shared ones plus `nonEmpty`, which rejects `""` (after
 * coercion, not trimmed) with `'<label>' must not be empty`.
 *
 * @since 0.1.0
 * @category models
 */
export interface StringOptions extends Options<string> {
  readonly nonEmpty?: boolean | undefined
}

/**
 * The field built from a value type `V` and the options `O` it was given.
 *
 * @since 0.1.0
 * @category models
 */
export type FieldOf<V, O> = Field<types.Out<V, O>, types.ItemOut<V, O>>

const make = (kind: string, coerce: internal.Coerce, options: internal.SpecOptions | undefined): Field<any, any> => {
  const spec = internal.makeSpec(kind, coerce, options)
  return { [TypeId]: TypeId, kind, required: spec.required, label: spec.label, spec } as Field<any, any>
}

/**
 * Returns `true` for a value built by one of the `Field` constructors.
 *
 * @since 0.1.0
 * @category guards
 */
export const isField = (u: unknown): u is Any => typeof u === "object" && u !== null && TypeId in u

/**
 * A string field. Strings pass unchanged (not trimmed; `""` is a value, not a missing
 * one). Numbers become their decimal text (`String(n)`), booleans `"true"`/`"false"`,
 * arrays and objects their JSON text. Never fails to coerce.
 * Original: `Field(str, ...)`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const string = <const O extends StringOptions = {}>(options?: O & StringOptions): FieldOf<string, O> =>
  make("string", internal.simple("string", internal.toStr), options)

/**
 * An integer field. Numbers are truncated toward zero (3.7 → 3); booleans give 1 or 0;
 * strings must be an optionally signed run of digits with optional `_` separators and
 * surrounding whitespace (`" +1_000 "` → 1000; `"3.7"`, `"0x10"`, `""` are rejected).
 * NaN, ±Infinity, results outside the safe-integer range and any other type fail with
 * `'<label>' must be int: Cannot convert <type> '<value>' to int`.
 * Original: `Field(int, ...)`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const int = <const O extends Options<number> = {}>(options?: O & Options<number>): FieldOf<number, O> =>
  make("int", internal.simple("int", internal.toInt), options)

/**
 * A number field. Numbers pass unchanged; booleans give 1 or 0; strings are parsed with
 * surrounding whitespace, `_` separators and exponents allowed, plus `nan`, `inf` and
 * `infinity` in any case. Anything else fails with
 * `'<label>' must be float: Cannot convert <type> '<value>' to float`.
 * Original: `Field(float, ...)`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const float = <const O extends Options<number> = {}>(options?: O & Options<number>): FieldOf<number, O> =>
  make("float", internal.simple("float", internal.toFloat), options)

/**
 * A boolean field; never fails to coerce. Strings are trimmed and lower-cased: `1`,
 * `true`, `yes`, `on` give `true`; `0`, `false`, `no`, `off` and `""` give `false`; any
 * other non-empty string (`"maybe"`, `"2"`) gives `true`. Numbers: `false` only for 0
 * (NaN gives `true`). Arrays and objects: `false` when empty.
 * Original: `Field(bool, ...)`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const bool = <const O extends Options<boolean> = {}>(options?: O & Options<boolean>): FieldOf<boolean, O> =>
  make("boolean", internal.simple("boolean", internal.toBool), options)

/**
 * An array field. A non-array fails with `'<label>' must be array: Expected array, got <type>`.
 * Without `item` the array passes unchanged (no copy). With `item`, every element goes
 * through that field's coercion, checks and validator (labelled `<label>[<i>]`, keyed
 * `<key>.<i>`) into a fresh array; a `null` element gives the item's default, or
 * `'<label>[<i>]' is required` when it has none.
 * Original: `Field(list, ...)`, which had no item type.
 *
 * @since 0.1.0
 * @category constructors
 */
export function list<I extends Any, const O extends Options<ReadonlyArray<I["Item"]>> = {}>(
  item: I,
  options?: O & Options<ReadonlyArray<I["Item"]>>
): FieldOf<ReadonlyArray<I["Item"]>, O>
export function list<const O extends Options<ReadonlyArray<unknown>> = {}>(
  options?: O & Options<ReadonlyArray<unknown>>
): FieldOf<ReadonlyArray<unknown>, O>
export function list(itemOrOptions?: Any | Options<any>, options?: Options<any>): Field<any, any> {
  return isField(itemOrOptions)
    ? make("array", internal.list(itemOrOptions.spec), options)
    : make("array", internal.list(undefined), itemOrOptions)
}

/**
 * An object field: any non-null, non-array object passes unchanged (no copy); anything
 * else fails with `'<label>' must be object: Expected object, got <type>`.
 * Original: `Field(dict, ...)`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const dict = <const O extends Options<Readonly<Record<string, unknown>>> = {}>(
  options?: O & Options<Readonly<Record<string, unknown>>>
): FieldOf<Readonly<Record<string, unknown>>, O> => make("object", internal.simple("object", internal.toDict), options)

/**
 * A field whose value must be one of `values`, compared with `===` and without coercion
 * (use `Field.int({ choices })` and friends to coerce first). Fails with
 * `'<label>' must be one of [<values>], got '<value>'`.
 * Original: `Field(choices=[...])`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const literals = <
  const C extends readonly [unknown, ...Array<unknown>],
  const O extends Omit<Options<C[number]>, "choices"> = {}
>(values: C, options?: O & Omit<Options<C[number]>, "choices">): FieldOf<C[number], O> =>
  make("literal", internal.passthrough, { ...options, choices: values })

/**
 * A field coerced by `coerce`: its return value is the field's value; anything it throws
 * becomes the field error `'<label>' must be <name>: <message>` (or
 * `'<label>' coercion failed: <message>` when `name` is empty). Unlike the original, no
 * thrown error escapes validation.
 * Original: `Field(<callable>, ...)`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const custom = <T, const O extends Options<T> = {}>(
  name: string,
  coerce: (input: unknown) => T,
  options?: O & Options<T>
): FieldOf<T, O> => make(name, internal.custom(name, coerce), options)

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
export type Type<F extends Fields> = { readonly [K in keyof F]: F[K]["Type"] }

/**
 * An Effect Schema from `unknown` to `Type<F>`, built by `Field.struct`. It keeps its
 * declared `fields`, `strict` flag and `schemaName` (also its `identifier` annotation).
 * Encoding is the identity.
 *
 * @since 0.1.0
 * @category models
 */
export interface Struct<F extends Fields> extends Schema.decodeTo<Schema.declare<Type<F>>, Schema.Unknown> {
  readonly "Rebuild": Struct<F>
  readonly fields: F
  readonly strict: boolean
  readonly schemaName: string | undefined
}

/**
 * Options of `Field.struct`: `strict` (default `false`) reports every undeclared key as
 * `Unknown field '<key>'` (keyed by that key, before the field errors) instead of dropping
 * it; `name` prefixes messages with `[<name>]` and becomes the `identifier` annotation.
 *
 * @since 0.1.0
 * @category models
 */
export interface StructOptions {
  readonly strict?: boolean | undefined
  readonly name?: string | undefined
}

/**
 * Builds the schema of a payload with the given fields, in declaration order.
 *
 * Decoding a non-object (array, string, `null`, …) fails with
 * `Expected an object payload, got <type>` and no per-field errors. Otherwise every field
 * is decoded and all errors are reported at once, whatever the `errors` parse option.
 * Only own properties are read, and the output is a fresh object holding exactly the
 * declared keys, so `__proto__` or `constructor` keys cannot reach a prototype.
 *
 * Throws a `TypeError` at construction when a value in `fields` is not a `Field`.
 * Original: `Schema(name, fields, strict)`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const struct = <const F extends Fields>(fields: F, options?: StructOptions): Struct<F> =>
  makeStruct(fields, options?.strict === true, options?.name, "struct")

const makeStruct = <F extends Fields>(fields: F, strict: boolean, name: string | undefined, what: string): Struct<F> => {
  const copy: Record<string, unknown> = {}
  const entries: Array<readonly [string, internal.Spec]> = []
  for (const key of Object.keys(fields)) {
    const field: unknown = fields[key]
    if (!isField(field)) {
      throw new TypeError(
        `[specter:field] ${what} '${name ?? "<anonymous>"}': field '${key}' must be a Field, got ${internal.typeName(field)}`
      )
    }
    internal.assign(copy, key, field)
    entries.push([key, field.spec])
  }
  const schema = schemaInternal.makeStruct(entries, strict, name)
  return Schema.make<Struct<F>>(schema.ast, {
    from: schema.from,
    to: schema.to,
    fields: Object.freeze(copy),
    strict,
    schemaName: name
  })
}

/**
 * A new struct with the fields of `self` plus `extra`; `self` is unchanged. A key of
 * `extra` already in `self` replaces that field but keeps its position; new keys come
 * last. `strict` and `name` default to those of `self`.
 *
 * Throws a `TypeError` when a value in `extra` is not a `Field`.
 * Original: `Schema.extend(name, extra, strict)`.
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
  for (const key of Object.keys(self.fields)) internal.assign(merged, key, self.fields[key])
  for (const key of Object.keys(extra)) internal.assign(merged, key, extra[key])
  return makeStruct(merged as any, options?.strict ?? self.strict, options?.name ?? self.schemaName, "extend")
}

/**
 * The declared keys of a struct, in declaration order.
 * Original: `Schema.field_names`.
 *
 * @since 0.1.0
 * @category getters
 */
export const fieldNames = (self: Struct<any>): ReadonlyArray<string> => Object.keys(self.fields)

/**
 * The keys of the required fields of a struct, in declaration order.
 * Original: `Schema.required_fields`.
 *
 * @since 0.1.0
 * @category getters
 */
export const requiredFields = (self: Struct<any>): ReadonlyArray<string> =>
  Object.keys(self.fields).filter((key) => (self.fields[key] as Any).required)
