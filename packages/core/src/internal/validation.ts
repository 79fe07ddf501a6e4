/**
 * The one formatter of `Validation`: flattens any `SchemaIssue` into `[key, message]`
 * entries with Effect's Standard Schema formatter. Keys are dot-joined paths (`_` for
 * the root); the first message per key wins. Two things are added: below a `Field` (a
 * node carrying the `FIELD` key annotation) an issue or check marked `TAIL` gets the
 * field's label in front (its `label` option, else its key, plus `[<i>]` per level of
 * list items), and an undeclared key reads `Unknown field '<key>'`. Everything else
 * keeps Effect's default messages.
 *
 * @internal
 */
import { Option, SchemaIssue } from "effect"
import type { SchemaAST } from "effect"
import { FIELD, STRUCT, TAIL } from "./fieldSchema.ts"
import * as Messages from "./fieldMessages.ts"

type Annotations = { readonly [key: string]: unknown } | undefined

export interface Flattened {
  /** The `identifier` annotation of the failing root schema, if any. */
  readonly name: string | undefined
  /** Set when a `Field.struct` was given something that is not an object. */
  readonly payload: { readonly atRoot: boolean; readonly input: Option.Option<unknown> } | undefined
  /** `[key, first message]` in issue order. */
  readonly entries: ReadonlyArray<readonly [string, string]>
}

const lastKey = (path: ReadonlyArray<PropertyKey>): string | undefined =>
  path.length === 0 ? undefined : String(path[path.length - 1])

/** The label a `Field` node starts, or `label` (the enclosing one) for any other node. */
const labelAt = (annotations: Annotations, path: ReadonlyArray<PropertyKey>, label: string | undefined) => {
  const field = annotations?.[FIELD] as { readonly label: string | undefined } | undefined
  return field === undefined ? label : field.label ?? lastKey(path)
}

const withLabel = (annotations: Annotations, label: string | undefined, message: string): string =>
  annotations?.[TAIL] === true && label !== undefined ? Messages.labelled(label, message) : message

/** What a leaf or a check needs to know about its place: the label in force, or the key of an undeclared property. */
type Places = Map<SchemaIssue.Issue, string | undefined>

/** Records the place of every leaf and check below `issue`. */
const locate = (issue: SchemaIssue.Issue, path: ReadonlyArray<PropertyKey>, label: string | undefined, places: Places): void => {
  switch (issue._tag) {
    case "Pointer": {
      const below = label === undefined ? undefined : label + issue.path.map((key) => `[${String(key)}]`).join("")
      locate(issue.issue, [...path, ...issue.path], below, places)
      break
    }
    case "Encoding":
      locate(issue.issue, path, labelAt(issue.ast.context?.annotations, path, label), places)
      break
    case "Composite":
    case "AnyOf": {
      const inner = labelAt(issue.ast.context?.annotations, path, label)
      for (const child of issue.issues) locate(child, path, inner, places)
      break
    }
    case "Filter":
      places.set(issue, label)
      locate(issue.issue, path, label, places)
      break
    case "MissingKey":
      places.set(issue, labelAt(issue.annotations, path, label))
      break
    case "UnexpectedKey":
      places.set(issue, lastKey(path))
      break
    default:
      places.set(issue, label)
  }
}

const leafMessage = (issue: SchemaIssue.Leaf, place: string | undefined): string => {
  switch (issue._tag) {
    case "MissingKey":
    case "InvalidValue":
      return withLabel(issue.annotations, place, SchemaIssue.defaultLeafHook(issue))
    case "UnexpectedKey":
      return typeof issue.ast.annotations?.["messageUnexpectedKey"] === "string"
        ? SchemaIssue.defaultLeafHook(issue)
        : Messages.unknownField(place ?? "")
    default:
      return SchemaIssue.defaultLeafHook(issue)
  }
}

/** Effect's Standard Schema formatter, with the field labels and `Unknown field` messages put in. */
const format = (root: SchemaIssue.Issue) => {
  const places: Places = new Map()
  locate(root, [], undefined, places)
  return SchemaIssue.makeFormatterStandardSchemaV1({
    leafHook: (issue) => leafMessage(issue, places.get(issue)),
    checkHook: (issue) => {
      const message = SchemaIssue.defaultCheckHook(issue)
      return message === undefined ? undefined : withLabel(issue.filter.annotations, places.get(issue), message)
    }
  })(root).issues
}

const segment = (item: PropertyKey | { readonly key: PropertyKey }): PropertyKey =>
  typeof item === "object" ? item.key : item

const identifierOf = (ast: SchemaAST.AST): string | undefined => {
  const identifier = ast.annotations?.["identifier"]
  return typeof identifier === "string" ? identifier : undefined
}

/** The innermost issue of an `Encoding` chain at the root, and the first `identifier` met on the way. */
const unwrap = (root: SchemaIssue.Issue) => {
  let name: string | undefined
  let issue = root
  let atRoot = true
  for (;;) {
    if ("ast" in issue) name ??= identifierOf(issue.ast)
    if (issue._tag !== "Encoding") return { name, issue, atRoot }
    issue = issue.issue
    atRoot = false
  }
}

export const flatten = (root: SchemaIssue.Issue): Flattened => {
  const { atRoot, issue, name } = unwrap(root)
  if (issue._tag === "InvalidType" && issue.ast.annotations?.[STRUCT] !== undefined) {
    return { name, payload: { atRoot, input: "input" in issue ? Option.some(issue.input) : Option.none() }, entries: [] }
  }
  const entries = new Map<string, string>()
  for (const { message, path } of format(root)) {
    const key = (path ?? []).map((item) => String(segment(item))).join(".") || "_"
    if (!entries.has(key)) entries.set(key, message)
  }
  return { name, payload: undefined, entries: [...entries] }
}
