// @ts-check
// The inventory page: items, the clock, the server's load average, a helper
// process and stock reports, live over the Specter socket through the typed
// client (`connect<typeof Api>`, the API of `src/Api.ts`, as a type only), which
// the server hands out as one bundled module (the page's import map points the
// package name at it, so the type checker and the browser read the same import).
import { connect } from "@specter-runtime/client"

/** @typedef {import("@specter-runtime/server").SocketApi.Wire<typeof import("../src/Api.ts").Api>} Wire */
/** @typedef {Wire["pushes"]["items:added"]} Item */
/** @typedef {Wire["pushes"]["process:line"]} OutputLine */

/** @param {string} id */
const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id))

/** @type {import("@specter-runtime/client").SocketClient<typeof import("../src/Api.ts").Api>} */
const client = connect(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`, { route: location.pathname })

/**
 * An element with text or children: `h("td", { class: "num" }, "3")`.
 * @param {string} tag
 * @param {Record<string, string | number>} [attributes]
 * @param {Array<Node | string>} children
 */
const h = (tag, attributes = {}, ...children) => {
  const element = document.createElement(tag)
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value))
  element.append(...children)
  return element
}
/** @param {string} text @param {number} columns */
const emptyRow = (text, columns) => h("tr", {}, h("td", { colspan: columns, class: "empty" }, text))
/** @param {number} ms */
const timeOf = (ms) => new Date(ms).toLocaleTimeString([], { hour12: false })

// The connection banner; everything live is dimmed while the page is not connected.
/** @type {ReturnType<typeof setInterval> | undefined} */
let countdown
/** @param {import("@specter-runtime/client").Status} status */
const showStatus = (status) => {
  clearInterval(countdown)
  const banner = $("banner")
  document.body.classList.toggle("stale", status.state !== "open")
  if (status.state === "open") {
    banner.dataset.state = "connected"
    banner.textContent = "Connected"
  } else if (status.state === "reconnecting") {
    const tick = () => {
      const seconds = Math.max(0, Math.ceil((status.at - Date.now()) / 1000))
      banner.dataset.state = "offline"
      banner.textContent = seconds > 0 ? `Offline · reconnecting in ${seconds} s` : "Offline · reconnecting…"
    }
    tick()
    countdown = setInterval(tick, 250)
  } else if (status.state === "connecting" && status.attempt > 0) {
    banner.dataset.state = "offline"
    banner.textContent = "Offline · reconnecting…"
  } else {
    banner.dataset.state = status.state === "closed" ? "offline" : "connecting"
    banner.textContent = status.state === "closed" ? "Offline" : "Connecting…"
  }
}
client.onStatus(showStatus)
showStatus(client.status)

// Items by id: the whole list on every (re)join, then each change as a delta.
/** @type {Map<string, Item>} */
const items = new Map()
/** @param {Item} item */
const itemRow = (item) => {
  const remove = h("button", { type: "button", class: "remove", "aria-label": `Remove ${item.name}` }, "Remove")
  remove.addEventListener("click", () => removeItem(item))
  return h("tr", { "data-id": item.id },
    h("td", {}, item.name),
    h("td", { class: "num" }, String(item.quantity)),
    h("td", item.active ? {} : { class: "inactive" }, item.active ? "yes" : "no"),
    h("td", {}, ...item.tags.map((tag) => h("span", { class: "tag" }, tag))),
    h("td", {}, timeOf(item.createdAt)),
    h("td", { class: "num" }, remove))
}
const render = () => {
  const sorted = [...items.values()].sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1))
  $("items").replaceChildren(...(sorted.length === 0 ? [emptyRow("No items yet.", 6)] : sorted.map(itemRow)))
  $("count").textContent = `(${sorted.length})`
}
client.on("items:snapshot", ({ items: list }) => {
  items.clear()
  for (const item of list) items.set(item.id, item)
  render()
})
client.on("items:added", (item) => { items.set(item.id, item); render() })
client.on("items:removed", ({ id }) => { items.delete(id); render() })
// Join on every (re)connect: the server answers with the whole list, then pushes each change.
client.onReady(() => { client.emit("items:join").catch(() => undefined) })

/** @param {Item} item */
const removeItem = async (item) => {
  const res = await fetch(`/api/items/${encodeURIComponent(item.id)}`, { method: "DELETE" }).catch(() => undefined)
  if (res === undefined || !res.ok) feedback("failed", `Could not remove ${item.name}${res ? ` (${res.status})` : ": offline"}.`)
  else feedback("sent", `Removed ${item.name}.`)
}

client.on("clock:tick", ({ now, ticks }) => {
  $("clock").textContent = timeOf(now)
  $("ticks").textContent = String(ticks)
})
client.on("system:load", ({ oneMinute }) => { $("load").textContent = oneMinute.toFixed(2) })

// The helper's heartbeats as a table: the recent lines on (re)connect, then each new one.
const maxLines = 10
/** @param {OutputLine} output */
const lineRow = ({ stream, line }) => {
  try {
    const { pid, beat, rss } = JSON.parse(line)
    return h("tr", { class: stream }, h("td", { class: "num" }, String(beat)), h("td", { class: "num" }, String(pid)),
      h("td", { class: "num" }, `${(rss / 1024 / 1024).toFixed(1)} MB`))
  } catch {
    return h("tr", { class: stream }, h("td", { colspan: 3 }, stream === "stderr" ? `stderr: ${line}` : line))
  }
}
client.on("process:lines", ({ lines }) => {
  const rows = lines.slice(-maxLines).reverse().map(lineRow)
  $("lines").replaceChildren(...(rows.length === 0 ? [emptyRow("No output yet.", 3)] : rows))
})
client.on("process:line", (line) => {
  const body = $("lines")
  body.querySelector(".empty")?.closest("tr")?.remove()
  body.prepend(lineRow(line))
  while (body.children.length > maxLines) body.lastElementChild?.remove()
})

// Submitting: queued while offline (the client sends it on reconnect), then sent or failed,
// with each validation message next to its field.
/** @param {"queued" | "sending" | "sent" | "failed" | ""} state @param {string} text */
const feedback = (state, text) => {
  $("feedback").dataset.state = state
  $("feedback").textContent = text
}
const form = /** @type {HTMLFormElement} */ ($("add"))
/** @param {Readonly<Record<string, string>>} fields */
const showFieldErrors = (fields) => {
  for (const label of form.querySelectorAll(".field")) {
    const name = /** @type {HTMLElement} */ (label).dataset.field ?? ""
    label.classList.toggle("invalid", name in fields)
    $(`error-${name}`).textContent = fields[name] ?? ""
  }
}
form.addEventListener("submit", async (event) => {
  event.preventDefault()
  const data = new FormData(form)
  const name = String(data.get("name") ?? "")
  const tags = String(data.get("tags") ?? "").split(",").map((t) => t.trim()).filter((t) => t.length > 0)
  showFieldErrors({})
  feedback(client.status.state === "open" ? "sending" : "queued",
    client.status.state === "open" ? `Sending ${name}…` : `Queued: ${name} will be sent when the connection is back.`)
  try {
    // The wire form of the payload: the server validates and coerces it ("3" → 3, "yes" → true).
    const payload = /** @type {Wire["events"]["items:add"]["payload"]} */ (/** @type {unknown} */ ({
      name, quantity: String(data.get("quantity") ?? ""), active: String(data.get("active") ?? "yes"), tags
    }))
    const item = await client.emit("items:add", payload)
    feedback("sent", `Added ${item.name} (${item.quantity}).`)
    form.reset()
  } catch (error) {
    const { fields, message } = /** @type {{ fields?: Readonly<Record<string, string>>, message: string }} */ (error)
    if (fields) showFieldErrors(fields)
    feedback("failed", fields ? "Not added: check the fields marked above." : `Not added: ${message}.`)
  }
})

// Stock reports: a queued job whose progress the server pushes.
$("run-report").addEventListener("click", () => {
  client.emit("reports:run").catch((error) => { $("report").textContent = `failed: ${error.message}` })
})
client.on("reports:job", ({ id, state, percent, message }) => {
  const bar = h("span", { class: "bar" }, h("span", { style: `width: ${percent}%` }))
  const text = state === "completed" ? `${id}: ${message ?? "done"}` : state === "running" ? `${id}: ${Math.round(percent)} %` : `${id}: ${state}`
  $("report").replaceChildren(...(state === "completed" ? [] : [bar]), text)
})
