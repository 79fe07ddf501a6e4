// The page: items and the clock live over the Specter socket, through the client
// package, which the server hands out as browser modules.
import { connect } from "/specter/client/index.ts"

const $ = (id) => document.getElementById(id)
const client = connect(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`, { route: location.pathname })

client.onStatus((status) => { $("status").textContent = status })
client.join("items")

const cell = (text) => {
  const td = document.createElement("td")
  td.textContent = text
  return td
}

const render = (items) => {
  const rows = items.map((item) => {
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

client.on("items:changed", ({ items }) => render(items))
client.on("clock:tick", ({ now, ticks }) => {
  $("clock").textContent = new Date(now).toLocaleTimeString()
  $("ticks").textContent = String(ticks)
})

fetch("/api/items").then((res) => res.json()).then(({ items }) => render(items))

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
