// The page: items, the clock, the server's load average and a helper process's
// output, live over the Specter socket, through the client package, which the
// server hands out as browser modules.
import { connect } from "/specter/client.js"

const $ = (id) => document.getElementById(id)
const client = connect(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`, { route: location.pathname })

client.onStatus((status) => { $("status").textContent = status.state })

const cell = (text) => {
  const td = document.createElement("td")
  td.textContent = text
  return td
}

// The items by id: the list on every (re)join, then each change as a delta.
const items = new Map()
const render = () => {
  const sorted = [...items.values()].sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1))
  const rows = sorted.map((item) => {
    const tr = document.createElement("tr")
    tr.append(cell(item.name), cell(String(item.quantity)), cell(item.active ? "yes" : "no"), cell(item.tags.join(", ")))
    return tr
  })
  if (rows.length === 0) {
    const tr = document.createElement("tr")
    const td = cell("No items yet.")
    td.colSpan = 4
    tr.append(td)
    rows.push(tr)
  }
  $("items").replaceChildren(...rows)
}

client.on("items:snapshot", ({ items: list }) => {
  items.clear()
  for (const item of list) items.set(item.id, item)
  render()
})
client.on("items:added", (item) => { items.set(item.id, item); render() })
client.on("items:removed", ({ id }) => { items.delete(id); render() })
// Join on every (re)connect: the server answers with the whole list, then pushes each change.
client.onStatus((status) => { if (status.state === "open") client.emit("items:join").catch(() => {}) })
client.on("clock:tick", ({ now, ticks }) => {
  $("clock").textContent = new Date(now).toLocaleTimeString()
  $("ticks").textContent = String(ticks)
})

client.on("system:load", ({ oneMinute }) => { $("load").textContent = oneMinute.toFixed(2) })

// The server sends the recent lines when the page connects (and reconnects), then each new one.
const maxLines = 20
const emptyLines = () => {
  const li = document.createElement("li")
  li.className = "empty"
  li.textContent = "No output yet."
  return li
}
const lineItem = ({ stream, line }) => {
  const li = document.createElement("li")
  li.className = stream
  li.textContent = stream === "stderr" ? `stderr: ${line}` : line
  return li
}
client.on("process:lines", ({ lines }) => {
  const items = lines.slice(-maxLines).map(lineItem)
  $("lines").replaceChildren(...(items.length === 0 ? [emptyLines()] : items))
})
client.on("process:line", (line) => {
  const list = $("lines")
  list.querySelector(".empty")?.remove()
  list.append(lineItem(line))
  while (list.children.length > maxLines) list.firstElementChild.remove()
})

$("add").addEventListener("submit", async (event) => {
  event.preventDefault()
  const form = new FormData(event.target)
  const tags = String(form.get("tags")).split(",").map((t) => t.trim()).filter((t) => t.length > 0)
  try {
    await client.emit("items:add", { name: form.get("name"), quantity: form.get("quantity"), active: form.get("active"), tags })
    $("errors").textContent = ""
    event.target.reset()
  } catch (error) {
    const fields = error.fields ? Object.entries(error.fields).map(([k, v]) => `${k}: ${v}`).join("\n") : ""
    $("errors").textContent = fields || error.message
  }
})
