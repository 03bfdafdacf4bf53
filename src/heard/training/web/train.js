// heard's practice page: talks to /v1/training with the API key kept in sessionStorage.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const KEY = "heard.trainingKey";
  let session = null;        // the running role-play: {id, scenario}
  let pendingTimers = [];    // customer messages still being typed
  let busy = false;

  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    Object.assign(node, props || {});
    for (const child of children) node.append(child);
    return node;
  }

  function showError(text) { $("error").textContent = text || ""; }

  async function api(method, path, body) {
    const key = sessionStorage.getItem(KEY);
    if (!key) throw new Error("Enter your API key first (top right).");
    const response = await fetch(path, {
      method,
      headers: { "Authorization": "Bearer " + key, "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(data.detail || data.title || ("HTTP " + response.status));
    return data;
  }

  // --- tabs and key -------------------------------------------------------------------------
  document.querySelectorAll("[data-tab]").forEach((button) => {
    button.addEventListener("click", () => {
      document.querySelectorAll("[data-tab]").forEach((b) => b.setAttribute("aria-selected", String(b === button)));
      for (const name of ["roleplay", "summary", "progress"]) $("tab-" + name).classList.toggle("hidden", name !== button.dataset.tab);
      if (button.dataset.tab === "progress") loadProgress();
    });
  });
  $("key").addEventListener("submit", (event) => {
    event.preventDefault();
    const value = $("key-input").value.trim();
    if (value) sessionStorage.setItem(KEY, value);
    $("key-input").value = "";
    $("key-input").placeholder = value ? "key saved for this tab" : "hk_…";
    loadLists();
  });

  // --- role-play ----------------------------------------------------------------------------
  async function loadLists() {
    showError("");
    try {
      const scenarios = await api("GET", "/v1/training/scenarios");
      const box = $("scenarios");
      box.replaceChildren();
      for (const s of scenarios) {
        const start = el("button", { className: "primary", textContent: "Start", type: "button" });
        start.addEventListener("click", () => startSession(s.id));
        box.append(el("div", { className: "card" },
          el("h3", { textContent: s.title }),
          el("div", { className: "meta", textContent: `${s.channel} · level ${"●".repeat(s.difficulty)} · ${s.customer}` }),
          el("div", { textContent: s.summary }), start));
      }
      const exercises = await api("GET", "/v1/training/exercises");
      const select = $("exercise");
      select.replaceChildren(...exercises.map((e) => el("option", { value: e.id, textContent: e.title })));
      select.exercises = exercises;
      showExercise();
    } catch (error) { showError(error.message); }
  }

  function addMessage(role, text) {
    const who = role === "customer" ? (session ? session.scenario.customer : "Customer") : "You";
    const node = el("div", { className: "msg " + role }, el("span", { className: "who", textContent: who }), text);
    $("log").append(node);
    $("log").scrollTop = $("log").scrollHeight;
  }

  function showCustomer(messages) {
    let delay = 0;
    for (const message of messages) {
      if (!message.pending) { addMessage("customer", message.text); continue; }
      delay += message.delay_seconds * 1000;
      const typing = el("div", { className: "typing", textContent: session.scenario.customer + " is typing…" });
      $("log").append(typing);
      pendingTimers.push({ timer: setTimeout(() => {
        typing.remove();
        addMessage("customer", message.text);
        pendingTimers = pendingTimers.filter((p) => p.message !== message);
      }, delay), message, typing });
    }
  }

  function setMood(mood) {
    $("mood-label").textContent = `${mood.label} (${Math.round(mood.intensity * 100)}/100)`;
    const bar = $("mood-bar");
    bar.style.width = Math.max(4, mood.intensity * 100) + "%";
    bar.style.background = mood.intensity < 0.35 ? "var(--good)" : mood.intensity < 0.7 ? "var(--warn)" : "var(--bad)";
  }

  async function startSession(id) {
    showError("");
    try {
      const started = await api("POST", "/v1/training/sessions", { scenario_id: id });
      session = { id: started.session_id, scenario: started.scenario, done: false };
      $("choose").classList.add("hidden");
      $("debrief").classList.add("hidden");
      $("play").classList.remove("hidden");
      $("play-title").textContent = started.scenario.title;
      $("brief").textContent = started.scenario.brief;
      $("log").replaceChildren();
      $("feedback").replaceChildren(el("p", { className: "meta", textContent: "Feedback on each of your turns appears here." }));
      setMood(started.mood);
      showCustomer(started.customer);
      $("reply").focus();
    } catch (error) { showError(error.message); }
  }

  function renderFeedback(result) {
    const f = result.feedback;
    const box = el("div", { className: "turn-feedback" }, el("p", { className: "explain", textContent: f.explanation }));
    const list = el("ul", { className: "notes" });
    for (const d of f.did) {
      const bad = ["interruption", "dismissive", "assumption"].includes(d.label);
      list.append(el("li", { className: bad ? "hurt" : "did", textContent: `${d.label}: ${d.note} — “${d.quote}”` }));
    }
    for (const r of f.revealed) list.append(el("li", { className: "did", textContent: "You found out: " + r }));
    for (const m of f.missed) list.append(el("li", { className: "missed", textContent: m }));
    box.append(list);
    $("feedback").prepend(box);
  }

  async function send(event) {
    event.preventDefault();
    const text = $("reply").value.trim();
    if (!text || !session || session.done || busy) return;
    // Replying while the customer is still typing is an interruption: their rest arrives now.
    const interrupted = pendingTimers.length > 0;
    for (const p of pendingTimers) { clearTimeout(p.timer); p.typing.remove(); }
    pendingTimers = [];
    busy = true; $("send").disabled = true;
    addMessage("agent", text);
    $("reply").value = "";
    try {
      const result = await api("POST", `/v1/training/sessions/${session.id}/turns`, { text, interrupted });
      showCustomer(result.customer);
      setMood(result.mood);
      renderFeedback(result);
      if (result.done) { session.done = true; await end(); }
    } catch (error) { showError(error.message); }
    finally { busy = false; $("send").disabled = false; }
  }
  $("composer").addEventListener("submit", send);
  $("reply").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) send(event);
  });

  $("hint").addEventListener("click", async () => {
    if (!session) return;
    try {
      const data = await api("GET", `/v1/training/sessions/${session.id}/hints`);
      const list = el("ul", { className: "notes" }, ...data.hints.slice(0, 3).map((h) => el("li", { textContent: h })));
      $("feedback").prepend(el("div", {}, el("p", { className: "explain", textContent: "Hints" }), list));
    } catch (error) { showError(error.message); }
  });

  async function end() {
    if (!session) return;
    try {
      const ended = await api("POST", `/v1/training/sessions/${session.id}/end`);
      renderDebrief(ended.debrief);
      session = null;
    } catch (error) { showError(error.message); }
  }
  $("end").addEventListener("click", end);

  function renderDebrief(d) {
    const box = $("debrief");
    const score = d.listening_score === null ? "–" : Math.round(d.listening_score);
    const again = el("button", { className: "primary", textContent: "Choose another scenario", type: "button" });
    again.addEventListener("click", () => { box.classList.add("hidden"); $("play").classList.add("hidden"); $("choose").classList.remove("hidden"); });
    const section = (title, items, cls) => items.length ? [el("h4", { textContent: title }), el("ul", { className: "notes" }, ...items.map((t) => el("li", { className: cls || "", textContent: t })))] : [];
    box.replaceChildren(
      el("h2", { className: "outcome-" + d.outcome, textContent: `${d.title}: ${d.outcome} after ${d.agent_turns} turns · listening score ${score}/100` }),
      el("p", { className: "meta", textContent: Object.entries(d.components).map(([k, v]) => `${k.replace("_", " ")} ${v === null ? "–" : Math.round(v)}`).join(" · ") }),
      ...section("What helped", d.helped.map((n) => `“${n.quote}” — ${n.why}`), "did"),
      ...section("What hurt", d.hurt.map((n) => `“${n.quote}” — ${n.why}`), "hurt"),
      ...section("You never found out", d.facts_missed, "missed"),
      ...section("Worries never acknowledged", d.concerns_missed, "missed"),
      el("h4", { textContent: "Practise next: " + d.practise_next.skill }),
      el("p", { textContent: d.practise_next.text + (d.practise_next.example ? ` e.g. “${d.practise_next.example}”` : "") }),
      el("p", { className: "meta", textContent: "What would have resolved it: " + d.resolution }),
      again);
    box.classList.remove("hidden");
  }

  // --- summarising --------------------------------------------------------------------------
  function currentExercise() {
    const select = $("exercise");
    return (select.exercises || []).find((e) => e.id === select.value);
  }
  function showExercise() {
    const exercise = currentExercise();
    if (!exercise) return;
    $("exercise-message").textContent = exercise.message;
    $("exercise-instructions").textContent = `${exercise.instructions} (at most ${exercise.max_words} words)`;
    $("summary-result").classList.add("hidden");
  }
  $("exercise").addEventListener("change", showExercise);
  $("listen").addEventListener("click", () => {
    const exercise = currentExercise();
    if (!exercise || !("speechSynthesis" in window)) { showError("This browser cannot read aloud."); return; }
    speechSynthesis.cancel();
    speechSynthesis.speak(new SpeechSynthesisUtterance(exercise.message));
  });
  $("score").addEventListener("click", async () => {
    const exercise = currentExercise();
    const summary = $("summary").value.trim();
    if (!exercise || !summary) return;
    try {
      const attempt = await api("POST", `/v1/training/exercises/${exercise.id}/attempts`, { summary });
      const r = attempt.result;
      const list = el("ul", { className: "notes" });
      for (const p of r.points) list.append(el("li", { className: p.covered ? "did" : "missed", textContent: (p.covered ? "✓ " : "✗ missed: ") + p.text }));
      for (const e of r.errors) list.append(el("li", { className: "hurt", textContent: "✗ wrong: " + e }));
      if (r.too_long) list.append(el("li", { className: "missed", textContent: `Longer than ${r.max_words} words.` }));
      $("summary-result").replaceChildren(el("h3", { textContent: `Score ${r.score}/100 · ${r.words} words` }), list);
      $("summary-result").classList.remove("hidden");
    } catch (error) { showError(error.message); }
  });

  // --- progress -----------------------------------------------------------------------------
  async function loadProgress() {
    try {
      const rows = await api("GET", "/v1/training/progress");
      const table = el("table", {}, el("tr", {}, ...["trainee", "role-plays", "resolved", "escalated", "avg score", "trend", "summaries", "avg summary", "last practised"].map((h) => el("th", { textContent: h }))));
      for (const p of rows) {
        table.append(el("tr", {}, ...[p.trainee_id, p.roleplays, p.resolved, p.escalated,
          p.average_score ?? "–", p.trend ?? "–", p.summaries, p.average_summary_score ?? "–",
          p.last_practised ? p.last_practised.slice(0, 16).replace("T", " ") : "never"].map((v) => el("td", { textContent: String(v) }))));
      }
      $("progress").replaceChildren(rows.length ? table : el("p", { className: "meta", textContent: "No practice yet." }));
    } catch (error) { showError(error.message); }
  }

  if (sessionStorage.getItem(KEY)) { $("key-input").placeholder = "key saved for this tab"; loadLists(); }
})();
