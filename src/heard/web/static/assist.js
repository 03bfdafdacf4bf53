// The agent-assist panel: talks to the API's WebSocket (/v1/assist/{id}) with the session
// cookie, shows the conversation with what each turn does, the nudges that stand, and
// suggestions that go into the reply box when clicked. Protocol: docs/web.md and
// heard.service.routes.assist.
(function () {
  "use strict";

  var root = document.getElementById("assist");
  if (!root) return;
  var statusLine = document.getElementById("status");
  var log = document.getElementById("log");
  var nudgeList = document.getElementById("nudges");
  var suggestionList = document.getElementById("suggestions");
  var reply = document.getElementById("reply");
  var readiness = document.getElementById("readiness");
  var socket = null;
  var nextTurn = 1;
  var waiting = []; // resolvers of messages sent, answered in order
  var draftTimer = null;
  var items = {}; // turn id -> <li>

  function setStatus(text, bad) {
    statusLine.textContent = text;
    statusLine.classList.toggle("bad", Boolean(bad));
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + root.dataset.socket);
    socket.addEventListener("open", function () {
      setStatus("Connected: waiting for the assistant…");
    });
    socket.addEventListener("message", function (event) {
      var message;
      try {
        message = JSON.parse(event.data);
      } catch (error) {
        return;
      }
      handle(message);
    });
    socket.addEventListener("close", function (event) {
      root.dataset.state = "closed";
      setStatus(
        event.code === 4401
          ? "Not signed in for the assistant: sign in again."
          : event.code === 4403
            ? "This conversation is not yours to assist."
            : "Disconnected. Reload the page to start again.",
        event.code !== 1000
      );
      while (waiting.length) waiting.shift()(null);
    });
  }

  function send(message) {
    return new Promise(function (resolve) {
      if (!socket || socket.readyState !== WebSocket.OPEN) {
        resolve(null);
        return;
      }
      if (message.type !== "partial") waiting.push(resolve);
      else resolve(null);
      socket.send(JSON.stringify(message));
    });
  }

  function handle(message) {
    if (message.type === "ready") {
      root.dataset.state = "ready";
      nextTurn = (message.turns || 0) + 1;
      setStatus("Assistant ready" + (message.turns ? " (" + message.turns + " earlier turns)" : "") + ".");
      return;
    }
    if (message.type === "error") {
      setStatus("The assistant says: " + message.detail, true);
    } else if (message.type === "update") {
      showUpdate(message);
    } else if (message.type === "check") {
      showCheck(message);
    } else if (message.type === "stored") {
      setStatus("Stored: the conversation is analysed and saved.");
    }
    if (message.type !== "update" || message.kind === "final") {
      var resolve = waiting.shift();
      if (resolve) resolve(message);
    }
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function addTurn(id, role, text) {
    var item = element("li", "turn " + role);
    item.dataset.turn = id;
    var who = element("div", "who");
    who.appendChild(element("strong", "", role === "agent" ? "You" : "Customer"));
    who.appendChild(document.createTextNode(" "));
    who.appendChild(element("span", "muted", id));
    item.appendChild(who);
    item.appendChild(element("ul", "badges"));
    item.appendChild(element("p", "text", text));
    log.appendChild(item);
    items[id] = item;
    item.scrollIntoView({ block: "nearest" });
    return item;
  }

  function showAnnotations(annotations) {
    (annotations || []).forEach(function (note) {
      var item = items[note.id];
      if (!item) return;
      var badges = item.querySelector(".badges");
      badges.textContent = "";
      if (note.emotion) {
        var feeling = element("li", "badge emotion emotion-" + note.emotion, note.emotion);
        if (note.intensity !== null && note.intensity !== undefined) {
          feeling.textContent += " " + Number(note.intensity).toFixed(2);
        }
        badges.appendChild(feeling);
      }
      (note.labels || []).forEach(function (label) {
        var negative = ["interruption", "dismissive", "assumption"].indexOf(label) >= 0;
        badges.appendChild(element("li", "badge " + (negative ? "label-neg" : "label"), label.replace(/_/g, " ")));
      });
    });
  }

  function showNudges(nudges) {
    nudgeList.textContent = "";
    if (!nudges || !nudges.length) {
      nudgeList.appendChild(element("li", "muted", "None standing."));
      return;
    }
    nudges.forEach(function (nudge) {
      var item = element("li", "nudge " + nudge.severity + (nudge.new ? " new" : ""));
      item.dataset.code = nudge.code;
      item.appendChild(element("strong", "", nudge.message));
      (nudge.evidence || []).forEach(function (evidence) {
        var quote = element("blockquote", "", "“" + evidence.quote + "” ");
        quote.appendChild(element("span", "muted", "(" + evidence.turn_id + ": " + evidence.reason + ")"));
        item.appendChild(quote);
      });
      nudgeList.appendChild(item);
    });
  }

  function showSuggestions(suggestions) {
    if (!suggestions) return;
    suggestionList.textContent = "";
    if (!suggestions.length) {
      suggestionList.appendChild(element("li", "muted", "None right now."));
      return;
    }
    suggestions.forEach(function (suggestion) {
      var item = element("li", "suggestion");
      var button = element("button", "suggest", suggestion.text);
      button.type = "button";
      button.dataset.kind = suggestion.kind;
      button.setAttribute("aria-label", suggestion.kind.replace(/_/g, " ") + ": " + suggestion.text + " (insert into reply)");
      button.addEventListener("click", function () {
        insert(suggestion.text);
      });
      item.appendChild(element("span", "kind muted small", suggestion.kind.replace(/_/g, " ")));
      item.appendChild(button);
      (suggestion.grounded_in || []).forEach(function (ground) {
        item.appendChild(element("span", "muted small ground", "from " + ground.turn_id + ": “" + ground.quote + "”"));
      });
      suggestionList.appendChild(item);
    });
  }

  function insert(text) {
    var start = reply.selectionStart || 0;
    var end = reply.selectionEnd || 0;
    var before = reply.value.slice(0, start);
    var spacer = before && !/\s$/.test(before) ? " " : "";
    reply.value = before + spacer + text + reply.value.slice(end);
    reply.focus();
    var caret = (before + spacer + text).length;
    reply.setSelectionRange(caret, caret);
    scheduleDraft();
  }

  function showCheck(check) {
    var issues = (check.issues || []).map(function (issue) {
      return issue.message;
    });
    readiness.textContent =
      "Draft readiness " + check.readiness + "/100" + (issues.length ? ": " + issues.join(" ") : ". " + (check.reason || ""));
  }

  function showUpdate(update) {
    showAnnotations(update.annotations);
    showNudges(update.nudges);
    showSuggestions(update.suggestions);
    if (update.draft) showCheck(update.draft);
  }

  function sendTurn(role, text) {
    text = text.trim();
    if (!text) return Promise.resolve(null);
    var id = "t" + nextTurn++;
    addTurn(id, role, text);
    return send({ type: "turn", turn: { id: id, role: role, text: text } });
  }

  function scheduleDraft() {
    clearTimeout(draftTimer);
    draftTimer = setTimeout(function () {
      var text = reply.value.trim();
      if (text) send({ type: "partial", turn: { id: "t" + nextTurn, role: "agent", text: text } });
      else readiness.textContent = "";
    }, 300);
  }

  document.getElementById("customer-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var input = document.getElementById("customer-text");
    sendTurn("customer", input.value);
    input.value = "";
  });

  document.getElementById("reply-form").addEventListener("submit", function (event) {
    event.preventDefault();
    clearTimeout(draftTimer);
    sendTurn("agent", reply.value);
    reply.value = "";
    readiness.textContent = "";
  });

  reply.addEventListener("input", scheduleDraft);
  reply.addEventListener("keydown", function (event) {
    // Enter sends, Shift+Enter starts a new line, as in chat tools.
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      document.getElementById("reply-form").requestSubmit();
    }
  });

  function parseTranscript(text) {
    var turns = [];
    text.split(/\r?\n/).forEach(function (line) {
      var match = /^\s*(?:\[[^\]]*\]\s*)?(customer|caller|client|agent|rep|c|a)\s*[:>-]\s*(.*)$/i.exec(line);
      if (match) {
        var who = match[1].toLowerCase();
        var role = ["agent", "rep", "a"].indexOf(who) >= 0 ? "agent" : "customer";
        turns.push({ role: role, text: match[2] });
      } else if (line.trim() && turns.length) {
        turns[turns.length - 1].text += " " + line.trim();
      }
    });
    return turns;
  }

  function pause(ms) {
    return new Promise(function (resolve) {
      setTimeout(resolve, ms);
    });
  }

  // A pasted call plays as speech-to-text would deliver it: interim results a few words at a
  // time, then the final turn.
  async function stream(turns, pace) {
    for (var i = 0; i < turns.length; i++) {
      var turn = turns[i];
      var words = turn.text.split(/\s+/);
      if (pace > 0 && words.length > 4) {
        for (var n = 3; n < words.length; n += 3) {
          send({ type: "partial", turn: { id: "t" + nextTurn, role: turn.role, text: words.slice(0, n).join(" ") } });
          await pause(pace / 2);
        }
      }
      await sendTurn(turn.role, turn.text);
      if (pace > 0) await pause(pace);
    }
    setStatus("Transcript streamed: " + turns.length + " turns.");
  }

  document.getElementById("paste-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var turns = parseTranscript(document.getElementById("transcript").value);
    if (!turns.length) {
      setStatus("No turns found: start each line with Customer: or Agent:", true);
      return;
    }
    stream(turns, Number(document.getElementById("pace").value));
  });

  document.getElementById("end-form").addEventListener("submit", function (event) {
    event.preventDefault();
    send({ type: "end", store: true });
  });

  connect();
})();
