/* The editor's desk, enhanced: the composer keeps its text in this browser until the post
   is saved, and the desk says when colleagues change the blog. Without it every form still
   works; nothing here is needed to publish. */
(function () {
  "use strict";

  var desk = document.querySelector("[data-desk-blog]");
  var form = document.querySelector("form[data-autosave]");
  var FIELDS = "input[name]:not([type=hidden]):not([type=file]):not([type=submit]), textarea[name], select[name]";

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }
  function clock(ms) {
    var d = new Date(ms);
    return ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2);
  }

  /* -- the composer's text survives a reload, a closed tab or a lost connection */
  function storage() {
    try { return window.localStorage; } catch (e) { return null; }
  }
  function values() {
    var out = {}, any = false;
    [].forEach.call(form.querySelectorAll(FIELDS), function (f) {
      /* The tags' boxes share one name: each is kept by its value. */
      if (f.type === "checkbox" && f.name === "tag") { out["tag:" + f.value] = f.checked; return; }
      if (f.type === "checkbox") { out[f.name] = f.checked; return; }
      out[f.name] = f.value;
      if (f.value.trim() && f.name !== "authors") any = true;
    });
    return any ? out : null;
  }
  function blank() {
    return ![].some.call(form.querySelectorAll("textarea[name], input[name=title]"),
      function (f) { return f.value.trim(); });
  }
  function setUp() {
    var store = storage();
    if (!store) return;
    /* One kept text per person and blog: the attribute holds both. */
    var key = "liveblog:composer:" + form.getAttribute("data-autosave");
    var saved = null;
    try { saved = JSON.parse(store.getItem(key) || "null"); } catch (e) { saved = null; }
    var done = /[?&]done=(published|draft|submitted)\b/.test(location.search);
    if (saved && saved.sent && done) {
      store.removeItem(key); /* the post it held was saved */
      saved = null;
    }
    if (saved && saved.values && blank() && !document.querySelector(".alert-error")) {
      var missed = [];
      Object.keys(saved.values).forEach(function (name) {
        /* not form.elements: the form has a field named "elements" */
        var f = form.querySelector('[name="' + name.replace(/[^\w-]/g, "") + '"]');
        var v = saved.values[name];
        if (name.indexOf("tag:") === 0) {
          f = [].filter.call(form.querySelectorAll('input[name="tag"]'), function (box) {
            return box.value === name.slice(4);
          })[0];
          if (f) f.checked = !!v;
          return;
        }
        if (f && f.type === "checkbox") f.checked = !!v;
        else if (f && f.value !== undefined) f.value = v;
        else if (typeof v === "string" && v.trim()) missed.push(v.trim());
      });
      var note = el("div", "alert alert-restored");
      note.setAttribute("role", "status");
      var p = el("p", null, "Your unsent text from " + clock(saved.at) +
        " was kept in this browser and is back in the form. ");
      var discard = el("button", "link-button", "Discard it");
      discard.type = "button";
      discard.addEventListener("click", function () {
        store.removeItem(key);
        form.reset();
        note.remove();
      });
      p.appendChild(discard);
      note.appendChild(p);
      if (missed.length) {
        note.appendChild(el("p", null, "Not shown above (add the element again to use it):"));
        var pre = el("pre", "missed", missed.join("\n\n"));
        note.appendChild(pre);
      }
      form.parentNode.insertBefore(note, form);
    }
    var timer = 0, sending = false;
    function save() {
      /* An empty form saves nothing and removes nothing: another tab may hold the text. */
      var v = values();
      if (v) store.setItem(key, JSON.stringify({ at: Date.now(), values: v }));
    }
    form.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(save, 400);
    });
    form.addEventListener("change", save);
    window.addEventListener("pagehide", function () {
      clearTimeout(timer);
      if (!sending) save();
    });
    form.addEventListener("submit", function () {
      clearTimeout(timer);
      sending = true;
      var v = values();
      /* Kept until the desk confirms the save: a failed request loses nothing. */
      if (v) store.setItem(key, JSON.stringify({ at: Date.now(), values: v, sent: true }));
    });
  }
  if (form) setUp();

  /* Logging out forgets every kept text: the next person at this browser must not see it. */
  var logout = document.querySelector("form[action='/editor/logout']");
  if (logout) logout.addEventListener("submit", function () {
    var store = storage();
    if (!store) return;
    for (var i = store.length - 1; i >= 0; i--) {
      var k = store.key(i);
      if (k && k.indexOf("liveblog:") === 0) store.removeItem(k);
    }
  });

  /* -- "N reading now", asked every few seconds while the page is in view */
  var reading = document.querySelector(".reading-now[data-readers]");
  if (reading && window.fetch) {
    setInterval(function () {
      if (document.hidden) return;
      fetch(reading.getAttribute("data-readers"), {
        cache: "no-store", headers: { Accept: "application/json" }
      }).then(function (r) {
        if (!r.ok) throw new Error("readers: HTTP " + r.status);
        return r.json();
      }).then(function (body) {
        var n = body.readers;
        reading.hidden = !n;
        reading.textContent = Number(n).toLocaleString("en") + " reading now";
      }).catch(function () {});
    }, 5000);
  }

  /* -- colleagues' changes: counted from the blog's own event stream */
  if (desk && window.EventSource) {
    var slug = desk.getAttribute("data-desk-blog");
    var seq = parseInt(desk.getAttribute("data-seq"), 10) || 0;
    var changes = 0, bar = null;
    var src = new EventSource("/live/" + slug + "/events?last_event_id=" + seq);
    /* EventKind in liveblog/events.py, then "resync": tests/test_events.py checks it. */
    var KINDS = ["post.published", "post.edited", "post.flagged", "post.restored",
      "post.deleted", "post.pinned", "post.unpinned", "blog.created", "blog.edited",
      "blog.ended", "blog.reopened", "resync"];
    KINDS.forEach(function (kind) {
      src.addEventListener(kind, function (e) {
        var n = parseInt(e.lastEventId, 10);
        if (n && n <= seq) return;
        if (n) seq = n;
        changes += 1;
        if (!bar) {
          bar = el("div", "alert alert-changed");
          bar.setAttribute("role", "status");
          desk.insertBefore(bar, desk.firstChild);
        }
        bar.textContent = "";
        var p = el("p", null, (changes === 1 ? "1 change" : changes + " changes") +
          " to this blog since this page opened. ");
        var again = el("button", "link-button", "Show the blog as it is now");
        again.type = "button";
        again.addEventListener("click", function () { location.reload(); });
        p.appendChild(again);
        bar.appendChild(p);
      });
    });
  }

  /* The merge page (editor/merge.html): typing into a merged text chooses it, so that an
     edit is never sent with another answer still ticked. */
  document.querySelectorAll(".merge-merged").forEach(function (box) {
    var radio = box.querySelector("input[type=radio]");
    var field = box.querySelector("textarea, input:not([type=radio])");
    if (radio && field) field.addEventListener("input", function () { radio.checked = true; });
  });
})();
