/**
 * The items, live over the socket: each change is pushed to topic `items` as a
 * delta (`items:added` with the item, `items:removed` with `{ id }`), and a page
 * that (re)joins gets the whole list once (`items:snapshot` with `{ items }`).
 *
 * Deltas and joins run one at a time on one fiber, in the order they come, and a
 * join answers with the state of the last change pushed: a joining page gets the
 * list, then exactly the changes after it, none twice, none missed. So a push
 * costs the one item that changed, and the whole list is encoded only for a page
 * that joins.
 */
import type { Session, Store } from "@specter-runtime/server"
import { Deferred, Effect, HashMap, Option, Queue, Stream } from "effect"
import { ordered } from "./Inventory.ts"
import type { Item } from "./Item.ts"

/** The topic of the deltas. */
export const topic = "items"

interface Join {
  readonly session: Session
  readonly joined: Deferred.Deferred<number>
}

/**
 * Starts the feed on a fiber of the calling scope; returns `join`, which adds a
 * session to the topic, pushes it the list and succeeds with the number of items.
 */
export const make = (
  items: Store.Keyed<Item, unknown>,
  publish: (event: string, payload: unknown) => Effect.Effect<unknown>
) =>
  Effect.gen(function*() {
    const joins = yield* Queue.unbounded<Join>()
    let current = yield* items.get()
    let first = true
    // The first element is the state when the feed starts (it names every key): not a delta.
    const deltas = Stream.map(items.changes, (change) =>
      Effect.suspend(() => {
        current = change.state
        if (first) return Effect.sync(() => void (first = false))
        return Effect.forEach(change.entries, (id) =>
          Option.match(HashMap.get(change.state, id), {
            onNone: () => publish("items:removed", { id }),
            onSome: (item) => publish("items:added", item)
          }), { discard: true })
      }))
    const greets = Stream.map(Stream.fromQueue(joins), ({ joined, session }) =>
      Effect.gen(function*() {
        yield* session.join(topic)
        const list = ordered(current)
        yield* session.push("items:snapshot", { items: list })
        yield* Deferred.succeed(joined, list.length)
      }))
    yield* Effect.forkScoped(Stream.runForEach(Stream.merge(deltas, greets), (step) => step))
    return {
      join: (session: Session) =>
        Effect.gen(function*() {
          const joined = yield* Deferred.make<number>()
          yield* Queue.offer(joins, { session, joined })
          return { count: yield* Deferred.await(joined) }
        })
    }
  })
