/**
 * The ingress's table of handlers and its dispatch loop. Each event's handlers
 * are an immutable array, replaced on every change, so that a dispatch reads the
 * array it started with (snapshot semantics without copying per dispatch).
 *
 * @internal
 */
import { Field, Outcome } from "@specter-runtime/core"
import { SocketProtocol } from "@specter-runtime/protocol"
import { Cause, Effect, Exit, type Schema, Scope } from "effect"
import type {
  Dispatch,
  ErrorHandler,
  EventContext,
  EventHandler,
  Rejection,
  SocketIngress,
  Subscription
} from "../SocketIngress.ts"
import { type Failure, fromOutcome, recover } from "./failure.ts"

/** Whether a trimmed event name can be carried by a client frame. */
export const isName = (name: string): boolean => name.length >= 1 && name.length <= SocketProtocol.maxNameLength

interface Ordering {
  readonly order: number
  readonly priority: number
  readonly label: string
}

interface Entry extends Ordering {
  readonly ordered: boolean
  readonly run: (payload: unknown, context: EventContext) => Effect.Effect<unknown, unknown>
}

interface ErrorEntry extends Ordering {
  readonly run: (rejection: Rejection) => Effect.Effect<unknown, unknown>
}

interface Route {
  readonly entries: ReadonlyArray<Entry>
  readonly ordered: boolean
}

const byPriority = (a: Ordering, b: Ordering) => a.priority - b.priority || a.order - b.order

const routeOf = (entries: ReadonlyArray<Entry>): Route => ({ entries, ordered: entries.some((e) => e.ordered) })

const toAckError = (failure: Failure): SocketProtocol.AckError =>
  failure.fields === undefined
    ? { code: failure.code, message: failure.message }
    : { code: failure.code, message: failure.message, fields: failure.fields }

const unknownEvent: Dispatch = { _tag: "UnknownEvent" }

/** The error of an event nobody handles. */
export const unknownEventError = (event: string): SocketProtocol.AckError => ({
  code: "unknown_event",
  message: `no handler for event '${event}'`
})

const entryOf = (event: string, handler: EventHandler<any, unknown>, order: number): Entry => {
  const schema = handler.payload as Schema.Decoder<unknown, never> | undefined
  const handle = handler.handle as (payload: unknown, context: EventContext) => Effect.Effect<unknown, unknown>
  return {
    order,
    priority: handler.priority ?? 100,
    label: handler.label ?? `${event}#${order}`,
    ordered: handler.ordered === true,
    // `suspend`: a handler that throws instead of returning an Effect fails like one that fails.
    run: schema === undefined
      ? (payload, context) => Effect.suspend(() => handle(payload, context))
      : (payload, context) => Effect.flatMap(Field.validate(schema, payload), (decoded) => handle(decoded, context))
  }
}

/** Runs every error handler of `hooks` on `rejection`, each isolated from the others. */
const notify = (hooks: ReadonlyArray<ErrorEntry>, rejection: Rejection): Effect.Effect<void> =>
  hooks.length === 0 ? Effect.void : Effect.forEach(hooks, (hook) =>
    Effect.catchCause(Effect.suspend(() => hook.run(rejection)), (cause) =>
      Cause.hasInterruptsOnly(cause)
        ? Effect.failCause(cause as Cause.Cause<never>)
        : Effect.logError(`socket error handler '${hook.label}' failed`, cause)), { discard: true })

/** The state of one dispatch. */
interface Run {
  readonly event: string
  readonly payload: unknown
  readonly context: EventContext
  readonly hooks: ReadonlyArray<ErrorEntry>
  result: unknown
  error: SocketProtocol.AckError | undefined
}

const finish = (run: Run): Dispatch => {
  if (run.error !== undefined) return { _tag: "Failed", error: run.error }
  const result = run.result
  if (Outcome.isOutcome(result)) {
    return result.ok ? { _tag: "Ok", payload: result.value } : { _tag: "Failed", error: toAckError(fromOutcome(result)) }
  }
  return { _tag: "Ok", payload: result }
}

const failed = (entries: ReadonlyArray<Entry>, i: number, run: Run, cause: Cause.Cause<unknown>): Effect.Effect<Dispatch> => {
  const entry = entries[i]!
  return Effect.flatMap(recover(cause, `socket handler '${entry.label}' of '${run.event}'`), (failure) => {
    const error = toAckError(failure)
    run.error ??= error
    const rejection: Rejection = {
      event: run.event,
      payload: run.payload,
      session: run.context.session,
      error,
      handler: entry.label,
      cause
    }
    return Effect.andThen(notify(run.hooks, rejection), step(entries, i + 1, run))
  })
}

