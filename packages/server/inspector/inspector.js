// The Specter inspector page: asks the server for snapshots over the application's
// socket (`_specter:watch`, then a `_specter:snapshot` push every interval) and
// renders them. The token in the page proves to the socket that this page passed
// the inspector's `authorize` hook.
import { connect } from "./client.js"

const $ = (id) => document.getElementById(id)
const meta = (name) => document.querySelector(`meta[name="${name}"]`).content
const token = meta("specter-inspector-token")
const socketUrl = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${meta("specter-socket")}`

/** An element: `h("td", { class: "num" }, "3")`. */
const h = (tag, attributes = {}, ...children) => {
  const element = document.createElement(tag)
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue
    if (key.startsWith("on")) element.addEventListener(key.slice(2), value)
    else element.setAttribute(key, value === true ? "" : String(value))
  }
  element.append(...children.flat().filter((child) => child !== undefined && child !== null).map((c) => (c instanceof Node ? c : String(c))))
  return element
}
const badge = (status) => h("span", { class: `badge ${status}` }, status)
const empty = (text, columns) => (columns ? h("tr", {}, h("td", { colspan: columns, class: "empty" }, text)) : h("p", { class: "empty" }, text))
const clockTime = (ms) => new Date(ms).toLocaleTimeString([], { hour12: false })

const duration = (ms) => {
  const s = Math.floor(ms / 1000)
  if (s < 60) return `${s} s`
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`
}

const renderServices = (services) => {
  $("services").replaceChildren(...(services.length === 0 ? [empty("No services.", 7)] : services.map((s) =>
    h("tr", { "data-service": s.name },
      h("td", {}, h("b", {}, s.name), s.optional ? h("span", { class: "muted" }, " (optional)") : undefined),
      h("td", {}, badge(s.status)),
      h("td", { class: "num" }, duration(s.uptimeMs)),
      h("td", { class: "num" }, s.fibers),
      h("td", { class: "num" }, s.timers),
      h("td", { class: "num" }, s.listeners),
      h("td", { class: "state", title: s.error ?? s.details ?? "" }, s.error ?? s.details ?? "–")
    ))))
}

const cancel = (queue, id) => client.emit("_specter:cancel", { token, queue, id }).catch((error) => showError(error))

const jobRow = (queue, job) =>
  h("tr", { "data-job": job.id },
    h("td", { class: "mono" }, job.id),
    h("td", {}, badge(job.state)),
    h("td", {},
      h("div", { class: `bar ${job.state}`, role: "progressbar", "aria-valuemin": 0, "aria-valuemax": 100, "aria-valuenow": Math.round(job.percent) },
        h("span", { style: `width: ${Math.max(0, Math.min(100, job.percent))}%` }))),
    h("td", { class: "num" }, `${Math.round(job.percent)} %`),
    h("td", { class: "state", title: job.reason ?? job.message ?? "" }, job.reason ?? job.message ?? ""),
    h("td", {}, job.state === "queued" || job.state === "running" ? h("button", { type: "button", onclick: () => cancel(queue, job.id) }, "Cancel") : undefined))

const renderQueues = (queues) => {
  $("queues").replaceChildren(...(queues.length === 0 ? [empty("No queues.")] : queues.map((q) =>
    h("div", { class: "queue", "data-queue": q.name },
      h("h3", {}, q.name),
      h("p", { class: "counts" },
        ...[["workers", q.workers], ["queued", q.queued], ["running", q.running], ["completed", q.completed], ["failed", q.failed], ["cancelled", q.cancelled]]
          .map(([label, n]) => h("span", {}, h("b", {}, n), ` ${label}`))),
      h("table", {},
        h("thead", {}, h("tr", {}, ...["Job", "State", "Progress", "", "Message", ""].map((t) => h("th", {}, t)))),
        h("tbody", {}, q.jobs.length === 0 ? empty("No jobs yet.", 6) : q.jobs.map((job) => jobRow(q.name, job))))))))
}

const renderSockets = ({ sessions, topics, events }) => {
  $("sockets").replaceChildren(
    h("h3", {}, `Sessions (${sessions.length})`),
    h("table", {}, h("thead", {}, h("tr", {}, h("th", {}, "Session"), h("th", {}, "Route"), h("th", {}, "Topics"))),
      h("tbody", {}, sessions.length === 0 ? empty("No sessions.", 3) : sessions.map((s) =>
        h("tr", {}, h("td", { class: "mono", title: s.sid }, s.sid.slice(0, 8)), h("td", {}, s.route ?? "–"), h("td", {}, s.topics.join(", ") || "–"))))),
    h("h3", {}, "Topics"),
    h("table", {}, h("tbody", {}, topics.length === 0 ? empty("No topics joined.", 2) : topics.map((t) =>
      h("tr", {}, h("td", {}, t.topic), h("td", { class: "num" }, `${t.sessions} session${t.sessions === 1 ? "" : "s"}`))))),
    h("h3", {}, "Events handled"),
    h("table", {}, h("tbody", {}, events.length === 0 ? empty("No socket events.", 2) : events.map((e) =>
      h("tr", {}, h("td", { class: "mono" }, e.event), h("td", { class: "num" }, `${e.handlers} handler${e.handlers === 1 ? "" : "s"}`)))))
  )
}

