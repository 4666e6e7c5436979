// The live page: requests in flight and CLI processes, pushed over /ws/activity/.
(function () {
  const STATES = { starting: "starting", answering: "answering", waiting_for_tool_result: "waiting for a tool result", idle: "idle", spare: "warm spare" };
  const inFlight = new Map();
  // Every instance's processes, as each last pushed them (several instances over Redis).
  const processesOf = new Map();
  const received = new Map();  // instance -> when its processes (and their idle_seconds) arrived

  function ago(iso) {
    const seconds = Math.max(0, Math.round((Date.now() - new Date(iso)) / 1000));
    if (seconds < 60) return `${seconds} s ago`;
    if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
    return `${Math.floor(seconds / 3600)} h ago`;
  }
  function duration(seconds) {
    return seconds < 60 ? `${seconds} s` : seconds < 3600 ? `${Math.floor(seconds / 60)} min ${seconds % 60} s` : `${Math.floor(seconds / 3600)} h`;
  }
  function cell(row, content, className) {
    const td = document.createElement("td");
    if (content instanceof Node) td.appendChild(content); else td.textContent = content ?? "";
    if (className) td.className = className;
    row.appendChild(td);
    return td;
  }
  function timeCell(row, iso) {
    const td = cell(row, ago(iso), "time");
    td.dataset.at = iso;
    td.title = new Date(iso).toLocaleString();
  }
  function render() {
    const body = document.querySelector("#in-flight tbody");
    body.replaceChildren();
    for (const r of inFlight.values()) {
      const row = document.createElement("tr");
      row.dataset.requestId = r.request_id;
      cell(row, r.request_id);
      cell(row, r.wire_format_label, "wire-format");
      [r.instance, r.endpoint, r.model, String(r.stream), r.event].forEach(v => cell(row, v));
      timeCell(row, r.since || r.at);
      body.appendChild(row);
    }
    document.getElementById("in-flight-count").textContent = inFlight.size;
  }
  function renderProcesses() {
    const body = document.querySelector("#processes tbody");
    body.replaceChildren();
    const processes = [];
    for (const [instance, listed] of processesOf) {
      const elapsed = Math.round((Date.now() - received.get(instance)) / 1000);
      listed.forEach(p => processes.push({ ...p, instance, elapsed }));
    }
    for (const p of processes) {
      const elapsed = p.elapsed;
      const row = document.createElement("tr");
      row.dataset.instance = p.instance;
      row.className = "process-" + p.state;
      let conversation = p.conversation_id === null ? "" : `#${p.conversation_id}`;
      if (p.conversation) {
        conversation = document.createElement("a");
        conversation.href = p.conversation.url;
        conversation.textContent = p.conversation.title;
      }
      cell(row, conversation, "conversation");
      cell(row, p.instance, "instance");
      const state = document.createElement("span");
      state.className = "state state-" + p.state;
      state.textContent = STATES[p.state] || p.state;
      cell(row, state, "state-cell");
      cell(row, p.rss_mb === null ? "" : `${Math.round(p.rss_mb)} MB`, "number memory");
      cell(row, p.idle_seconds === null ? "" : duration(p.idle_seconds + elapsed), "number");
      cell(row, p.tool_calls.length ? `${p.tool_calls.map(c => c.name).join(", ")} since ${ago(p.waiting_since)}` : "");
      cell(row, p.claude_session_id || "not yet", "session");
      body.appendChild(row);
    }
    document.getElementById("process-count").textContent = processes.length;
    const memory = processes.reduce((sum, p) => sum + (p.rss_mb || 0), 0);
    document.getElementById("process-memory").textContent = `${Math.round(memory)} MB`;
  }
  const WINDOW_STATES = { allowed: "allowed", allowed_warning: "warning", rejected: "refused" };
  function renderUsage(windows) {
    const body = document.querySelector("#usage-windows tbody");
    body.replaceChildren();
    for (const w of windows) {
      const row = document.createElement("tr");
      row.dataset.window = w.window;
      row.dataset.login = w.login;
      cell(row, w.login, "login");
      cell(row, w.label);
      cell(row, w.utilization === null ? "" : `${Math.round(w.utilization * 1000) / 10} %`, "number used");
      const state = document.createElement("span");
      state.className = "state status-" + w.status;
      state.textContent = WINDOW_STATES[w.status] || w.status;
      cell(row, state, "state-cell");
      cell(row, w.resets_at ? `${new Date(w.resets_at).toLocaleString()}${w.has_reset ? " (passed)" : ""}` : "", "resets");
      body.appendChild(row);
    }
  }
  function tick() {
    document.querySelectorAll("td.time").forEach(td => { td.textContent = ago(td.dataset.at); });
    renderProcesses();
  }

  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${location.host}/ws/activity/`);
  socket.onopen = () => { document.getElementById("connection").textContent = "Live"; };
  socket.onclose = () => { document.getElementById("connection").textContent = "Disconnected"; };
  socket.onmessage = (message) => {
    const data = JSON.parse(message.data);
    if (data.processes) {
      processesOf.set(data.instance, data.processes);
      received.set(data.instance, Date.now());
    }
    renderProcesses();
    if (data.usage) renderUsage(data.usage);
    if (data.event === "processes") return;
    if (data.event === "snapshot") {
      data.in_flight.forEach(r => inFlight.set(r.request_id, { ...r, since: r.at }));
    } else {
      if (data.event === "end" || data.event === "error") inFlight.delete(data.request_id);
      else inFlight.set(data.request_id, { ...data, since: inFlight.get(data.request_id)?.since || data.at });
      const item = document.createElement("li");
      item.className = "event event-" + data.event;
      item.dataset.requestId = data.request_id;
      const time = new Date(data.at).toTimeString().slice(0, 8);  // 14:03:07, one word
      item.dataset.wireFormat = data.wire_format;
      item.textContent = `${time} ${data.event} ${data.request_id} ${data.endpoint} (${data.wire_format_label || "-"}) ${data.status ?? ""} ${data.error_type ?? ""}`;
      document.getElementById("events").prepend(item);
    }
    render();
  };
  setInterval(tick, 1000);
})();
