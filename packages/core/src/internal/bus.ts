/**
 * The bus implementation: a copy-on-write table of listeners per event name, each
 * listener a fiber draining its own bounded `Mailbox`. `emit` only offers to
 * mailboxes, so it never waits for a listener and costs O(listeners).
 *
 * @internal
 */
import { Cause, Effect, Scope } from "effect"
import type { ListenOptions } from "../Bus.ts"
import { Mailbox } from "./mailbox.ts"
import { catchFailure } from "./failure.ts"

/** One delivery that `emitAndWait` is waiting for: counts down as listeners finish. */
export class Acknowledged {
  readonly payload: unknown
  private remaining: number
  private readonly done: () => void
  constructor(payload: unknown, listeners: number, done: () => void) {
    this.payload = payload
    this.remaining = listeners
    this.done = done
  }
  settle(): void {
    if (--this.remaining === 0) this.done()
  }
}

export type Handler =
  | { readonly _tag: "Effect"; readonly run: (payload: any) => Effect.Effect<void, unknown> }
  | { readonly _tag: "Sync"; readonly run: (payload: any) => void }

export type ListenerOptions = ListenOptions & { readonly once?: boolean | undefined }

/** Default mailbox capacity per listener (messages). */
const DEFAULT_CAPACITY = 16_384

let nextListenerId = 0

const settleIfAcknowledged = (message: unknown) => {
  if (message instanceof Acknowledged) message.settle()
}

export class ListenerEntry {
  readonly id = ++nextListenerId
  readonly event: string
  readonly label: string
  readonly once: boolean
  readonly mailbox: Mailbox<unknown>
  delivered = 0
  failed = 0
  /** Drops already reported in the log. */
  reportedDrops = 0
  /** The batch being handled and the position in it (for release on interruption). */
  batch: Array<unknown> = []
  index = 0
  constructor(event: string, options: ListenerOptions) {
    this.event = event
    this.label = options.label ?? `listener#${this.id}`
    this.once = options.once ?? false
    this.mailbox = new Mailbox(options.capacity ?? DEFAULT_CAPACITY, options.strategy ?? "sliding", settleIfAcknowledged)
  }

  /** Takes the next batch from the mailbox. */
  next(): Array<unknown> {
    this.batch = this.mailbox.drain()
    this.index = 0
    return this.batch
  }

  /** Drops whatever was not handled, so that no `emitAndWait` waits for it. */
  release(): void {
    this.mailbox.close(true)
    const { batch, index } = this
    this.batch = []
    for (let i = index; i < batch.length; i++) settleIfAcknowledged(batch[i])
  }
}

const EMPTY: ReadonlyArray<ListenerEntry> = []

/**
 * The listeners of one event. Topics handed out as publishers stay in the table
 * when their last listener goes, so the publisher keeps seeing new listeners.
 */
export class Topic {
  listeners: ReadonlyArray<ListenerEntry> = EMPTY
  pinned = false
}

export class BusState {
  private readonly table = new Map<string, Topic>()

  listenersOf(event: string): ReadonlyArray<ListenerEntry> {
    return this.table.get(event)?.listeners ?? EMPTY
  }

  /** The topic of `event`, kept for as long as the bus lives (for publishers). */
  pin(event: string): Topic {
    let topic = this.table.get(event)
    if (topic === undefined) {
      topic = new Topic()
      this.table.set(event, topic)
    }
    topic.pinned = true
    return topic
  }

  add(entry: ListenerEntry): void {
    let topic = this.table.get(entry.event)
    if (topic === undefined) {
      topic = new Topic()
      this.table.set(entry.event, topic)
    }
    topic.listeners = [...topic.listeners, entry]
  }

  /** Unregisters `entry`; its fiber handles what it already holds, then ends. */
  remove(entry: ListenerEntry): void {
    const topic = this.table.get(entry.event)
    if (topic !== undefined && topic.listeners.includes(entry)) {
      topic.listeners = topic.listeners.filter((e) => e !== entry)
      if (topic.listeners.length === 0 && !topic.pinned) this.table.delete(entry.event)
    }
    entry.mailbox.close()
  }

  /** Offers `message` to every listener of `event` (a full mailbox drops and counts). */
  offer(event: string, message: unknown): void {
    const topic = this.table.get(event)
    if (topic !== undefined) this.offerTo(topic, message)
  }

  offerTo(topic: Topic, message: unknown): void {
    const listeners = topic.listeners
    for (let i = 0; i < listeners.length; i++) {
      const entry = listeners[i]!
      entry.mailbox.offer(message)
      if (entry.once) this.remove(entry)
    }
  }

  count(event?: string): number {
    if (event !== undefined) return this.listenersOf(event).length
    let total = 0
    for (const topic of this.table.values()) total += topic.listeners.length
    return total
  }

