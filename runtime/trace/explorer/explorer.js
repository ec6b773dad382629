// runtime/trace/explorer/explorer.js: the loop explorer's script (trace_html.cpp embeds it).
//
// asyncio: what it replays is BaseEventLoop._run_once, one iteration, one phase at a time, as
//          looplab's step mode prints it live (runtime/observe/step_mode.hpp).
// The models: the browser visualisers of the JavaScript event loop (Loupe), which animate a
//          toy loop; this page steps a recorded real one.
//
// Plain JavaScript, no framework and no build step: the page is one file that must open from
// disk years from now. The data is the JSON in <script id="trace-data"> (its shape is written
// at the top of trace_html_model.cpp); this script only looks things up in it and draws.
//
// State: {lane, it (iteration index), phase (1..6), mark (the task or request whose iterations
// are highlighted, or null)}. Every change goes through select(), which redraws the panels;
// the timeline's bars are rebuilt only when the lane or the highlight changes.
//
// Keys (the page works with the keyboard alone): Left/Right one iteration, Up/Down one phase
// (crossing into the next or previous iteration), Home/End, PageUp/PageDown ten iterations,
// L the next lane, Escape clears the highlight. Tab reaches every task and request button.
//
// #lane=N&it=M&phase=P in the address opens that moment (lanes and iterations count from 0).
// #selftest in the address runs a check of the page on itself and writes its findings as JSON
// into the element #selftest-result (tests/docs/explorer_check.py reads it from Chromium's DOM).
"use strict";