const step = (entries: ReadonlyArray<Entry>, i: number, run: Run): Effect.Effect<Dispatch> => {
  if (i === entries.length) return Effect.succeed(finish(run))
  return Effect.matchCauseEffect(entries[i]!.run(run.payload, run.context), {
    onSuccess: (value) => {
      if (value !== null && value !== undefined) run.result = value
      return i + 1 === entries.length ? Effect.succeed(finish(run)) : step(entries, i + 1, run)
    },
    onFailure: (cause) => failed(entries, i, run, cause)
  })
}

/** A subscription removed by `remove`, at the latest when `scope` closes. */
const register = (scope: Scope.Scope, event: string, remove: () => boolean): Effect.Effect<Subscription> =>
  Effect.flatMap(Scope.fork(scope), (child) =>
    Effect.as(Scope.addFinalizer(child, Effect.sync(remove)), {
      event,
      unsubscribe: Effect.flatMap(Effect.sync(remove), (removed) => Effect.as(Scope.close(child, Exit.void), removed))
    }))

/** The handlers of every event and the error handlers, each list replaced (never changed) on a change. */
class Table {
  readonly routes = new Map<string, Route>()
  hooks: ReadonlyArray<ErrorEntry> = []
  order = 0
  closed = false

  add(event: string, handler: EventHandler<any, unknown>): () => boolean {
    const entry = entryOf(event, handler, ++this.order)
    this.routes.set(event, routeOf([...(this.routes.get(event)?.entries ?? []), entry].sort(byPriority)))
    return () => {
      const entries = this.routes.get(event)?.entries
      if (entries === undefined || !entries.includes(entry)) return false
      const remaining = entries.filter((e) => e !== entry)
      if (remaining.length === 0) this.routes.delete(event)
      else this.routes.set(event, routeOf(remaining))
      return true
    }
  }

  addHook(handler: ErrorHandler): () => boolean {
    const order = ++this.order
    const entry: ErrorEntry = { order, priority: handler.priority ?? 100, label: handler.label ?? `errors#${order}`, run: handler.handle }
    this.hooks = [...this.hooks, entry].sort(byPriority)
    return () => {
      if (!this.hooks.includes(entry)) return false
      this.hooks = this.hooks.filter((h) => h !== entry)
      return true
    }
  }

  clear(): void {
    this.closed = true
    this.routes.clear()
    this.hooks = []
  }

  count(event: string | undefined): number {
    if (event !== undefined) return this.routes.get(event)?.entries.length ?? 0
    let total = 0
    for (const route of this.routes.values()) total += route.entries.length
    return total
  }
}

/** Adds an entry with `add` (unless the ingress is closed) for as long as the calling scope is open. */
const subscribeWith = (table: Table, event: string, add: () => () => boolean): Effect.Effect<Subscription, never, Scope.Scope> =>
  Effect.uninterruptible(Effect.flatMap(Effect.scope, (scope) =>
    table.closed ? Effect.succeed({ event, unsubscribe: Effect.succeed(false) }) : register(scope, event, add())))

const dispatchOn = (table: Table) => (event: string, payload: unknown, context: EventContext): Effect.Effect<Dispatch> =>
  Effect.suspend(() => {
    const route = table.routes.get(event)
    const hooks = table.hooks
    if (route !== undefined) return step(route.entries, 0, { event, payload, context, hooks, result: null, error: undefined })
    if (hooks.length === 0) return Effect.succeed(unknownEvent)
    const rejection: Rejection = {
      event,
      payload,
      session: context.session,
      error: unknownEventError(event),
      handler: undefined,
      cause: undefined
    }
    return Effect.as(notify(hooks, rejection), unknownEvent)
  })

/** The ingress, for names already trimmed and checked; closing the scope empties it. */
export const make: Effect.Effect<SocketIngress["Service"], never, Scope.Scope> = Effect.map(
  Effect.acquireRelease(Effect.sync(() => new Table()), (table) => Effect.sync(() => table.clear())),
  (table) => ({
    subscribe: (event, handler) => subscribeWith(table, event, () => table.add(event, handler as EventHandler<any, unknown>)),
    subscribeErrors: (handler) => subscribeWith(table, "", () => table.addHook(handler)),
    dispatch: dispatchOn(table),
    isOrdered: (event) => table.routes.get(event)?.ordered === true,
    events: () => [...table.routes.keys()],
    count: (event) => table.count(event)
  })
)
