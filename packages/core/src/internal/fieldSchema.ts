/**
 * The Effect Schema of a field: a lenient wire side, the §9 pipeline as the decoding
 * transformation, and the value's type as the decoded side.
 *
 * ```
 * wire (any input; its JSON form is `canonical`) --decode: run(spec)--> typeSide
 * ```
 *
 * - `typeSide` is the value's own Schema (`Schema.Int`, `Schema.String` with
 *   `isMaxLength`, `Schema.Literals(choices)`, `Schema.Array(item)`, ...), in a union
 *   with `null` or the default's type when the field is optional.
 * - The wire side accepts every input (the pipeline decides), and is a declaration
 *   whose `toCodecJson` link is `canonical`: the value's type with its `default`.
 *   So `Schema.toJsonSchemaDocument` and `Schema.toCodecJson` describe the canonical
 *   JSON form, which encoding produces, while decoding with the field itself also
 *   accepts everything §9.4 coerces.
 * - The user's checks (choices, validator) run inside the transformation, so a
 *   default, injected there too, skips them (§9.3 rule 4) and no later step runs
 *   them twice.
 *
 * @internal
 */
import { Effect, Option, Schema, SchemaGetter, SchemaIssue } from "effect"
import type { SchemaAST } from "effect"
import { absent, isAbsent, type Issue, run, type Spec } from "./field.ts"
import * as Messages from "./fieldMessages.ts"

/** Key annotation of a struct field: `{ label }`. A label-less issue below it is about that field. */
export const FIELD = "~@specter-runtime/core/Field"
/** Marks an issue (or check) whose message is a tail that takes the field's label in front. */
export const TAIL = "~@specter-runtime/core/Field/tail"
/** Annotation of a `Field.struct`: `{ strict }`. */
export const STRUCT = "~@specter-runtime/core/Field/struct"

const tail = (message: string) => ({ message, [TAIL]: true })

const isLiteral = (u: unknown): u is SchemaAST.LiteralValue =>
  typeof u === "string" || typeof u === "number" || typeof u === "boolean" || typeof u === "bigint"

const base = (spec: Spec): Schema.Top => {
  if (spec.choices !== undefined && spec.choices.every(isLiteral)) return Schema.Literals(spec.choices)
  switch (spec.kind) {
    case "string":
      return Schema.String
    case "int":
      return Schema.Int
    case "float":
      return Schema.Number
    case "boolean":
      return Schema.Boolean
    case "array":
      return Schema.Array(spec.item === undefined ? Schema.Unknown : elementType(spec.item))
    case "object":
      return Schema.Record(Schema.String, Schema.Unknown)
    default:
      return Schema.Unknown
  }
}

/** The Schema of a present value: its base type with the `nonEmpty` and `maxLength` checks. */
const valueType = (spec: Spec): Schema.Top => {
  const checks: Array<SchemaAST.Check<any>> = []
  if (spec.nonEmpty) checks.push(Schema.isMinLength(1, tail(Messages.notEmpty)))
  if (spec.maxLength !== undefined) {
    const unit = spec.kind === "array" ? "items" : "characters"
    checks.push(Schema.isMaxLength(spec.maxLength, tail(Messages.maxLength(spec.maxLength, unit))))
  }
  const [first, ...rest] = checks
  return first === undefined ? base(spec) : base(spec).check(first, ...rest)
}

/** The Schema of what an absent value becomes, or `undefined` when `valueType` covers it. */
const defaultType = (spec: Spec, value: Schema.Top): Schema.Top | undefined => {
  if (spec.resolveDefault === undefined) return spec.required ? undefined : Schema.Null
  if (spec.constant === undefined) return Schema.Unknown // a factory's value is not checked
  const d = spec.constant.value
  if (Schema.is(value)(d)) return undefined
  return d === null ? Schema.Null : isLiteral(d) ? Schema.Literal(d) : Schema.Unknown
}

const withDefault = (spec: Spec, value: Schema.Top): Schema.Top => {
  const d = defaultType(spec, value)
  return d === undefined ? value : Schema.Union([value, d])
}

/** The decoded Schema of a list element. */
const elementType = (item: Spec): Schema.Top => withDefault(item, valueType(item))

/**
 * The canonical JSON form of the field: its value type, annotated with the default.
 * A `defaultWith` factory is called once here, when a JSON Schema or codec is derived.
 */
const canonical = (spec: Spec): Schema.Top => {
  const value = valueType(spec)
  if (spec.resolveDefault === undefined) return value
  const d = spec.resolveDefault()
  return d === undefined || d === null || typeof d === "function" ? value : value.annotate({ default: d })
}

/**
 * Accepts every input; in JSON it is `canonical(spec)`. The link target carries the
 * key's optionality itself: a canonical type with an encoding of its own (`Number`'s
 * JSON form) would not receive it from the declaration.
 */
const wire = (spec: Spec) =>
  Schema.declare((_: unknown): _ is unknown => true, {
    expected: "any value",
    toCodecJson: () =>
      Schema.link<unknown>()(spec.required ? canonical(spec) : Schema.optionalKey(canonical(spec)), {
        decode: SchemaGetter.passthrough(),
        encode: SchemaGetter.passthrough()
      })
  })

const toSchemaIssue = (
  issues: ReadonlyArray<Issue>,
  ast: SchemaAST.AST,
  input: unknown,
  options: SchemaAST.ParseOptions
): SchemaIssue.Issue => {
  const [first, ...rest] = issues.map(({ message, path }) => {
    const leaf = new SchemaIssue.InvalidValue(tail(message), input, options)
    return path.length === 0 ? leaf : new SchemaIssue.Pointer(path, leaf)
  })
  return rest.length === 0 ? first! : new SchemaIssue.Composite(ast, [first!, ...rest], input, options)
}

/**
 * The decoding transformation: an absent key stays absent on a required field (the
 * struct reports it missing), an absent value becomes the default, and a present one
 * goes through the pipeline.
 */
const decode = (spec: Spec, ast: () => SchemaAST.AST) =>
  SchemaGetter.transformOptionalEffect<unknown, unknown>((input, options) => {
    if (Option.isNone(input) && spec.required) return Effect.succeed(input)
    const value = Option.getOrUndefined(input)
    const outcome = isAbsent(value) ? absent(spec, []) : run(spec, value, [])
    return outcome.ok
      ? Effect.succeed(Option.some(outcome.value))
      : Effect.fail(toSchemaIssue(outcome.issues, ast(), value, options))
  })

/** Encoding passes values through, except that `null` leaves the key out. */
const encode = SchemaGetter.transformOptional<unknown, unknown>((o) =>
  Option.isSome(o) && o.value === null ? Option.none() : o
)

/** The Schema of one struct field. */
export const makeField = (spec: Spec): Schema.Top => {
  const type = withDefault(spec, valueType(spec))
  const from = spec.required ? wire(spec) : Schema.optionalKey(wire(spec))
  return from.pipe(Schema.decodeTo(type, { decode: decode(spec, () => type.ast), encode })).annotateKey({
    messageMissingKey: Messages.required,
    [TAIL]: true,
    [FIELD]: { label: spec.label }
  })
}

/** The `strict` flag of a `Field.struct`, or `undefined` for any other schema. */
export const structOf = (ast: SchemaAST.AST): { readonly strict: boolean } | undefined =>
  ast.annotations?.[STRUCT] as { readonly strict: boolean } | undefined
