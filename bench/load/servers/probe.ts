/**
 * The measuring hook each load-bench server installs, the same for all of them:
 * over the IPC channel of its parent, the message `"memory"` runs a full GC (the
 * server runs with `--expose-gc`) and answers `{ memory: process.memoryUsage() }`
 * (bytes). The channel is unreferenced, so it never keeps a server from exiting.
 */
export const install = (): void => {
  const gc = (globalThis as { gc?: () => void }).gc
  process.on("message", (message) => {
    if (message !== "memory") return
    gc?.()
    // A second collection after the event loop turned, for what the first one freed.
    setImmediate(() => {
      gc?.()
      process.send?.({ memory: process.memoryUsage() })
    })
  })
  process.channel?.unref()
}
