/**
 * The Effect Schema side of `Field`: the struct decoder (a transformation from `unknown`)
 * and the flattening of any `SchemaIssue` into per-key messages.
 *
 * @internal
 */
import { Effect, Schema, SchemaGetter, SchemaIssue } from "effect"
import type { SchemaAST } from "effect"
import { assign, isRecord, run, type Spec, typeName } from "./field.ts"

/** Marks the issue of a non-object payload: it has a message and no per-field errors. */
export const PAYLOAD_ANNOTATION = "~@specter/core/Field/payload"

/**
 * Decodes one payload against the declared fields (§9.3): undeclared keys first (strict
 * mode), then every field in declaration order. Reads only own properties and writes only
 * declared keys onto a fresh object.
 */
export const decodeStruct = (
  ast: SchemaAST.AST,
  fields: ReadonlyArray<readonly [string, Spec]>,
  strict: boolean,
  input: unknown,
  options: SchemaAST.ParseOptions
): { readonly ok: true; readonly value: Record<string, unknown> } | { readonly ok: false; readonly issue: SchemaIssue.Issue } => {
  if (!isRecord(input)) {
    const message = `Expected an object payload, got ${typeName(input)}`
    return { ok: false, issue: new SchemaIssue.InvalidValue({ message, [PAYLOAD_ANNOTATION]: true }, input, options) }
  }
  const issues: Array<SchemaIssue.Issue> = []
  if (strict) {
    const declared = new Set(fields.map(([key]) => key))
    for (const key of Object.keys(input)) {
      if (declared.has(key)) continue
      const keyAst = Schema.Unknown.annotate({ messageUnexpectedKey: `Unknown field '${key}'` }).ast
      issues.push(new SchemaIssue.Pointer([key], new SchemaIssue.UnexpectedKey(keyAst, input[key], options)))
    }
  }
  const out: Record<string, unknown> = {}
  for (const [key, spec] of fields) {
    const label = spec.label ?? key
    const present = Object.hasOwn(input, key)
    const value = present ? input[key] : undefined
    if (value === null || value === undefined) {
      if (!spec.required) {
        assign(out, key, spec.resolveDefault === undefined ? null : spec.resolveDefault())
      } else if (present) {
        issues.push(new SchemaIssue.Pointer([key], new SchemaIssue.InvalidValue({ message: `'${label}' is required` }, value, options)))
      } else {
        issues.push(new SchemaIssue.Pointer([key], new SchemaIssue.MissingKey({ messageMissingKey: `'${label}' is required` })))
      }
      continue
    }
    const outcome = run(spec, value, label, [key])
    if (outcome.ok) {
      assign(out, key, outcome.value)
    } else {
      for (const issue of outcome.issues) {
        issues.push(new SchemaIssue.Pointer(issue.path, new SchemaIssue.InvalidValue({ message: issue.message }, undefined, options)))
      }
    }
  }
  const [first, ...rest] = issues
  return first === undefined
    ? { ok: true, value: out }
    : { ok: false, issue: new SchemaIssue.Composite(ast, [first, ...rest], input, options) }
}

/**
 * The schema of a struct: `Unknown` decoded to an object by `decodeStruct`, encoded by
 * the identity. `name` becomes the `identifier` annotation.
 */
export const makeStruct = (entries: ReadonlyArray<readonly [string, Spec]>, strict: boolean, name: string | undefined) => {
  const target = Schema.declare<Record<string, unknown>>(isRecord, name === undefined ? undefined : { identifier: name })
  const decode = SchemaGetter.transformEffect((input: unknown, options) =>
    Effect.suspend(() => {
      const result = decodeStruct(target.ast, entries, strict, input, options)
      return result.ok ? Effect.succeed(result.value) : Effect.fail(result.issue)
    })
  )
  const schema = Schema.Unknown.pipe(Schema.decodeTo(target, { decode, encode: SchemaGetter.passthrough({ strict: false }) }))
  return { ast: schema.ast, from: schema.from, to: schema.to }
}

// ---------------------------------------------------------------------------
// SchemaError -> per-key messages
// ---------------------------------------------------------------------------

const UNEXPECTED_KEY = "\u0000~@specter/core/Field/unexpected"

const formatter = SchemaIssue.makeFormatterStandardSchemaV1({
  leafHook: (issue) =>
    issue._tag === "UnexpectedKey" && typeof issue.ast.annotations?.["messageUnexpectedKey"] !== "string"
      ? UNEXPECTED_KEY
      : SchemaIssue.defaultLeafHook(issue)
})

const segment = (item: PropertyKey | { readonly key: PropertyKey }): PropertyKey =>
  typeof item === "object" ? item.key : item

export interface Flattened {
  /** The `identifier` annotation of the failing root schema, if any. */
  readonly name: string | undefined
  /** Set for a Field struct given a non-object payload. */
  readonly payload: string | undefined
  /** `[key, first message]` in issue order; a root-level issue has key `_`. */
  readonly entries: ReadonlyArray<readonly [string, string]>
}

export const flatten = (root: SchemaIssue.Issue): Flattened => {
  let name: string | undefined
  let issue = root
  for (;;) {
    const identifier = "ast" in issue ? issue.ast.annotations?.["identifier"] : undefined
    if (name === undefined && typeof identifier === "string") name = identifier
    if (issue._tag !== "Encoding") break
    issue = issue.issue
  }
  if (issue._tag === "InvalidValue" && issue.annotations?.[PAYLOAD_ANNOTATION] === true) {
    return { name, payload: issue.annotations.message ?? "Expected an object payload", entries: [] }
  }
  const seen = new Set<string>()
  const entries: Array<readonly [string, string]> = []
  for (const item of formatter(root).issues) {
    const path = (item.path ?? []).map(segment)
    const key = path.map(String).join(".") || "_"
    if (seen.has(key)) continue
    seen.add(key)
    const last = path.at(-1)
    entries.push([key, item.message === UNEXPECTED_KEY ? `Unknown field '${String(last ?? "")}'` : item.message])
  }
  return { name, payload: undefined, entries }
}
