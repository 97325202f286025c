/* The participant's page for a self-paced session: every question of the session at once, each
   answered and changed at the participant's own pace while the session's window is open. Plain
   JavaScript for old phones (ES5). The server pushes the session's state (server-sent events, the
   same stream as a live poll); an answer is one POST. Every text from the server is put in the
   page with textContent, never as HTML. (join.js draws a live session's one open question.) */
(function () {
  "use strict";

  var main = document.getElementById("paced");
  if (!main) return; // a live session, or the join-code form: join.js has it
  var code = main.getAttribute("data-code");
  var status = document.getElementById("status");
  var seed = document.getElementById("pcn-state");
  var state = seed ? JSON.parse(seed.textContent) : null;
  var drafts = {}; // question id -> the answer being chosen
  var edited = {}; // question id -> true while this tab holds a choice it has not sent
  var notices = {}; // question id -> {kind, text}: the last send's outcome
  var drawn = {}; // question id -> {node, sig}: redrawn only when its question or answer changes
  var drawnIds = "";
  var focusNote = null; // question id whose note takes the focus once redrawn (after its send)

  var J = window.PCNJoin; // common.js: what this script shares with join.js
  var el = J.el;
  var describe = J.describe;
  var maturityComplete = J.maturityComplete;

  function setStatus(text, offline) { J.setStatus(status, text, offline); }

  function fromMine(q) {
    var mine = q.mine || [];
    return q.kind === "text" ? (mine[0] || "") : mine.slice();
  }

  function draftOf(q) {
    if (!(q.id in drafts)) drafts[q.id] = fromMine(q);
    return drafts[q.id];
  }

  function complete(q) {
    var d = draftOf(q);
    if (q.kind === "text") return d.trim().length > 0;
    if (q.kind === "ranking") return d.length === q.options.length;
    if (q.kind === "maturity") return maturityComplete(q, d);
    return d.length > 0;
  }

  function answerOf(q) {
    var d = draftOf(q);
    if (q.kind === "agreement" || q.kind === "single") return d.length ? d[0] : null;
    return d;
  }

  function noteOf(q) {
    var n = notices[q.id];
    if (n) return el("p", { "class": n.kind, role: "alert" }, n.text);
    var mine = q.mine || [];
    if (mine.length) return el("p", { "class": "recorded" }, "Answer recorded: " + describe(q, mine) + ".");
    return el("p", { "class": "unanswered" }, "Not answered yet.");
  }

  /* A maturity-matrix round, as join.js draws it (the codes are explained there); every id and
     radio name carries the question's id, since the page holds every question at once. */

  function questionNode(q, index, total) {
    var box = el("section", { "class": "pq", id: "pq-" + q.id, "aria-labelledby": "pq-h-" + q.id });
    box.appendChild(el("p", { "class": "qnum" }, "Question " + (index + 1) + " of " + total));
    box.appendChild(el("h2", { id: "pq-h-" + q.id }, q.wording));
    var form = el("form", { novalidate: "novalidate" });
    var send = el("button", { type: "submit", "class": "send" }, (q.mine || []).length ? "Change my answer" : "Send my answer");
    var draft = draftOf(q);

    function refresh() { send.disabled = !complete(q); }

    J.answerFields(q, form, draft, function () { edited[q.id] = true; refresh(); },
      function (value) { edited[q.id] = true; drafts[q.id] = value; }, true);
    form.appendChild(send);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (complete(q)) submit(q, answerOf(q), send);
    });
    refresh();
    box.appendChild(form);
    var note = noteOf(q);
    note.className += " note";
    note.setAttribute("tabindex", "-1");
    box.appendChild(note);
    return box;
  }

  function sig(q) {
    return JSON.stringify([q.wording, q.kind, q.options, q.mine, notices[q.id] || null]);
  }

  function render() {
    var w = state && state.window;
    var qs = (state && state.questions) || [];
    var ids = qs.map(function (q) { return q.id; }).join(",");
    var head = document.getElementById("paced-head");
    if (!head) {
      head = el("div", { id: "paced-head" });
      main.textContent = "";
      main.appendChild(head);
      main.appendChild(el("div", { id: "paced-list" }));
    }
    head.textContent = "";
    if (w) head.appendChild(el("p", { id: "window", "class": w.status === "open" ? "window" : "window shut" }, w.text));
    if (w && w.status === "after") head.appendChild(el("p", null, "Thank you for your answers."));
    if (w && w.status === "before") head.appendChild(el("p", null, "Come back then: this page will show the questions."));
    if (qs.length) {
      head.appendChild(el("p", { id: "progress", "class": "progress", role: "status" },
        state.answered + " of " + state.total + " answered"));
    }
    var list = document.getElementById("paced-list");
    if (ids !== drawnIds) { list.textContent = ""; drawn = {}; drawnIds = ids; }
    qs.forEach(function (q, i) {
      var s = sig(q);
      var was = drawn[q.id];
      // A question this tab is editing keeps its form (and the focus in it): only its note changes.
      if (was && (was.sig === s || edited[q.id])) {
        if (was.sig !== s) {
          var fresh = noteOf(q);
          fresh.className += " note";
          var old = was.node.querySelector(".note");
          if (old) was.node.replaceChild(fresh, old);
        }
        return;
      }
      if (!edited[q.id]) drafts[q.id] = fromMine(q);
      var node = questionNode(q, i, qs.length);
      if (was) list.replaceChild(node, was.node); else list.appendChild(node);
      drawn[q.id] = { node: node, sig: s };
      // The form just sent was redrawn under the keyboard: the focus goes to what became of it.
      if (focusNote === q.id) { focusNote = null; node.querySelector(".note").focus(); }
    });
  }

  function find(id) {
    var qs = (state && state.questions) || [];
    for (var i = 0; i < qs.length; i++) if (qs[i].id === id) return qs[i];
    return null;
  }

  function submit(q, answer, button) {
    button.disabled = true;
    button.textContent = "Sending…";
    J.post("vote", code, q.id, answer).then(function (result) {
      var now = find(q.id);
      focusNote = q.id;
      if (result.ok && now) {
        var had = (now.mine || []).length > 0;
        now.mine = result.body.mine;
        if (!had) state.answered += 1;
        edited[q.id] = false;
        drafts[q.id] = fromMine(now);
        delete notices[q.id];
      } else if (!result.ok) {
        notices[q.id] = { kind: "error", text: result.body.error || "Your answer was not recorded." };
        edited[q.id] = false;
      }
      render();
    }, function () {
      notices[q.id] = { kind: "pending", text: "Not sent: no connection. Send it again when the connection is back." };
      edited[q.id] = false;
      render();
      setStatus("Reconnecting…", true);
    });
  }

  function received(next) {
    if (!next.self_paced && !next.ended) { window.location.reload(); return; } // run live now
    state = next;
    if (state.ended) {
      main.textContent = "";
      main.appendChild(el("p", { "class": "waiting" }, "This poll has ended. Thank you."));
      drawnIds = "";
      return;
    }
    render();
  }

  render();
  J.stream(code, received, function () {}, setStatus);
})();
