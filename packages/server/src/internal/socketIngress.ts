/**
 * The ingress's table of handlers and its dispatch loop. Each event's handlers
 * are an immutable array, replaced on every change, so that a dispatch reads the
 * array it started with (snapshot semantics without copying per dispatch).
 *
 * @internal
 */
import { Field, Outcome } from "@specter/core"
import { SocketProtocol } from "@specter/protocol"
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

const step = (entries: ReadonlyArray<Entry>, i: number, run: Run): Effect.Effect<Dispatch> => {
  if (i === entries.length) return Effect.succeed(finish(run))
  const entry = entries[i]!
  return Effect.flatMap(Effect.exit(entry.run(run.payload, run.context)), (exit) => {
    if (Exit.isSuccess(exit)) {
      if (exit.value !== null && exit.value !== undefined) run.result = exit.value
      return step(entries, i + 1, run)
    }
    return Effect.flatMap(recover(exit.cause, `socket handler '${entry.label}' of '${run.event}'`), (failure) => {
      const error = toAckError(failure)
      run.error ??= error
      const rejection: Rejection = {
        event: run.event,
        payload: run.payload,
        session: run.context.session,
        error,
        handler: entry.label,
        cause: exit.cause
      }
      return Effect.andThen(notify(run.hooks, rejection), step(entries, i + 1, run))
    })
  })
}

/** A subscription removed by `remove`, at the latest when `scope` closes. */
const register = (scope: Scope.Scope, event: string, remove: () => boolean): Effect.Effect<Subscription> =>
  Effect.flatMap(Scope.fork(scope), (child) =>
    Effect.as(Scope.addFinalizer(child, Effect.sync(remove)), {
      event,
      unsubscribe: Effect.flatMap(Effect.sync(remove), (removed) => Effect.as(Scope.close(child, Exit.void), removed))
    }))

/** The ingress, for names already trimmed and checked. */
export const make: Effect.Effect<SocketIngress["Service"], never, Scope.Scope> = Effect.gen(function*() {
  const routes = new Map<string, Route>()
  let hooks: ReadonlyArray<ErrorEntry> = []
  let order = 0
  let closed = false
  yield* Effect.addFinalizer(() =>
    Effect.sync(() => {
      closed = true
      routes.clear()
      hooks = []
    })
  )

  const remove = (event: string, entry: Entry) => () => {
    const entries = routes.get(event)?.entries
    if (entries === undefined || !entries.includes(entry)) return false
    const remaining = entries.filter((e) => e !== entry)
    if (remaining.length === 0) routes.delete(event)
    else routes.set(event, routeOf(remaining))
    return true
  }

  const subscribe: SocketIngress["Service"]["subscribe"] = (event, handler) =>
    Effect.uninterruptible(Effect.flatMap(Effect.scope, (scope) => {
      if (closed) return Effect.succeed({ event, unsubscribe: Effect.succeed(false) })
      const entry = entryOf(event, handler as EventHandler<any, unknown>, ++order)
      routes.set(event, routeOf([...(routes.get(event)?.entries ?? []), entry].sort(byPriority)))
      return register(scope, event, remove(event, entry))
    }))

  const subscribeErrors = (handler: ErrorHandler) =>
    Effect.uninterruptible(Effect.flatMap(Effect.scope, (scope) => {
      if (closed) return Effect.succeed({ event: "", unsubscribe: Effect.succeed(false) })
      const n = ++order
      const entry: ErrorEntry = { order: n, priority: handler.priority ?? 100, label: handler.label ?? `errors#${n}`, run: handler.handle }
      hooks = [...hooks, entry].sort(byPriority)
      return register(scope, "", () => {
        if (!hooks.includes(entry)) return false
        hooks = hooks.filter((h) => h !== entry)
        return true
      })
    }))

  const dispatch = (event: string, payload: unknown, context: EventContext): Effect.Effect<Dispatch> =>
    Effect.suspend(() => {
      const route = routes.get(event)
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

  return {
    subscribe,
    subscribeErrors,
    dispatch,
    isOrdered: (event) => routes.get(event)?.ordered === true,
    events: () => [...routes.keys()],
    count: (event) => {
      if (event !== undefined) return routes.get(event)?.entries.length ?? 0
      let total = 0
      for (const route of routes.values()) total += route.entries.length
      return total
    }
  }
})
