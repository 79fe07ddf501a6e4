/**
 * A state every page sees live: its current value pushed to a page as soon as it
 * connects, then every change pushed to every page, as `event`. One fiber handles
 * both in the order they happen, so a page's first value can never overtake a
 * newer one (no lock needed: the snapshot is read when its turn comes, and any
 * change after it is broadcast after it).
 */
import { Bus, SocketServer } from "@specter/server"
import { Effect, Stream, SubscriptionRef } from "effect"

export const live = <A>(event: string, state: SubscriptionRef.SubscriptionRef<A>) =>
  Effect.gen(function*() {
    const sockets = yield* SocketServer.SocketServer
    const connects = yield* Bus.subscribe(SocketServer.Connected)
    const pushes: Stream.Stream<Effect.Effect<unknown>> = Stream.merge(
      Stream.map(Stream.drop(SubscriptionRef.changes(state), 1), (value) => sockets.broadcast(event, value)),
      Stream.map(connects, ({ sid }) => Effect.flatMap(SubscriptionRef.get(state), (value) => sockets.push(sid, event, value)))
    )
    yield* Effect.forkScoped(Stream.runForEach(pushes, Effect.asVoid))
  })
