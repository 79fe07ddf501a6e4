/**
 * Sockets across nodes: the `SocketServer` the application's layers see in cluster
 * mode is the node's own, with `publish` and `broadcast` also relayed to every other
 * node (Redis pub/sub channel `<prefix>:sockets`, tagged with the origin node), and
 * `push(sid)` to a session of another node sent on that node's channel
 * (`<prefix>:sockets:<node>`), found in a directory of sessions in Redis
 * (`<prefix>:sid:<sid>` → node, with a TTL that this node refreshes while the
 * session lives). No sticky sessions are needed: a client may connect anywhere.
 *
 * @internal
 */
import { Bus, SocketServer } from "@specter-runtime/server"
import { Effect, Queue, Schedule } from "effect"
import { Redis } from "effect/persistence"

export interface RelayOptions {
  readonly prefix: string
  readonly node: string
}

type Message =
  | { readonly o: string; readonly t: "publish"; readonly topic: string; readonly event: string; readonly payload: unknown }
  | { readonly o: string; readonly t: "broadcast"; readonly event: string; readonly payload: unknown }
  | { readonly o: string; readonly t: "push"; readonly sid: string; readonly event: string; readonly payload: unknown }

const TTL_MS = 30_000

/** The relaying `SocketServer` over the node's own one in context. */
export const make = (options: RelayOptions) =>
  Effect.gen(function*() {
    const local = yield* SocketServer.SocketServer
    const redis = yield* Redis.Redis
    const all = `${options.prefix}:sockets`
    const mine = `${options.prefix}:sockets:${options.node}`
    const sidKey = (sid: string) => `${options.prefix}:sid:${sid}`
    const send = (channel: string, message: Message) =>
      Effect.ignore(redis.send("PUBLISH", channel, JSON.stringify(message)), { log: "Warn" })

    const deliver = (raw: string) => {
      const message = JSON.parse(raw) as Message
      if (message.o === options.node) return Effect.void
      switch (message.t) {
        case "publish":
          return local.publish(message.topic, message.event, message.payload)
        case "broadcast":
          return local.broadcast(message.event, message.payload)
        case "push":
          return local.push(message.sid, message.event, message.payload)
      }
    }
    for (const channel of [all, mine]) {
      const messages = yield* redis.subscribe(channel)
      yield* Effect.forkScoped(Effect.forever(Effect.flatMap(Queue.take(messages), (m) => Effect.ignore(deliver(m.message)))).pipe(Effect.ignore))
    }

    // The directory: each session of this node, refreshed well within its TTL.
    const register = (sid: string) => Effect.ignore(redis.send("SET", sidKey(sid), options.node, "PX", String(TTL_MS)))
    yield* Bus.on(SocketServer.Connected, ({ sid }) => void Effect.runFork(register(sid)))
    yield* Bus.on(SocketServer.Disconnected, ({ sid }) => void Effect.runFork(Effect.ignore(redis.send("DEL", sidKey(sid)))))
    yield* Effect.forEach(local.sessions(), (s) => register(s.sid), { discard: true }).pipe(
      Effect.repeat(Schedule.spaced(TTL_MS / 3)),
      Effect.forkScoped
    )

    return SocketServer.SocketServer.of({
      ...local,
      publish: (topic, event, payload) =>
        Effect.tap(local.publish(topic, event, payload), () => send(all, { o: options.node, t: "publish", topic, event, payload })),
      broadcast: (event, payload) =>
        Effect.tap(local.broadcast(event, payload), () => send(all, { o: options.node, t: "broadcast", event, payload })),
      push: (sid, event, payload) =>
        Effect.flatMap(local.push(sid, event, payload), (here) => {
          if (here) return Effect.succeed(true)
          return Effect.flatMap(Effect.orElseSucceed(redis.send<string | null>("GET", sidKey(sid)), () => null), (node) =>
            node === null || node === options.node
              ? Effect.succeed(false)
              : Effect.as(send(`${options.prefix}:sockets:${node}`, { o: options.node, t: "push", sid, event, payload }), true))
        })
    })
  })
