/* The participant's page. Plain JavaScript for old phones: no framework, no build step.
   The server pushes the open question (server-sent events); a vote is one POST. Every text from
   the server is put in the page with textContent, never as HTML. */
(function () {
  "use strict";

  var main = document.getElementById("question");
  if (!main) return; // the join-code form: nothing to run
  var code = main.getAttribute("data-code");
  var status = document.getElementById("status");
  var seed = document.getElementById("pcn-state");
  var state = seed ? JSON.parse(seed.textContent) : null;
  var drafts = {}; // question id -> the answer being chosen, kept while the page redraws
  var edited = {}; // question id -> true while this tab holds a choice it has not sent
  var pending = null; // an answer that could not be sent: sent again when the connection is back
  var notice = null; // {kind: "recorded" | "error", text} for the question on screen
  var shownQuestion = null;

  var J = window.PCNJoin; // common.js: what this script shares with paced.js
  var el = J.el;
  var describe = J.describe;
  var maturityComplete = J.maturityComplete;

  function setStatus(text, offline) { J.setStatus(status, text, offline); }

  function currentDraft(q) {
    if (!(q.id in drafts)) {
      var mine = q.mine || [];
      drafts[q.id] = q.kind === "text" ? (mine[0] || "") : mine.slice();
    }
    return drafts[q.id];
  }

  function answerFrom(q) {
    var d = currentDraft(q);
    if (q.kind === "agreement" || q.kind === "single") return d.length ? d[0] : null;
    return d;
  }

  function complete(q) {
    var d = currentDraft(q);
    if (q.kind === "text") return d.trim().length > 0;
    if (q.kind === "ranking") return d.length === q.options.length;
    if (q.kind === "maturity") return maturityComplete(q, d);
    return d.length > 0;
  }

  function render() {
    var q = state && state.question;
    if (!q || shownQuestion !== q.id) notice = null;
    shownQuestion = q ? q.id : null;
    if (q && q.kind === "qa") { renderQa(q); return; }
    qaView = null;
    main.textContent = "";
    if (!q) {
      main.appendChild(el("p", { "class": "waiting" }, state && state.ended
        ? "This poll has ended. Thank you."
        : "Waiting for the facilitator to open a question…"));
      return;
    }
    main.appendChild(el("h2", { id: "wording" }, q.wording));
    if (q.sensitive) {
      main.appendChild(el("p", { "class": "sensitive" },
        "A sensitive question: its results are shown only once this question closes."));
    }
    var form = el("form", { id: "answer", novalidate: "novalidate" });
    var send = el("button", { type: "submit", "class": "send" }, "Send my answer");
    var draft = currentDraft(q);

    function refresh() { send.disabled = !complete(q); }

    J.answerFields(q, form, draft, function () { edited[q.id] = true; refresh(); },
      function (value) { edited[q.id] = true; drafts[q.id] = value; }, false);
    form.appendChild(send);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (complete(q)) submit(q, answerFrom(q));
    });
    refresh();
    main.appendChild(form);
    var mine = q.mine || [];
    if (notice) {
      main.appendChild(el("p", { "class": notice.kind, role: "alert" }, notice.text));
    } else if (mine.length) {
      main.appendChild(el("p", { "class": "recorded", id: "recorded" },
        "Answer recorded: " + describe(q, mine) + ". You can change it until the question closes."));
    }
  }

  // Q&A: the form is built once per question and kept while the list under it is redrawn, so
  // that a push (someone in the room voting) never takes the text or the focus from a phone.
  var qaView = null; // {id, form, area, count, send, note, list, intro}
  var qaDrafts = {}; // question id -> the question being typed

  function plural(n, one, many) { return n + " " + (n === 1 ? one : many); }

  function renderQa(q) {
    var board = q.qa || { list: "[]", voted: [], own: [], yours: [], asked: 0, max_asked: 5, approval: false };
    var items = qaItems(board);
    if (!qaView || qaView.id !== q.id || !main.contains(qaView.form)) {
      main.textContent = "";
      var v = { id: q.id };
      v.wording = el("h2", { id: "wording" }, q.wording);
      v.intro = el("p", { "class": "qa-intro" });
      v.form = el("form", { id: "ask", novalidate: "novalidate" });
      var label = el("label", { "for": "qa-text" }, "Your question");
      v.area = el("textarea", { id: "qa-text", maxlength: String(q.max_text), rows: "3" });
      v.area.value = qaDrafts[q.id] || "";
      v.count = el("p", { "class": "count", "aria-live": "polite" });
      v.send = el("button", { type: "submit", "class": "send" }, "Send my question");
      v.area.addEventListener("input", function () {
        qaDrafts[q.id] = v.area.value;
        updateAsk(v, state.question && state.question.qa);
      });
      v.form.addEventListener("submit", function (event) {
        event.preventDefault();
        if (v.area.value.trim()) ask(q, v.area.value);
      });
      v.form.appendChild(label);
      v.form.appendChild(v.area);
      v.form.appendChild(v.count);
      v.form.appendChild(v.send);
      v.note = el("div", { id: "qa-note" });
      v.head = el("h3", { "class": "qa-head" }, "Questions from the room");
      v.list = el("ol", { id: "qa-list", "class": "qa-list" });
      [v.wording, v.intro, v.form, v.note, v.head, v.list].forEach(function (n) { main.appendChild(n); });
      qaView = v;
    }
    var view = qaView;
    view.wording.textContent = q.wording;
    view.intro.textContent = "Ask a question, or vote up the ones you want answered." +
      (board.approval ? " Questions show once the facilitator approves them." : "");
    updateAsk(view, board);
    view.note.textContent = "";
    if (notice) view.note.appendChild(el("p", { "class": notice.kind, role: "alert" }, notice.text));
    var focused = document.activeElement && document.activeElement.getAttribute("data-item");
    view.list.textContent = "";
    if (!items.length) view.list.appendChild(el("li", { "class": "waiting" }, "No questions yet."));
    items.forEach(function (item) {
      var li = el("li", { "class": "qa-item " + item.status + (item.own ? " own" : "") });
      li.appendChild(el("p", { "class": "qa-text" }, item.text));
      var meta = el("div", { "class": "qa-meta" });
      meta.appendChild(el("span", { "class": "qa-votes" }, plural(item.votes, "vote", "votes")));
      var tag = { pending: "Waiting for approval", hidden: "Not shown to the room", answered: "Answered" }[item.status];
      if (item.own) meta.appendChild(el("span", { "class": "qa-tag" }, "Your question"));
      if (tag) meta.appendChild(el("span", { "class": "qa-tag " + item.status }, tag));
      if (!item.own && item.status === "approved") {
        var b = el("button", { type: "button", "class": item.voted ? "vote voted" : "vote",
          "aria-pressed": item.voted ? "true" : "false", "data-item": String(item.id) },
          item.voted ? "Voted: tap to take back" : "Vote up");
        b.addEventListener("click", function () { upvote(q, item.id, !item.voted); });
        meta.appendChild(b);
      }
      li.appendChild(meta);
      view.list.appendChild(li);
    });
    if (focused) {
      var again = view.list.querySelector('[data-item="' + focused + '"]');
      if (again) again.focus();
    }
  }

  // The room's list comes as JSON text shared by every phone (the server builds it once a change);
  // this phone's own votes and questions come beside it, as ids.
  function qaItems(board) {
    var listed = JSON.parse(board.list || "[]").concat(board.yours || []);
    return listed.map(function (item) {
      item.voted = board.voted.indexOf(item.id) >= 0;
      item.own = board.own.indexOf(item.id) >= 0;
      return item;
    });
  }

  function updateAsk(v, board) {
    board = board || { asked: 0, max_asked: 5 };
    var full = board.asked >= board.max_asked;
    v.count.textContent = full
      ? "You have asked " + board.max_asked + " questions, the most one person can ask here."
      : v.area.value.length + " of " + v.area.getAttribute("maxlength") + " characters";
    v.send.textContent = v.sending ? "Sending…" : "Send my question";
    v.send.disabled = v.sending || full || !v.area.value.trim();
  }

  function qaPost(route, q, answer, done) {
    var finish = function () { if (qaView) qaView.sending = false; };
    J.post(route, code, q.id, answer).then(function (result) {
      finish();
      if (result.ok) {
        if (state.question && state.question.id === result.body.question) state.question.qa = result.body.qa;
        done();
      } else {
        notice = { kind: "error", text: result.body.error || "That was not recorded." };
      }
      render();
    }, function () {
      finish();
      notice = { kind: "pending", text: "Not sent: no connection. Send it again when the connection is back." };
      render();
      setStatus("Reconnecting…", true);
    });
  }

  function ask(q, text) {
    qaView.sending = true;
    updateAsk(qaView, q.qa);
    var approval = q.qa && q.qa.approval;
    qaPost("ask", q, text, function () {
      qaDrafts[q.id] = "";
      if (qaView) qaView.area.value = "";
      notice = { kind: "recorded", text: approval
        ? "Question sent. It shows to the room once the facilitator approves it."
        : "Question sent." };
    });
  }

  function upvote(q, item, up) {
    qaPost(up ? "upvote" : "withdraw", q, String(item), function () { notice = null; });
  }

  function submit(q, answer) {
    var button = main.querySelector("button.send");
    if (button) { button.disabled = true; button.textContent = "Sending…"; }
    pending = { question: q.id, answer: answer };
    J.post("vote", code, q.id, answer).then(function (result) {
      pending = null;
      if (result.ok && state.question && state.question.id === result.body.question) {
        state.question.mine = result.body.mine;
        drafts[q.id] = q.kind === "text" ? (result.body.mine[0] || "") : result.body.mine.slice();
        edited[q.id] = false;
        notice = null;
      } else if (!result.ok) {
        notice = { kind: "error", text: result.body.error || "Your answer was not recorded." };
      }
      render();
    }, function () {
      // No connection: keep the answer and send it when the stream is back.
      notice = { kind: "pending", text: "Not sent yet: no connection. It will be sent when the connection is back." };
      render();
      setStatus("Reconnecting… your answer is kept on this phone.", true);
    });
  }

  function received(next) {
    state = next;
    if (state.self_paced) { window.location.reload(); return; } // now self-paced: paced.js draws it
    // An answer sent from another tab of this phone: show it here too, unless this tab holds a
    // choice of its own not yet sent (that one is the participant's latest thought).
    var q = state.question;
    if (q && !edited[q.id]) {
      var mine = q.mine || [];
      drafts[q.id] = q.kind === "text" ? (mine[0] || "") : mine.slice();
    }
    render();
  }

  function reconnected() {
    if (pending && state && state.question && state.question.id === pending.question) {
      var again = pending;
      pending = null;
      submit(state.question, again.answer);
    }
  }

  render();
  J.stream(code, received, reconnected, setStatus);
})();