  all(): ReadonlyArray<ListenerEntry> {
    const out: Array<ListenerEntry> = []
    for (const topic of this.table.values()) out.push(...topic.listeners)
    return out
  }
}

const logFailure = (entry: ListenerEntry, cause: Cause.Cause<unknown>) =>
  Effect.logError(`bus listener '${entry.label}' failed on '${entry.event}'`, cause).pipe(
    Effect.annotateLogs({ event: entry.event, listener: entry.label })
  )

const logDrops = (entry: ListenerEntry, drops: number) =>
  Effect.logWarning(
    `bus listener '${entry.label}' fell behind on '${entry.event}': ${drops} event(s) dropped (${entry.mailbox.strategy}, capacity ${entry.mailbox.capacity})`
  ).pipe(Effect.annotateLogs({ event: entry.event, listener: entry.label }))

/**
 * Runs a sync handler over the entry's batch. Returns the errors it threw, in
 * order, and the acknowledgements to settle once those errors are logged.
 */
const runSyncBatch = (entry: ListenerEntry, run: (payload: unknown) => void) => {
  const batch = entry.batch
  const length = batch.length
  let errors: Array<unknown> | undefined
  let acks: Array<Acknowledged> | undefined
  let failed = 0
  // Plain loop with locals: a sync batch cannot be interrupted half-way.
  for (let i = entry.index; i < length; i++) {
    let message = batch[i]
    if (message instanceof Acknowledged) {
      ;(acks ??= []).push(message)
      message = message.payload
    }
    try {
      run(message)
    } catch (error) {
      failed++
      ;(errors ??= []).push(error)
    }
  }
  entry.delivered += length - entry.index - failed
  entry.failed += failed
  entry.index = length
  return { errors, acks }
}

const settleAll = (acks: Array<Acknowledged> | undefined) => {
  if (acks !== undefined) for (const ack of acks) ack.settle()
}

/**
 * Runs an Effect handler over the entry's batch. A failure of one message is logged
 * and the batch goes on from the next message; an interruption ends the batch. An
 * acknowledged message settles only after its failure (if any) is logged.
 */
const runEffectBatch = (
  entry: ListenerEntry,
  run: (payload: unknown) => Effect.Effect<void, unknown>
): Effect.Effect<void> => {
  const batch = entry.batch
  // An acknowledged message settles after its failure is logged, so it is caught here
  // (and counted as failed, not delivered, by `from`'s step seeing `settledFailed`).
  let settledFailed = false
  const isolated = (payload: unknown) =>
    catchFailure(run(payload), (cause) => {
      entry.failed++
      settledFailed = true
      return logFailure(entry, cause)
    })
  const from = (): Effect.Effect<void> =>
    Effect.whileLoop({
      while: () => entry.index < batch.length,
      body: () => {
        const message = batch[entry.index++]
        if (message instanceof Acknowledged) {
          return Effect.ensuring(isolated(message.payload), Effect.sync(() => message.settle()))
        }
        return run(message)
      },
      step: () => {
        if (settledFailed) settledFailed = false
        else entry.delivered++
      }
    }).pipe((loop) =>
      catchFailure(loop, (cause) => {
        entry.failed++
        return Effect.andThen(logFailure(entry, cause), Effect.suspend(from))
      })
    )
  return from()
}

/** The fiber body of one listener: wait, drain, handle, until closed and empty. */
export const listenerLoop = (entry: ListenerEntry, handler: Handler): Effect.Effect<void> => {
  const { mailbox } = entry
  const handle: Effect.Effect<void> = Effect.suspend(() => {
    entry.next()
    if (handler._tag === "Effect") return runEffectBatch(entry, handler.run)
    const { acks, errors } = runSyncBatch(entry, handler.run)
    if (errors === undefined) return Effect.sync(() => settleAll(acks))
    return Effect.ensuring(
      Effect.forEach(errors, (error) => logFailure(entry, Cause.die(error)), { discard: true }),
      Effect.sync(() => settleAll(acks))
    )
  })
  const step = Effect.suspend(() => {
    const drops = mailbox.dropped - entry.reportedDrops
    if (drops === 0) return handle
    entry.reportedDrops = mailbox.dropped
    return Effect.andThen(logDrops(entry, drops), handle)
  })
  return Effect.whileLoop({
    while: () => !mailbox.isClosed || mailbox.size > 0,
    body: () => Effect.andThen(mailbox.awaitMessages, step),
    step: () => {}
  })
}

export const register = (
  state: BusState,
  event: string,
  handler: Handler,
  options: ListenerOptions
): Effect.Effect<void, never, Scope.Scope> =>
  Effect.gen(function*() {
    const scope = yield* Effect.scope
    const entry = new ListenerEntry(event, options)
    yield* Scope.addFinalizer(scope, Effect.sync(() => {
      state.remove(entry)
      entry.release()
    }))
    state.add(entry)
    yield* Effect.forkIn(listenerLoop(entry, handler), scope, { startImmediately: true })
  })
