/* What the participant's two scripts share (join.js: a live session's open question; paced.js: a
   self-paced session's every question): making elements with text (textContent only, never HTML),
   the status line, an answer in words, and the maturity-matrix round's form. Plain ES5; loaded
   before them, it defines window.PCNJoin and nothing else. */
(function () {
  "use strict";

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    if (attrs) {
      for (var k in attrs) {
        if (Object.prototype.hasOwnProperty.call(attrs, k)) node.setAttribute(k, attrs[k]);
      }
    }
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function setStatus(node, text, offline) {
    node.textContent = text || "";
    node.className = offline ? "status offline" : "status";
  }

  function labelOf(q, code) {
    for (var i = 0; i < q.options.length; i++) if (q.options[i].code === code) return q.options[i].label;
    return code;
  }

  function describe(q, answer) {
    if (q.kind === "text") return answer[0];
    if (q.kind === "maturity") return maturityDescribe(q, answer);
    if (q.kind === "ranking") {
      return answer.map(function (c, i) { return (i + 1) + ". " + labelOf(q, c); }).join(", ");
    }
    return answer.map(function (c) { return labelOf(q, c); }).join(", ");
  }

  /* A maturity-matrix round: the options carry the PCNs ("pcn:X"), domains ("domain:X") and
     stages ("stage:X"); the answer is a list of codes: "pcn:X", "now:<domain>:<stage>" for every
     domain and "want:<domain>:<stage>" where chosen. */
  function optionsOf(q, prefix) {
    var out = [];
    q.options.forEach(function (o) {
      if (o.code.indexOf(prefix + ":") === 0) out.push({ code: o.code.slice(prefix.length + 1), label: o.label });
    });
    return out;
  }

  function pickedWith(draft, prefix) {
    for (var i = 0; i < draft.length; i++) if (draft[i].indexOf(prefix) === 0) return draft[i];
    return null;
  }

  function choose(draft, prefix, code) {
    for (var i = draft.length - 1; i >= 0; i--) if (draft[i].indexOf(prefix) === 0) draft.splice(i, 1);
    if (code) draft.push(code);
  }

  function maturityComplete(q, draft) {
    if (!pickedWith(draft, "pcn:")) return false;
    var domains = optionsOf(q, "domain");
    for (var i = 0; i < domains.length; i++) if (!pickedWith(draft, "now:" + domains[i].code + ":")) return false;
    return true;
  }

  function maturityDescribe(q, answer) {
    var pcn = pickedWith(answer, "pcn:");
    var rated = optionsOf(q, "domain").filter(function (d) { return pickedWith(answer, "now:" + d.code + ":"); });
    return (pcn ? labelOf(q, pcn) : "") + ", " + rated.length + " parts of the matrix rated";
  }

  /* The round's form: the PCN, then each domain's stage now and in a year. changed() runs after
     each choice. scoped: ids and radio names carry the question's id (a page of several
     questions); otherwise the page's one question has the plain ones. */
  function maturityForm(q, form, draft, changed, scoped) {
    var stages = optionsOf(q, "stage");
    var sid = scoped ? "pcn" + q.id : "pcn";
    form.appendChild(el("label", { "for": sid, "class": "field" }, "Your PCN"));
    var select = el("select", scoped ? { id: sid, "class": "pcn-select" } : { id: sid, name: "pcn", "class": "pcn-select" });
    select.appendChild(el("option", { value: "" }, "Choose your PCN"));
    optionsOf(q, "pcn").forEach(function (p) {
      var opt = el("option", { value: "pcn:" + p.code }, p.label);
      if (pickedWith(draft, "pcn:") === "pcn:" + p.code) opt.selected = true;
      select.appendChild(opt);
    });
    select.addEventListener("change", function () {
      choose(draft, "pcn:", select.value);
      changed();
    });
    form.appendChild(select);
    form.appendChild(el("p", { "class": "hint" }, "For each part of the matrix: where your PCN is now, and where you want it to be in a year."));
    optionsOf(q, "domain").forEach(function (d, di) {
      var set = el("fieldset", { "class": "domain" });
      set.appendChild(el("legend", null, d.label));
      [["now", "Now"], ["want", "In a year"]].forEach(function (when) {
        var prefix = when[0] + ":" + d.code + ":";
        var group = el("fieldset", { "class": "stages" });
        group.appendChild(el("legend", { "class": "when" }, when[1]));
        stages.forEach(function (st, si) {
          var id = "m" + q.id + "_" + di + "_" + when[0] + "_" + si;
          var name = (scoped ? "m" + q.id + "_" : "") + when[0] + "_" + d.code;
          var label = el("label", { "class": "choice stage", "for": id });
          var input = el("input", { type: "radio", name: name, id: id, value: prefix + st.code });
          input.checked = pickedWith(draft, prefix) === prefix + st.code;
          input.addEventListener("change", function () {
            choose(draft, prefix, prefix + st.code);
            changed();
          });
          label.appendChild(input);
          label.appendChild(el("span", null, st.label));
          group.appendChild(label);
        });
        set.appendChild(group);
      });
      form.appendChild(set);
    });
  }

  window.PCNJoin = {
    el: el,
    setStatus: setStatus,
    labelOf: labelOf,
    describe: describe,
    optionsOf: optionsOf,
    pickedWith: pickedWith,
    choose: choose,
    maturityComplete: maturityComplete,
    maturityForm: maturityForm
  };
})();
