/**
 * The checks `SocketApi.make` runs on a declaration, once, when it is made.
 *
 * @internal
 */
import { Schema } from "effect"
import { MAX_NAME } from "./decode.ts"

/** @internal */
export const TypeId = "~@specter-runtime/protocol/SocketApi" as const

type Spec = { readonly [key: string]: unknown }

interface Declared {
  readonly events?: Spec | undefined
  readonly pushes?: Spec | undefined
  readonly actions?: Spec | undefined
}

const fail = (message: string): never => {
  throw new TypeError(`[specter:socket-api] ${message}`)
}

/** A name a client frame can carry and the ingress keeps as it is (it trims names). */
const checkName = (kind: string, name: string): void => {
  if (name.length === 0 || name.length > MAX_NAME || name.trim() !== name) {
    fail(`${kind} name ${JSON.stringify(name.slice(0, 40))} must have 1 to ${MAX_NAME} characters and no spaces at either end`)
  }
}

const checkSchema = (where: string, value: unknown): void => {
  if (!Schema.isSchema(value)) fail(`${where} must be an Effect Schema, got ${value === null ? "null" : typeof value}`)
}

/** An event or action spec: an object whose `payload` and `ack`/`result`, when present, are Schemas. */
const checkSpec = (where: string, spec: unknown, answer: "ack" | "result"): void => {
  if (typeof spec !== "object" || spec === null || Schema.isSchema(spec)) {
    return fail(`${where} must be an object with optional 'payload' and '${answer}' Schemas`)
  }
  for (const key of Object.keys(spec)) {
    if (key !== "payload" && key !== answer) fail(`${where} has an unknown key '${key}'; expected 'payload' and '${answer}'`)
    checkSchema(`${where}.${key}`, (spec as Spec)[key])
  }
}

const ACTION = /^[^/]+\/[^/]+$/

const entries = (map: Spec | undefined): ReadonlyArray<readonly [string, unknown]> => Object.entries(map ?? {})

/** @internal Checks `definition` (see `SocketApi.make`) and returns the API value. */
export const make = (definition: Declared): object => {
  for (const [name, spec] of entries(definition.events)) {
    checkName("event", name)
    checkSpec(`event '${name}'`, spec, "ack")
  }
  for (const [name, schema] of entries(definition.pushes)) {
    checkName("push", name)
    checkSchema(`push '${name}'`, schema)
  }
  for (const [name, spec] of entries(definition.actions)) {
    checkName("action", name)
    if (!ACTION.test(name)) fail(`action name '${name}' must be '<controller>/<action>'`)
    if (Object.hasOwn(definition.events ?? {}, name)) fail(`'${name}' is declared both as an event and as an action`)
    checkSpec(`action '${name}'`, spec, "result")
  }
  return Object.freeze({
    [TypeId]: TypeId,
    events: Object.freeze({ ...definition.events }),
    pushes: Object.freeze({ ...definition.pushes }),
    actions: Object.freeze({ ...definition.actions })
  })
}

/** @internal */
export const isSocketApi = (u: unknown): boolean => typeof u === "object" && u !== null && TypeId in u
