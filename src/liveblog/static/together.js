/* Working together, enhanced: an open desk page beats every few seconds (POST
   /editor/blogs/<slug>/presence), so colleagues see it, and is told who else is here, who
   edits which post, and the team's notes when they change. As it closes it says so.
   Without it the page shows the state as it loaded (see actions/together.py). */
(function () {
  "use strict";

  var box = document.querySelector("[data-together]");
  if (!box || !window.fetch || !window.URLSearchParams) return;
  var url = box.getAttribute("data-together");
  var post = box.getAttribute("data-post") || "";
  var csrf = box.getAttribute("data-csrf");
  var every = Math.max(1, parseFloat(box.getAttribute("data-every")) || 5) * 1000;
  var notesList = document.querySelector("[data-notes]");
  var mark = notesList ? box.getAttribute("data-notes-mark") : null;
  var hereNow = document.querySelector("[data-here-now]");
  var warning = document.querySelector("[data-editing-warning]");
  var timer = 0, busy = false, gone = false;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }
  function form(extra) {
    var body = new URLSearchParams();
    body.set("csrf", csrf);
    if (post) body.set("post", post);
    if (extra) Object.keys(extra).forEach(function (k) { body.set(k, extra[k]); });
    return body;
  }

  function showHere(people) {
    if (!hereNow) return;
    hereNow.textContent = "";
    if (!people.length) {
      hereNow.textContent = "Nobody else has this blog open.";
      return;
    }
    hereNow.appendChild(document.createTextNode("Here now: "));
    people.forEach(function (p, i) {
      var text = p.name;
      if (p.editing.length) {
        text += " (editing " + p.editing.map(function (e) {
          return (e.post ? "\u201c" + (e.label || e.post) + "\u201d" : "a post") + " since " + e.clock;
        }).join("; ") + ")";
      }
      hereNow.appendChild(el("span", "here-person", text));
      if (i < people.length - 1) hereNow.appendChild(document.createTextNode(", "));
    });
  }
  function showEditing(people) {
    var editors = {};
    people.forEach(function (p) {
      p.editing.forEach(function (e) {
        if (e.post) (editors[e.post] = editors[e.post] || []).push({ name: p.name, clock: e.clock });
      });
    });
    [].forEach.call(document.querySelectorAll("[data-editing-post]"), function (flag) {
      var who = editors[flag.getAttribute("data-editing-post")] || [];
      flag.hidden = !who.length;
      flag.textContent = who.map(function (w) { return w.name; }).join(", ") +
        (who.length > 1 ? " are editing" : " is editing");
    });
    if (warning) {
      var here = editors[post] || [];
      warning.textContent = "";
      here.forEach(function (w) {
        warning.appendChild(el("p", null, w.name + " is editing this post (since " + w.clock + ")"));
      });
      warning.hidden = !here.length;
    }
  }
  function showNotes(body) {
    if (!notesList || body.notes_html == null) return;
    mark = body.notes_mark;
    notesList.innerHTML = body.notes_html; /* rendered and escaped by the server's template */
    var count = document.querySelector("[data-notes-count]");
    if (count) count.textContent = body.notes_count;
    var details = notesList.closest("details");
    if (details && body.notes_count) details.open = true;
  }

  function beat() {
    clearTimeout(timer);
    if (gone) return;
    if (busy) { timer = setTimeout(beat, every); return; }
    busy = true;
    var extra = mark != null ? { notes: mark } : null;
    fetch(url, {
      method: "POST", body: form(extra), credentials: "same-origin", cache: "no-store",
      headers: { Accept: "application/json" }
    }).then(function (r) {
      if (!r.ok) throw new Error("presence: HTTP " + r.status);
      return r.json();
    }).then(function (body) {
      showHere(body.people);
      showEditing(body.people);
      showNotes(body);
    }).catch(function () {}).then(function () {
      busy = false;
      if (!gone) timer = setTimeout(beat, every);
    });
  }
  beat();

  /* A page that closes or goes elsewhere is gone at once, not when its beats stop. */
  window.addEventListener("pagehide", function () {
    gone = true;
    clearTimeout(timer);
    if (navigator.sendBeacon) navigator.sendBeacon(url + "/leave", form());
  });
  /* Back from the browser's cache: here again. */
  window.addEventListener("pageshow", function (e) {
    if (e.persisted) { gone = false; beat(); }
  });
  /* A tab brought back to the front looks at once rather than at its next beat. */
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) beat();
  });

  /* A note is posted without leaving the page (and so without losing the composer's text). */
  var noteForm = document.querySelector("form[data-note-form]");
  if (noteForm) noteForm.addEventListener("submit", function (e) {
    var text = noteForm.querySelector("textarea[name=note]");
    if (!text || !text.value.trim()) return;
    e.preventDefault();
    var button = noteForm.querySelector("button[type=submit]");
    if (button) button.disabled = true;
    var old = noteForm.querySelector(".note-error");
    if (old) old.remove();
    fetch(noteForm.action, {
      method: "POST", body: new URLSearchParams(new FormData(noteForm)),
      credentials: "same-origin", headers: { Accept: "application/json" }
    }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) throw new Error(body.detail || body.message || "The note was not posted.");
        text.value = "";
        beat();
      });
    }).catch(function (err) {
      var p = el("p", "note-error alert alert-error", String(err.message || err));
      p.setAttribute("role", "alert");
      noteForm.appendChild(p);
    }).then(function () {
      if (button) button.disabled = false;
    });
  });
})();
