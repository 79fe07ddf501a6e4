/**
 * Values every page sees live: what a page needs now, pushed as soon as it
 * connects, then every update, pushed to every page. One fiber runs both in the
 * order they happen, so a page's first value can never overtake a newer one (no
 * lock needed: the snapshot is read when its turn comes, and any update after it
 * is pushed after it).
 */
import { Bus, SocketServer } from "@specter-runtime/server"
import { Effect, Stream, SubscriptionRef } from "effect"

/**
 * Runs each effect of `updates` and, for every page that connects, `greet(sid)`,
 * one at a time on a fiber of the calling scope, in the order they come.
 */
export const inOrder = <R>(updates: Stream.Stream<Effect.Effect<unknown>, never, R>, greet: (sid: string) => Effect.Effect<unknown>) =>
  Effect.gen(function*() {
    const connects = yield* Bus.subscribe(SocketServer.Connected)
    const steps: Stream.Stream<Effect.Effect<unknown>, never, R> = Stream.merge(updates, Stream.map(connects, ({ sid }) => greet(sid)))
    yield* Effect.forkScoped(Stream.runForEach(steps, Effect.asVoid))
  })

/** `state` pushed as `event`: its value to a page that connects, and every change to every page. */
export const live = <A>(event: string, state: SubscriptionRef.SubscriptionRef<A>) =>
  SocketServer.SocketServer.use((sockets) =>
    inOrder(
      Stream.map(Stream.drop(SubscriptionRef.changes(state), 1), (value) => sockets.broadcast(event, value)),
      (sid) => Effect.flatMap(SubscriptionRef.get(state), (value) => sockets.push(sid, event, value))
    ))