const lineList = (lines) =>
  h("ol", { class: "tail lines" }, lines.length === 0 ? h("li", { class: "empty" }, "No output published.") : [...lines].reverse().map((l) =>
    h("li", { class: l.stream }, h("time", {}, clockTime(l.at)), l.line)))

const renderProcesses = (watchers, processes) => {
  $("processes").replaceChildren(
    h("h3", {}, "Watchers"),
    h("table", {}, h("thead", {}, h("tr", {}, ...["Watcher", "Mode", "Status", "Restarts", "Errors", "Last error"].map((t) => h("th", {}, t)))),
      h("tbody", {}, watchers.length === 0 ? empty("No watchers.", 6) : watchers.map((w) =>
        h("tr", { "data-watcher": w.name }, h("td", {}, h("b", {}, w.name)), h("td", {}, w.mode), h("td", {}, badge(w.status)),
          h("td", { class: "num" }, w.restarts), h("td", { class: "num" }, w.errors), h("td", { class: "state" }, w.lastError ?? "–"))))),
    h("h3", {}, "Processes"),
    ...(processes.length === 0 ? [empty("No managed processes.")] : processes.map((p) =>
      h("div", { "data-process": p.name },
        h("table", {}, h("tbody", {}, h("tr", {},
          h("td", {}, h("b", {}, p.name)), h("td", {}, badge(p.status)), h("td", { class: "mono" }, p.pid === undefined ? "" : `pid ${p.pid}`),
          h("td", {}, `${p.restarts} restart${p.restarts === 1 ? "" : "s"}`), h("td", { class: "state" }, p.lastExit ?? "")))),
        lineList(p.lines))))
  )
}

let lastSnapshot
const renderBus = ({ events, traffic }) => {
  const filter = $("bus-filter").value.trim().toLowerCase()
  const match = (text) => filter === "" || text.toLowerCase().includes(filter)
  const shown = events.filter((e) => match(e.event))
  $("bus-events").replaceChildren(...(shown.length === 0 ? [empty("No events.", 4)] : shown.map((e) =>
    h("tr", {}, h("td", { class: "mono" }, e.event), h("td", { class: "num" }, e.subscribers), h("td", { class: "num" }, e.published), h("td", { class: "num" }, e.dropped)))))
  const lines = traffic.filter((t) => match(t.event) || match(t.payload)).slice(-100).reverse()
  $("bus-tail").replaceChildren(...(lines.length === 0 ? [h("li", { class: "empty" }, "No traffic yet.")] : lines.map((t) =>
    h("li", {}, h("time", {}, clockTime(t.at)), h("span", { class: "event" }, t.event), t.payload))))
}

const metricValue = (m) => {
  const s = m.state
  if ("count" in s && "sum" in s) return `${s.count} (sum ${Number(s.sum.toFixed(3))})`
  if ("count" in s) return s.count
  if ("value" in s) return Number(s.value.toFixed(3))
  return Object.entries(s).map(([k, v]) => `${k} ${v}`).join(", ") || "–"
}
// Persistence first; metrics that are all zero are left out (and counted).
const renderMetrics = (metrics) => {
  const nonZero = metrics.filter((m) => Object.values(m.state).some((v) => v !== 0))
  const ordered = nonZero.sort((a, b) => (b.id.includes("persist") - a.id.includes("persist")) || a.id.localeCompare(b.id))
  $("metrics-hidden").textContent = metrics.length > nonZero.length ? `${metrics.length - nonZero.length} at zero not shown` : ""
  $("metrics").replaceChildren(...(ordered.length === 0 ? [empty("No specter_* metrics recorded yet.", 3)] : ordered.map((m) =>
    h("tr", {}, h("td", { class: "mono" }, m.id), h("td", { class: "mono" }, Object.entries(m.attributes).map(([k, v]) => `${k}=${v}`).join(" ") || "–"),
      h("td", { class: "num" }, metricValue(m))))))
}

const render = (snapshot) => {
  lastSnapshot = snapshot
  renderServices(snapshot.services)
  renderQueues(snapshot.queues)
  renderSockets(snapshot.sockets)
  renderProcesses(snapshot.watchers, snapshot.processes)
  renderBus(snapshot.bus)
  renderMetrics(snapshot.metrics)
  $("updated").textContent = `updated ${clockTime(snapshot.at)}`
  $("main").classList.remove("stale")
}

const connection = (state, text) => {
  $("connection").dataset.state = state
  $("connection").textContent = text
}
// A token the server no longer knows (it restarted) needs a fresh page: reload once.
let watched = false
const showError = (error) => {
  if (error?.code === "forbidden" && watched) location.reload()
  else if (error?.code === "forbidden") connection("forbidden", "forbidden: reload the page")
  else console.warn("inspector:", error?.message ?? error)
}

const client = connect(socketUrl, { route: location.pathname })
const watch = () =>
  client.emit("_specter:watch", { token }).then((snapshot) => {
    watched = true
    render(snapshot)
  }, showError)
client.on("_specter:snapshot", render)
client.onReady(() => void watch())
client.onStatus((status) => {
  if (status.state === "open") connection("open", "live")
  else {
    $("main").classList.add("stale")
    if (status.state === "reconnecting") connection("reconnecting", `reconnecting in ${Math.ceil(Math.max(0, status.at - Date.now()) / 1000)} s`)
    else connection(status.state, status.state === "closed" ? "offline" : "connecting…")
  }
})
$("bus-filter").addEventListener("input", () => lastSnapshot && renderBus(lastSnapshot.bus))
