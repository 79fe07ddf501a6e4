/**
 * The measuring hook each load-bench server installs, the same for all of them:
 * over the IPC channel of its parent, the message `"memory"` runs a full GC (the
 * server runs with `--expose-gc`) and answers `{ memory: process.memoryUsage() }`
 * (bytes); `"memory:compact"` does the same with V8's last-resort collection,
 * which also shrinks the young generation and returns the pages V8 keeps pooled.
 * The channel is unreferenced, so it never keeps a server from exiting.
 */
type Gc = (options?: { readonly type: "major"; readonly execution: "sync"; readonly flavor: "regular" | "last-resort" }) => void

export const install = (): void => {
  const gc = (globalThis as { gc?: Gc }).gc
  process.on("message", (message) => {
    if (message !== "memory" && message !== "memory:compact") return
    const collect = () => gc?.({ type: "major", execution: "sync", flavor: message === "memory" ? "regular" : "last-resort" })
    collect()
    // A second collection after the event loop turned, for what the first one freed.
    setImmediate(() => {
      collect()
      process.send?.({ memory: process.memoryUsage() })
    })
  })
  process.channel?.unref()
}
