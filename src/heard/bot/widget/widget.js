// heard's chat widget: talks to /v1/bot on the server that served this page. No dependencies,
// no third-party requests; every text is inserted with textContent, never as HTML.
(function () {
  "use strict";
  var log = document.getElementById("log");
  var form = document.getElementById("form");
  var input = document.getElementById("text");
  var send = document.getElementById("send");
  var end = document.getElementById("end");
  var session = null;
  var busy = false;

  function add(kind, text) {
    var item = document.createElement("div");
    item.className = kind === "note" ? "note" : "msg " + kind;
    item.textContent = text;
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
    return item;
  }

  function problem(response) {
    return response.json().then(function (body) {
      return body && body.detail ? body.detail : "Something went wrong (" + response.status + ").";
    }, function () { return "Something went wrong (" + response.status + ")."; });
  }

  function call(path, body) {
    var headers = { "Content-Type": "application/json" };
    if (session) { headers["X-Bot-Token"] = session.token; }
    return fetch(path, { method: "POST", headers: headers, body: JSON.stringify(body || {}) })
      .then(function (response) {
        if (!response.ok) { return problem(response).then(function (text) { throw new Error(text); }); }
        return response.json();
      });
  }

  function ready(on) {
    input.disabled = !on; send.disabled = !on; end.disabled = !session || !on;
    if (on) { input.focus(); }
  }

  function start() {
    call("/v1/bot/sessions", {}).then(function (created) {
      session = { id: created.session_id, token: created.token };
      add("bot", created.reply.text);
      ready(true);
    }, function (error) { add("note", error.message); });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text || busy || !session) { return; }
    busy = true; ready(false);
    add("me", text);
    input.value = "";
    call("/v1/bot/sessions/" + encodeURIComponent(session.id) + "/messages", { text: text })
      .then(function (reply) {
        add("bot", reply.text);
        if (reply.decision === "handoff") { add("note", "A colleague will join this conversation."); }
      }, function (error) { add("note", error.message); })
      .then(function () { busy = false; ready(true); });
  });

  end.addEventListener("click", function () {
    if (!session || busy) { return; }
    busy = true; ready(false); end.disabled = true;
    call("/v1/bot/sessions/" + encodeURIComponent(session.id) + "/end", {}).then(function (ended) {
      add("note", "Chat ended. Thank you.");
      if (ended.survey) { askRating(ended.survey.token); }
    }, function (error) { add("note", error.message); });
  });

  function askRating(token) {
    add("note", "How satisfied were you with the help you received? (1 = not at all, 5 = very)");
    var row = document.createElement("div");
    row.className = "rating";
    [1, 2, 3, 4, 5].forEach(function (score) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = String(score);
      button.setAttribute("aria-label", "Rate " + score + " of 5");
      button.addEventListener("click", function () {
        Array.prototype.forEach.call(row.children, function (b) { b.disabled = true; });
        session = null;
        call("/v1/public/surveys/" + encodeURIComponent(token), { score: score }).then(
          function () { add("note", "Thanks for your rating."); },
          function (error) { add("note", error.message); });
      });
      row.appendChild(button);
    });
    log.appendChild(row);
    log.scrollTop = log.scrollHeight;
  }

  start();
})();
