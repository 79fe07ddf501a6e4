/**
 * Issue 12: "With neither URL set, everything works as before on one process" —
 * the same app as the cluster test, started without SPECTER_REDIS_URL and
 * SPECTER_DATABASE_URL.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { eventually, getJson, marks, type NodeProcess, postJson, start } from "./nodes.ts"

let node: NodeProcess

beforeAll(async () => {
  node = await start("alone", { SPECTER_REDIS_URL: undefined, SPECTER_DATABASE_URL: undefined })
  await eventually("the app to be ready", 50_000, async () => ((await fetch(`http://127.0.0.1:${node.port}/health/ready`)).status === 200 ? true : undefined))
}, 60_000)

afterAll(() => void node?.child.kill("SIGKILL"))

describe("without the cluster URLs", () => {
  it("the app runs alone: no cluster service, the singleton runs here, a durable queue runs in memory, a shared store is local", async () => {
    const health = await getJson(node, "/health")
    expect(health.body.services.cluster).toBeUndefined()
    expect((await getJson(node, "/health/cluster")).status).toBe(404)
    await eventually("the singleton to run here", 5_000, async () => (marks(node).some((m) => m.what === "singleton-start") ? true : undefined))
    const { id } = await postJson<{ id: string }>(node, "/jobs", { steps: 2 })
    expect(id).toMatch(/^jobs-[0-9a-z]+$/)
    const done = await eventually("the job to complete", 5_000, async () => {
      const { body } = await getJson(node, `/jobs/${id}`)
      return body.state === "completed" ? body : undefined
    })
    expect(done.attempts).toBe(1)
    await Promise.all(Array.from({ length: 10 }, () => postJson(node, "/increment")))
    expect((await getJson(node, "/counter")).body).toEqual({ value: 10 })
    await postJson(node, "/emit", { n: 1 })
    await eventually("the local listener", 2_000, async () => ((await getJson(node, "/received")).body.length === 1 ? true : undefined))
  }, 30_000)
})
