/* The composer at the keyboard, and its drafts. Without this script every form still works;
   nothing here publishes anything the person did not send.

   - Keys, only inside the post form: Ctrl+Enter (⌘+Enter on a Mac) presses the form's main
     button (Publish, Submit for review, Save changes), Ctrl+Shift+Enter saves a draft, and
     Alt+Shift+K / S / P toggle key event, summary and pinned. A form is sent once.
   - Drafts: what is typed is kept in this browser (localStorage, at once) and on the server
     (/editor/blogs/<slug>/draft, a second after typing stops and at least every 2.5 s while
     it goes on), so the composer opened in another browser offers it back; the newer of the
     two copies wins. */
(function () {
  "use strict";

  var form = document.querySelector("form.post-form");
  if (!form) return;

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

  /* -- keys ------------------------------------------------------------------------------ */
  var MAC = /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent || "");
  var MOD = MAC ? "⌘" : "Ctrl";
  var ALT = MAC ? "⌥" : "Alt";
  var SHIFT = MAC ? "⇧" : "Shift";
  var actions = form.querySelector(".actions");
  var primary = form.querySelector(".actions button.primary");
  var secondary = form.querySelector(".actions button[value=draft]") ||
    form.querySelector(".actions button[value=save]:not(.primary)");
  var MARKS = [
    { code: "KeyK", letter: "K", name: "key_event" },
    { code: "KeyS", letter: "S", name: "summary" },
    { code: "KeyP", letter: "P", name: "pinned" }
  ];
  var sending = false, sendingTimer = 0;

  function keys() {
    return [].slice.call(arguments).map(function (k) { return "<kbd>" + k + "</kbd>"; }).join("+");
  }
  function describe() {
    if (primary) primary.setAttribute("aria-keyshortcuts", "Control+Enter Meta+Enter");
    if (secondary) {
      secondary.setAttribute("aria-keyshortcuts", "Control+Shift+Enter Meta+Shift+Enter");
    }
    MARKS.forEach(function (mark) {
      var box = form.querySelector("input[type=checkbox][name=" + mark.name + "]");
      if (!box) return;
      box.setAttribute("aria-keyshortcuts", "Alt+Shift+" + mark.letter);
      var label = box.closest("label");
      if (label) {
        var shown = el("span", "hint");
        shown.setAttribute("aria-hidden", "true");
        shown.innerHTML = " " + keys(ALT, SHIFT, mark.letter);
        label.appendChild(shown);
      }
    });
    if (!actions || !primary) return;
    var hint = el("p", "hint key-hint");
    hint.id = "key-hint";
    var parts = [keys(MOD, "Enter") + " to " + primary.textContent.trim().toLowerCase()];
    if (secondary) {
      parts.push(keys(MOD, SHIFT, "Enter") + " to " + secondary.textContent.trim().toLowerCase());
    }
    hint.innerHTML = parts.join(" · ");
    actions.parentNode.insertBefore(hint, actions.nextSibling);
  }

  function press(button) {
    if (sending || !button || button.disabled) return;
    if (form.requestSubmit) form.requestSubmit(button);
    else button.click();
  }

  form.addEventListener("keydown", function (e) {
    if (e.defaultPrevented) return;
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && !e.altKey) {
      var button = e.shiftKey ? secondary : primary;
      if (!button) return;
      e.preventDefault();
      if (!e.repeat) press(button);
      return;
    }
    if (e.altKey && e.shiftKey && !e.ctrlKey && !e.metaKey) {
      MARKS.forEach(function (mark) {
        if (e.code !== mark.code) return;
        var box = form.querySelector("input[type=checkbox][name=" + mark.name + "]");
        if (!box) return;
        e.preventDefault(); /* on a Mac, ⌥⇧K would otherwise type a character */
        if (!e.repeat) box.click(); /* a click: input and change fire, the draft keeps it */
      });
    }
  });
  /* One send per page: a second Enter, a double click or a held key sends nothing more.
     Should the page stay (the browser gave up), the form can be sent again a while later. */
  form.addEventListener("submit", function (e) {
    if (sending) { e.preventDefault(); return; }
    sending = true;
    clearTimeout(sendingTimer);
    sendingTimer = setTimeout(function () { sending = false; }, 8000);
  });
  window.addEventListener("pageshow", function () { sending = false; });
  describe();

  /* -- drafts ------------------------------------------------------------------------------ */
  var owner = form.getAttribute("data-autosave");
  var where = (form.getAttribute("action") || "")
    .match(/^\/editor\/blogs\/([^/?#]+)\/posts(?:\/([a-z0-9]+))?$/);
  if (!where) return;
  var postKey = where[2] || ""; /* a post's own page, or the blog's composer */
  if (!postKey && !owner) return;
  var FIELDS = "input[name]:not([type=hidden]):not([type=file]):not([type=submit]), textarea[name], select[name]";
  var KEY = "liveblog:composer:" + owner;
  var DRAFT_URL = "/editor/blogs/" + where[1] + "/draft";
  var csrfField = form.querySelector("input[name=csrf]");
  var csrf = csrfField ? csrfField.value : "";
  var DEBOUNCE = 1000, MOST = 2500;
  var store = null;
  try { store = window.localStorage; } catch (e) { store = null; }

  function randomName() {
    var bytes = new Uint8Array(12);
    if (window.crypto && window.crypto.getRandomValues) window.crypto.getRandomValues(bytes);
    else for (var i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
    return [].map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  /* This browser's name, so that another can say "on another device". */
  var device = null;
  try { device = store && store.getItem("liveblog:device"); } catch (e) { device = null; }
  if (!device || !/^[\w-]{8,40}$/.test(device)) {
    device = randomName();
    try { if (store) store.setItem("liveblog:device", device); } catch (e) { /* full */ }
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
  function readLocal() {
    if (!store) return null;
    try { return JSON.parse(store.getItem(KEY) || "null"); } catch (e) { return null; }
  }
  function writeLocal(entry) {
    if (!store) return;
    try { store.setItem(KEY, JSON.stringify(entry)); } catch (e) { /* full: the server has it */ }
  }
  function forgetLocal() {
    if (store) store.removeItem(KEY);
  }
  function call(url, body, keepalive) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      keepalive: !!keepalive,
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body)
    }).then(function (r) {
      var json = (r.headers.get("content-type") || "").indexOf("application/json") === 0;
      if (!r.ok || !json) throw new Error("draft: HTTP " + r.status);
      return r.json();
    });
  }

  var note = null;
  function fill(saved) {
    var missed = [];
    form.reset();
    Object.keys(saved).forEach(function (name) {
      /* not form.elements: the form has a field named "elements" */
      var f = form.querySelector('[name="' + name.replace(/[^\w-]/g, "") + '"]');
      var v = saved[name];
      if (name.indexOf("tag:") === 0) {
        f = [].filter.call(form.querySelectorAll('input[name="tag"]'), function (box) {
          return box.value === name.slice(4);
        })[0];
        if (f) f.checked = !!v;
        return;
      }
      if (f && f.type === "checkbox") f.checked = !!v;
      else if (f && f.value !== undefined && f.type !== "hidden") f.value = v;
      else if (typeof v === "string" && v.trim()) missed.push(v.trim());
    });
    return missed;
  }
  function tell(text, missed) {
    if (note) note.remove();
    note = el("div", "alert alert-restored");
    note.setAttribute("role", "status");
    var p = el("p", null, text + " ");
    var discard = el("button", "link-button", "Discard it");
    discard.type = "button";
    discard.addEventListener("click", function () {
      clearTimeout(localTimer); clearTimeout(quiet); clearTimeout(most);
      quiet = most = 0;
      forgetLocal();
      call(DRAFT_URL + "/discard", { post: "" }).catch(function () {});
      form.reset();
      note.remove();
      note = null;
    });
    p.appendChild(discard);
    note.appendChild(p);
    if (missed.length) {
      note.appendChild(el("p", null, "Not shown above (add the element again to use it):"));
      note.appendChild(el("pre", "missed", missed.join("\n\n")));
    }
    form.parentNode.insertBefore(note, form);
  }

  var failed = !!document.querySelector(".alert-error");
  if (postKey) { postDrafts(); return; }
  var done = /[?&]done=(published|draft|submitted)\b/.test(location.search);
  var local = readLocal();
  /* The post it held was saved, and its server draft with it; a save this browser made on
     the way, landing after the post, is thrown away when the server's copy is read. */
  var justSent = !!(local && local.sent && done);
  if (justSent) {
    forgetLocal();
    local = null;
  }
  var shown = null; /* the copy the form shows: "local" or "server" */
  var typed = false; /* typed into this page since it opened */
  if (local && local.values && blank() && !failed) {
    tell("Your unsent text from " + clock(local.at) +
      " was kept in this browser and is back in the form.", fill(local.values));
    shown = "local";
  }

  /* -- saving ------------------------------------------------------------------------------ */
  var localTimer = 0, quiet = 0, most = 0, inFlight = false, again = false, stopped = false;
  var lastSaved = "";
  function saveLocal() {
    var v = values();
    /* An empty form saves nothing and removes nothing: another tab may hold the text. */
    if (v) writeLocal({ at: Date.now(), values: v, device: device, synced: null });
  }
  function saveServer(keepalive) {
    clearTimeout(quiet); clearTimeout(most);
    quiet = most = 0;
    if (stopped) return;
    var v = values();
    if (!v) return;
    var sent = JSON.stringify(v);
    if (sent === lastSaved) return; /* the server has this already */
    if (inFlight && !keepalive) { again = true; return; }
    inFlight = true;
    call(DRAFT_URL, { post: "", device: device, values: v }, keepalive).then(function (body) {
      lastSaved = sent;
      var now = readLocal();
      if (now && now.values && JSON.stringify(now.values) === sent && !now.sent) {
        now.synced = body.draft.saved_at;
        writeLocal(now);
      }
    }).catch(function () {
      /* Offline, or logged out: the copy in this browser stays, and is sent once back. */
    }).then(function () {
      inFlight = false;
      if (again) { again = false; schedule(); }
    });
  }
  function schedule() {
    clearTimeout(quiet);
    quiet = setTimeout(saveServer, DEBOUNCE);
    if (!most) most = setTimeout(saveServer, MOST);
  }
  function changed() {
    if (stopped) return;
    typed = true;
    clearTimeout(localTimer);
    localTimer = setTimeout(saveLocal, 400);
    schedule();
  }
  form.addEventListener("input", changed);
  form.addEventListener("change", function () {
    if (stopped) return;
    typed = true;
    saveLocal();
    schedule();
  });
  window.addEventListener("online", function () { if (typed) schedule(); });
  window.addEventListener("pagehide", function () {
    clearTimeout(localTimer);
    if (stopped) return;
    saveLocal();
    if (quiet || most) saveServer(true);
  });
  form.addEventListener("submit", function () {
    clearTimeout(localTimer); clearTimeout(quiet); clearTimeout(most);
    quiet = most = 0;
    stopped = true;
    var v = values();
    /* Kept until the desk confirms the save: a failed request loses nothing. */
    if (v) writeLocal({ at: Date.now(), values: v, device: device, sent: true });
  });
  window.addEventListener("pageshow", function (e) { if (e.persisted) stopped = false; });

  /* -- the server's copy: offered back, the newer copy winning ------------------------------ */
  function fetchServer() {
    return fetch(DRAFT_URL, {
      credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" }
    }).then(function (r) {
      var json = (r.headers.get("content-type") || "").indexOf("application/json") === 0;
      if (!r.ok || !json) throw new Error("draft: HTTP " + r.status);
      return r.json();
    });
  }
  function fromServer(body) {
    var server = body && body.draft;
    if (server && justSent && server.device === device) {
      call(DRAFT_URL + "/discard", { post: "", device: device }).catch(function () {});
      server = null;
    }
    /* A copy marked sent whose send failed is still this browser's newest text. */
    var mine = readLocal();
    if (!server) {
      if (shown === "local" && !(mine && mine.synced)) schedule(); /* typed offline: send it */
      return;
    }
    if (mine && mine.synced === server.saved_at) return; /* the same text */
    var serverNewer = !mine || (server.device !== device && server.saved_ms > mine.at);
    if (!serverNewer) {
      if (mine && mine.values) schedule(); /* this browser's copy is newer: it goes up */
      return;
    }
    var from = server.device === device ? ", kept on the server," : " on another device";
    var text = "Your draft from " + clock(server.saved_ms) + from;
    if (failed || (typed && !blank())) {
      /* Something is being typed here: offer it, do not overwrite. */
      if (note) note.remove();
      note = el("div", "alert alert-restored");
      note.setAttribute("role", "status");
      var p = el("p", null, text + " is kept. ");
      var use = el("button", "link-button", "Put it in the form instead");
      use.type = "button";
      use.addEventListener("click", function () {
        adopt(server, text);
      });
      p.appendChild(use);
      note.appendChild(p);
      form.parentNode.insertBefore(note, form);
      return;
    }
    if (!blank() && shown !== "local") return; /* never over a form the page came with */
    adopt(server, text);
  }
  function adopt(server, text) {
    tell(text + " is back in the form.", fill(server.values));
    shown = "server";
    writeLocal({ at: server.saved_ms, values: server.values, device: device, synced: server.saved_at });
  }
  /* Asked once the page has loaded: the page itself comes first. */
  function afterLoad(ask) {
    if (!window.fetch) return;
    if (document.readyState === "complete") setTimeout(ask, 0);
    else window.addEventListener("load", function () { setTimeout(ask, 0); });
  }
  afterLoad(function () { fetchServer().then(fromServer).catch(function () {}); });

  /* -- a post's own page: its unsaved changes kept on the server only, and offered back
     (never poured over the post) with the version they were made against, so that saving
     them over a colleague's newer save opens the clash page as any late save does. */
  function postDrafts() {
    var version = form.querySelector("input[name=version]");
    var timer = 0, longest = 0, busy = false, pending = false, halted = false, last = "";
    function current() {
      var v = values();
      if (v && version) v.version = version.value;
      return v;
    }
    function sameText(a, b) {
      var names = Object.keys(a).concat(Object.keys(b));
      return names.every(function (n) { return n === "version" || a[n] === b[n]; });
    }
    function keep(keepalive) {
      clearTimeout(timer); clearTimeout(longest);
      timer = longest = 0;
      if (halted) return;
      var v = current();
      if (!v) return;
      var sent = JSON.stringify(v);
      if (sent === last) return;
      if (busy && !keepalive) { pending = true; return; }
      busy = true;
      call(DRAFT_URL, { post: postKey, device: device, values: v }, keepalive)
        .then(function () { last = sent; })
        .catch(function () {})
        .then(function () {
          busy = false;
          if (pending) { pending = false; later(); }
        });
    }
    function later() {
      clearTimeout(timer);
      timer = setTimeout(keep, DEBOUNCE);
      if (!longest) longest = setTimeout(keep, MOST);
    }
    form.addEventListener("input", function () { if (!halted) later(); });
    form.addEventListener("change", function () { if (!halted) later(); });
    window.addEventListener("pagehide", function () { if (!halted && (timer || longest)) keep(true); });
    form.addEventListener("submit", function () {
      clearTimeout(timer); clearTimeout(longest);
      timer = longest = 0;
      halted = true;
    });
    window.addEventListener("pageshow", function (e) { if (e.persisted) halted = false; });
    if (failed) return; /* a page that came back with an error shows what was sent */
    afterLoad(function () {
      fetch(DRAFT_URL + "?post=" + postKey, {
        credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" }
      }).then(function (r) {
        var json = (r.headers.get("content-type") || "").indexOf("application/json") === 0;
        if (!r.ok || !json) throw new Error("draft: HTTP " + r.status);
        return r.json();
      }).then(function (body) {
        var kept = body && body.draft;
        var now = current();
        if (!kept || !now || sameText(kept.values, now)) return;
        var from = kept.device === device ? "" : " on another device";
        var offer = el("div", "alert alert-restored");
        offer.setAttribute("role", "status");
        var p = el("p", null, "Your unsaved changes to this post from " +
          clock(kept.saved_ms) + from + " are kept. ");
        var use = el("button", "link-button", "Put them in the form");
        use.type = "button";
        var drop = el("button", "link-button", "Discard them");
        drop.type = "button";
        use.addEventListener("click", function () {
          var fields = {};
          Object.keys(kept.values).forEach(function (n) {
            if (n !== "version") fields[n] = kept.values[n];
          });
          var missed = fill(fields);
          if (version && kept.values.version) version.value = kept.values.version;
          p.textContent = "Your changes from " + clock(kept.saved_ms) + " are back in the " +
            "form; saving checks them against the post as it is now." +
            (missed.length ? " Not shown (add the element again to use it): " + missed.join(" / ") : "");
          later();
        });
        drop.addEventListener("click", function () {
          call(DRAFT_URL + "/discard", { post: postKey }).catch(function () {});
          offer.remove();
        });
        p.appendChild(use);
        p.appendChild(document.createTextNode(" · "));
        p.appendChild(drop);
        offer.appendChild(p);
        form.parentNode.insertBefore(offer, form);
      }).catch(function () {});
    });
  }
})();
