/**
 * `npm run start:cluster`: three nodes of the inventory (`clusterMain.ts`) on ports
 * 3001, 3002 and 3003, against the local Redis and PostgreSQL (override with
 * `SPECTER_REDIS_URL` and `SPECTER_DATABASE_URL`). Each node's output is prefixed
 * with its id; Ctrl-C stops all three (each shuts down cleanly).
 */
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"

const main = fileURLToPath(new URL("./clusterMain.ts", import.meta.url))
const env = {
  SPECTER_REDIS_URL: process.env["SPECTER_REDIS_URL"] ?? "redis://127.0.0.1:6379",
  SPECTER_DATABASE_URL: process.env["SPECTER_DATABASE_URL"] ?? "postgres://postgres@127.0.0.1:5432/postgres",
  SPECTER_CLUSTER_PREFIX: process.env["SPECTER_CLUSTER_PREFIX"] ?? "inventory"
}

const nodes = [1, 2, 3].map((n) => {
  const id = `node-${n}`
  const child = spawn(process.execPath, [...process.execArgv, main], {
    env: { ...process.env, ...env, PORT: String(3000 + n), SPECTER_NODE_ID: id },
    stdio: ["ignore", "pipe", "pipe"]
  })
  for (const stream of [child.stdout, child.stderr]) {
    let rest = ""
    stream.setEncoding("utf8")
    stream.on("data", (chunk: string) => {
      const lines = (rest + chunk).split("\n")
      rest = lines.pop() ?? ""
      for (const line of lines) process.stdout.write(`[${id}] ${line}\n`)
    })
  }
  child.on("exit", (code, signal) => process.stdout.write(`[${id}] exited (${code ?? signal})\n`))
  return child
})

const stop = () => {
  for (const child of nodes) if (child.exitCode === null) child.kill("SIGTERM")
}
process.on("SIGINT", stop)
process.on("SIGTERM", stop)