(function () {
  const data = JSON.parse(document.getElementById("trace-data").textContent);
  const app = document.getElementById("app");
  const PHASES = [
    [1, "compute the poll timeout"],
    [2, "poll the selector"],
    [3, "queue I/O callbacks"],
    [4, "queue callbacks from other threads"],
    [5, "queue expired timers"],
    [6, "run the ready callbacks"],
  ];
  const KINDS = {
    poll: "slept in poll",
    io: "ran I/O callbacks",
    timers: "ran timers",
    threads: "took results from other threads",
    callbacks: "ran callbacks",
    idle: "did nothing much",
  };
  const HTTP_PHASES = ["pool wait", "connect", "tls", "send", "first byte", "body"];
  const state = { lane: 0, it: 0, phase: 1, mark: null };

  // ---- small helpers ----
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v);
    }
    for (const c of children) if (c !== null && c !== undefined) node.append(c);
    return node;
  }
  function ms(us) {
    if (us < 0) return "none";
    if (us < 1000) return us.toFixed(us < 10 ? 1 : 0) + " µs";
    if (us < 10e6) return (us / 1000).toFixed(us < 10000 ? 2 : 1) + " ms";
    return (us / 1e6).toFixed(1) + " s";
  }
  function lane() { return data.lanes[state.lane]; }
  function iteration() { return lane().iterations[state.it]; }
  function interestText(bits) {
    return bits === 0 ? "none" : [bits & 1 ? "read" : "", bits & 2 ? "write" : ""].filter(Boolean).join(" + ");
  }
  function plural(n, word) { return n + " " + word + (n === 1 ? "" : "s"); }

  // ---- the frame: drawn once ----
  const laneSelect = el("select", { id: "lane", "aria-label": "run (lane)" });
  data.lanes.forEach((l, k) => laneSelect.append(el("option", { value: k, text: l.title || "run " + (k + 1) })));
  laneSelect.addEventListener("change", () => selectLane(Number(laneSelect.value)));
  const scrubber = el("input", { id: "scrubber", type: "range", min: 0, value: 0, "aria-label": "iteration" });
  scrubber.addEventListener("input", () => select(Number(scrubber.value), 1));
  const legend = el("div", { class: "legend" });
  for (const [k, words] of Object.entries(KINDS)) {
    legend.append(el("span", {}, el("i", { class: "swatch iter k-" + k }), words));
  }
  legend.append(el("span", {}, el("i", { class: "swatch", style: "background: var(--mark)" }), "touched the highlighted task or request"));
  const timeline = el("div", { id: "timeline", role: "listbox", "aria-label": "iterations" });
  const note = el("p", { class: "note", id: "note" });
  const summary = el("p", { id: "summary", "aria-live": "polite" });
  const phasesList = el("ol", { class: "phases", id: "phases" });
  const side = el("div", { id: "side" });
  const tasksBox = el("div", { id: "tasks" });
  const requestsBox = el("div", { id: "requests", class: "requests" });
  app.append(
    el("h1", { text: data.title }),
    el("div", { class: "bar" },
      el("label", { for: "lane", text: "Run:" }), laneSelect,
      el("button", { id: "prev", text: "◀ Prev", title: "previous iteration (Left)", onclick: () => step(-1) }),
      scrubber,
      el("button", { id: "next", text: "Next ▶", title: "next iteration (Right)", onclick: () => step(1) }),
      el("button", { id: "prev-phase", text: "▲ phase", title: "previous phase (Up)", onclick: () => stepPhase(-1) }),
      el("button", { id: "next-phase", text: "▼ phase", title: "next phase (Down)", onclick: () => stepPhase(1) })),
    el("p", { class: "keys" },
      el("kbd", { text: "←" }), " ", el("kbd", { text: "→" }), " one iteration · ",
      el("kbd", { text: "↑" }), " ", el("kbd", { text: "↓" }), " one phase · ",
      el("kbd", { text: "Home" }), " ", el("kbd", { text: "End" }), " · ",
      el("kbd", { text: "PgUp" }), " ", el("kbd", { text: "PgDn" }), " ten · ",
      el("kbd", { text: "L" }), " next run · ",
      el("kbd", { text: "Esc" }), " clear highlight · click a task or request to mark its iterations"),
    note,
    el("h2", { text: "Iterations (bar height: time taken, square-root scale; colour: what the loop did)" }),
    legend, timeline, summary,
    el("div", { class: "grid" },
      el("div", {}, el("h2", { text: "The six phases of this iteration" }), phasesList),
      side),
    el("h2", { text: "Tasks (state at the end of this iteration)" }), tasksBox,
    el("h2", { text: "HTTP requests (bars: their phases; the black line: this iteration)" }), requestsBox);

  // ---- the timeline ----
  function drawTimeline() {
    const its = lane().iterations;
    const maxD = its.reduce((m, i) => Math.max(m, i.d), 1);
    const width = Math.max(4, Math.min(28, Math.floor(1400 / Math.max(1, its.length))));
    const marked = markedIterations();
    timeline.replaceChildren();
    its.forEach((it, k) => {
      const bar = el("button", {
        class: "iter k-" + it.k + (marked.has(k) ? " touched" : ""),
        "data-index": k, role: "option", tabindex: -1,
        title: "iteration " + it.n + ": " + ms(it.d) + ", " + KINDS[it.k],
        style: "width:" + width + "px;height:" + Math.round(4 + 112 * Math.sqrt(it.d / maxD)) + "px",
        onclick: () => select(k, 1),
      });
      timeline.append(bar);
    });
    scrubber.max = Math.max(0, its.length - 1);
    note.textContent = lane().note || "";
    note.hidden = !lane().note;
  }
  function markedIterations() {
    if (!state.mark) return new Set();
    const list = state.mark.kind === "task" ? lane().tasks : lane().requests;
    const found = list.find((x) => x.id === state.mark.id);
    return new Set(found ? found.its : []);
  }

  // ---- the selected iteration's phases ----
  function phaseItems(it, number) {
    const p = (it.phases || []).find((x) => x[0] === number);
    return p ? { moved: p[1], items: p[2] ? p[2].split("\n") : [] } : { moved: 0, items: [] };
  }
  function why(it) {
    if (!it.state) return "";
    const [ready, timers, next] = it.state;
    if (ready > 0) return plural(ready, "callback") + " already ready: the poll must not block";
    if (timers > 0 && next >= 0) return "nothing ready; the nearest of " + plural(timers, "timer") + " is due in " + ms(next) + ": block until then";
    return "nothing ready and no timer: block until I/O or another thread wakes the loop";
  }
  function drawPhases(it) {
    phasesList.replaceChildren();
    for (const [number, title] of PHASES) {
      const li = el("li", { class: number === state.phase ? "current" : "", "data-phase": number });
      li.append(el("div", { class: "phase-title", text: number + ". " + title }));
      const items = el("ul", { class: "items" });
      if (!it.phases) {
        items.append(el("li", { class: "dim", text: "(summarised: see the note above)" }));
      } else if (number === 1) {
        const timeout = it.poll ? it.poll[0] : -1;
        items.append(el("li", { text: "timeout " + (timeout < 0 ? "forever" : ms(timeout)) + ": " + why(it) }));
      } else if (number === 2) {
        const got = phaseItems(it, 2);
        items.append(el("li", { text: it.poll ? "blocked " + ms(it.poll[1]) + ", " + plural(it.poll[2], "fd") + " ready" : "no poll recorded" }));
        got.items.forEach((x) => items.append(el("li", { text: x })));
      } else if (number <= 5) {
        const got = phaseItems(it, number);
        if (got.moved === 0) items.append(el("li", { class: "dim", text: "nothing" }));
        else items.append(el("li", { text: plural(got.moved, "callback") + " joined the ready queue" }));
        got.items.forEach((x) => items.append(el("li", { text: x })));
      } else {
        if (it.cbn === 0) items.append(el("li", { class: "dim", text: "no callback ran" }));
        for (const [words, where, task, d] of it.cb) {
          const owner = task ? lane().tasks.find((t) => t.id === task) : null;
          items.append(el("li", {},
            words + " (" + ms(d) + ")",
            owner ? el("span", { class: "dim", text: " · task '" + owner.name + "'" }) : null,
            where ? el("span", { class: "where", text: " · " + where }) : null));
        }
        if (it.cbn > it.cb.length) items.append(el("li", { class: "dim", text: "and " + (it.cbn - it.cb.length) + " more" }));
      }
      li.append(items);
      phasesList.append(li);
    }
  }

  // ---- the side panels: ready queue, timer heap, selector, executor ----
  function selectorAt(k) {
    const fds = new Map();
    const its = lane().iterations;
    for (let i = 0; i <= k; i++) {
      for (const [fd, , now] of its[i].interest || []) {
        if (now === 0) fds.delete(fd);
        else fds.set(fd, now);
      }
    }
    return fds;
  }
  function drawSide(it) {
    side.replaceChildren();
    side.append(el("h2", { text: "Ready queue" }));
    if (it.state) {
      const moved = [3, 4, 5].map((n) => phaseItems(it, n).moved);
      const byPhase = [it.state[0]];
      for (const m of moved) byPhase.push(byPhase[byPhase.length - 1] + m);
      side.append(el("p", { id: "ready-queue", text: "at phase 1: " + byPhase[0] + " · after 3: " + byPhase[1] + " · after 4: " + byPhase[2] + " · after 5: " + byPhase[3] + " · phase 6 ran " + it.cbn }));
      side.append(el("h2", { text: "Timer heap" }));
      side.append(el("p", { id: "timer-heap", text: plural(it.state[1], "timer") + "; next deadline: " + (it.state[2] < 0 ? "none" : "in " + ms(it.state[2])) }));
    } else {
      side.append(el("p", { class: "dim", text: "(summarised)" }));
    }
    side.append(el("h2", { text: "Selector: registered fds and interest" }));
    const fds = selectorAt(state.it);
    const changed = new Map((it.interest || []).map(([fd, before, now]) => [fd, [before, now]]));
    const list = el("ul", { class: "items", id: "selector" });
    if (it.state) list.append(el("li", { text: plural(it.state[3], "fd") + " registered at phase 1" }));
    for (const [fd, bits] of [...fds.entries()].sort((a, b) => a[0] - b[0])) {
      const c = changed.get(fd);
      list.append(el("li", { text: "fd " + fd + ": " + interestText(bits) + (c ? " (changed here from " + interestText(c[0]) + ")" : "") }));
    }
    for (const [fd, [before, now]] of changed) {
      if (now === 0) list.append(el("li", { text: "fd " + fd + ": unregistered here (was " + interestText(before) + ")" }));
    }
    side.append(list);
    drawExecutor(it);
  }
  function drawExecutor(it) {
    const l = lane();
    if (!l.items.length) return;
    side.append(el("h2", { text: "Executor: workers and queue" }));
    const from = it.t;
    const to = it.t + it.d;
    const list = el("ul", { class: "items", id: "executor" });
    for (const w of l.workers) {
      const busy = l.items.find((x) => x.worker === w && x.start >= 0 && x.start <= to && x.start + x.d >= from);
      list.append(el("li", { text: w + ": " + (busy ? "running item " + busy.id + " (" + ms(busy.d) + ")" : "idle") }));
    }
    const queued = l.items.filter((x) => x.queued >= 0 && x.queued <= to && (x.start < 0 || x.start > to));
    list.append(el("li", { text: "queue: " + (queued.length ? queued.map((x) => "item " + x.id).join(", ") : "empty") }));
    side.append(list);
  }

  // ---- tasks and requests ----
  function taskState(task, k) {
    let last = null;
    let ran = false;
    for (const e of task.events) {
      if (e[1] > k) break;
      last = e;
      if (e[1] === k && e[2] === "step") ran = true;
    }
    if (!last) return { text: "not created yet", ran: false, absent: true };
    const text = {
      created: "created: its first step is queued",
      step: "scheduled again (yielded)",
      wait: "waiting: " + last[3],
      done: "done: " + last[3],
    }[last[2]];
    return { text, ran, absent: false };
  }
  function markButton(kind, item, label) {
    const on = state.mark && state.mark.kind === kind && state.mark.id === item.id;
    return el("button", {
      class: kind, "data-id": item.id, "aria-pressed": on ? "true" : "false",
      title: "highlight the iterations that touched it", text: label,
      onclick: () => toggleMark(kind, item.id),
    });
  }
  function drawTasks() {
    const l = lane();
    tasksBox.replaceChildren();
    if (!l.tasks.length) {
      tasksBox.append(el("p", { class: "dim", text: "no task in this run" }));
      return;
    }
    const table = el("table", {}, el("tr", {}, el("th", { text: "task" }), el("th", { text: "state" }), el("th", { text: "created at" })));
    for (const t of l.tasks) {
      const s = taskState(t, state.it);
      const marked = state.mark && state.mark.kind === "task" && state.mark.id === t.id;
      table.append(el("tr", { class: [s.ran ? "ran" : "", s.absent ? "absent" : "", marked ? "highlighted" : ""].join(" ").trim() },
        el("td", {}, markButton("task", t, t.name)),
        el("td", { text: (s.ran ? "ran this iteration; now " : "") + s.text }),
        el("td", { class: "where", text: t.where })));
    }
    tasksBox.append(table);
  }
  function drawRequests(it) {
    const l = lane();
    requestsBox.replaceChildren();
    if (!l.requests.length) {
      requestsBox.append(el("p", { class: "dim", text: "no HTTP request in this run" }));
      return;
    }
    const last = l.iterations.length ? l.iterations[l.iterations.length - 1] : { t: 0, d: 1 };
    const span = l.requests.reduce((m, r) => Math.max(m, r.t + r.d), Math.max(1, last.t + last.d));
    const pct = (t) => (100 * Math.max(0, t) / span).toFixed(3) + "%";
    for (const r of l.requests) {
      const marked = state.mark && state.mark.kind === "request" && state.mark.id === r.id;
      const track = el("div", { class: "track", "aria-hidden": "true" });
      for (const [name, t, d, detail] of r.phases) {
        const cls = HTTP_PHASES.includes(name) ? "p-" + name.replace(/ /g, "-") : "p-other";
        track.append(el("div", { class: "seg " + cls, style: "left:" + pct(t) + ";width:" + pct(d), title: name + " " + ms(d) + (detail ? " (" + detail + ")" : "") }));
      }
      track.append(el("div", { class: "cursor", style: "left:" + pct(it.t) }));
      const phases = r.phases.map(([name, , d]) => name + " " + ms(d)).join(", ");
      requestsBox.append(el("div", { class: "row" + (marked ? " highlighted" : "") },
        el("div", { class: "label" }, markButton("request", r, r.name + (r.detail ? " → " + r.detail : "")),
          el("span", { class: "dim", text: phases })),
        track));
    }
  }

  // ---- selection and keys ----
  function select(k, phase) {
    const its = lane().iterations;
    if (!its.length) {
      summary.textContent = "No loop iteration was recorded in this run (it used no event loop, or the loop never ran while tracing).";
      app.dataset.lane = state.lane;
      app.dataset.iteration = -1;
      phasesList.replaceChildren();
      side.replaceChildren();
      drawTasks();
      drawRequests({ t: -1, d: 0 });
      return;
    }
    state.it = Math.max(0, Math.min(its.length - 1, k));
    state.phase = phase;
    const it = iteration();
    for (const b of timeline.querySelectorAll(".iter.selected")) b.classList.remove("selected");
    const bar = timeline.children[state.it];
    bar.classList.add("selected");
    bar.setAttribute("aria-selected", "true");
    if (bar.scrollIntoView) bar.scrollIntoView({ block: "nearest", inline: "nearest" });
    scrubber.value = state.it;
    app.dataset.lane = state.lane;
    app.dataset.iteration = state.it;
    app.dataset.phase = state.phase;
    summary.textContent = "Iteration " + it.n + " (" + (state.it + 1) + " of " + its.length + ") at " + ms(it.t) +
      ": took " + ms(it.d) + ", " + KINDS[it.k] + (it.poll ? "; blocked in poll " + ms(it.poll[1]) : "") + ".";
    drawPhases(it);
    drawSide(it);
    drawTasks();
    drawRequests(it);
  }
  function selectLane(k) {
    state.lane = k;
    state.mark = null;
    laneSelect.value = k;
    drawTimeline();
    select(0, 1);
  }
  function step(delta) { select(state.it + delta, 1); }
  function stepPhase(delta) {
    const next = state.phase + delta;
    if (next > 6 && state.it + 1 < lane().iterations.length) select(state.it + 1, 1);
    else if (next < 1 && state.it > 0) select(state.it - 1, 6);
    else select(state.it, Math.max(1, Math.min(6, next)));
  }
  function toggleMark(kind, id) {
    const same = state.mark && state.mark.kind === kind && state.mark.id === id;
    state.mark = same ? null : { kind, id };
    drawTimeline();
    select(state.it, state.phase);
    const again = app.querySelector("." + kind + "[data-id='" + id + "']");
    if (again) again.focus();
  }
  document.addEventListener("keydown", (e) => {
    if (e.target && (e.target.tagName === "SELECT" || e.target.tagName === "INPUT") && e.key !== "Escape") return;
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const actions = {
      ArrowRight: () => step(1), ArrowLeft: () => step(-1),
      ArrowDown: () => stepPhase(1), ArrowUp: () => stepPhase(-1),
      Home: () => select(0, 1), End: () => select(lane().iterations.length - 1, 1),
      PageDown: () => step(10), PageUp: () => step(-10),
      l: () => selectLane((state.lane + 1) % data.lanes.length),
      L: () => selectLane((state.lane + 1) % data.lanes.length),
      Escape: () => { if (state.mark) toggleMark(state.mark.kind, state.mark.id); },
    };
    if (actions[e.key]) {
      e.preventDefault();
      actions[e.key]();
    }
  });

  // ---- the self-check (tests/docs/explorer_check.py) ----
  function key(name) { document.dispatchEvent(new KeyboardEvent("keydown", { key: name, bubbles: true })); }
  function selftest() {
    const result = { lanes: [], resources: performance.getEntriesByType("resource").length };
    data.lanes.forEach((l, k) => {
      selectLane(k);
      const ids = (cls) => [...app.querySelectorAll("button." + cls)].map((b) => Number(b.dataset.id));
      const entry = {
        title: l.title,
        iterations: timeline.querySelectorAll(".iter").length,
        tasks: ids("task"),
        requests: ids("request"),
        start: Number(app.dataset.iteration),
      };
      key("ArrowRight");
      entry.forward = Number(app.dataset.iteration);
      key("ArrowLeft");
      entry.back = Number(app.dataset.iteration);
      key("ArrowDown");
      entry.phase = Number(app.dataset.phase);
      const firstTask = app.querySelector("button.task");
      if (firstTask) {
        firstTask.click();
        entry.marked = timeline.querySelectorAll(".iter.touched").length;
        key("Escape");
      }
      result.lanes.push(entry);
    });
    selectLane(0);
    document.body.append(el("pre", { id: "selftest-result", text: JSON.stringify(result) }));
  }

  // The address may name a moment: page.html#lane=3&it=5&phase=2 (the course links to some).
  // Without it the page opens on the last run that has loop iterations: looplab's demos run
  // their best way last (compare's native ClientSession, url-bars' concurrent fetch).
  function start() {
    const hash = new URLSearchParams(location.hash.slice(1));
    let first = -1;
    data.lanes.forEach((l, k) => { if (l.iterations.length) first = k; });
    const laneK = hash.has("lane") ? Number(hash.get("lane")) : Math.max(0, first);
    selectLane(Math.max(0, Math.min(data.lanes.length - 1, laneK || 0)));
    if (hash.has("it")) select(Number(hash.get("it")) || 0, Math.max(1, Math.min(6, Number(hash.get("phase")) || 1)));
    if (hash.has("selftest")) selftest();
  }
  if (data.lanes.length) start();
})();
