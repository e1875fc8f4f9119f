/* liveblog reader page, live: the blog's events (event stream, or polling when there is
   none) applied in place. Without it the page is complete and a reload shows the news. */
(function () {
  "use strict";

  var root = document.querySelector("article.liveblog[data-blog]");
  if (!root || !window.fetch) return;
  var slug = root.getAttribute("data-blog");
  var seq = parseInt(root.getAttribute("data-seq"), 10) || 0;
  var edge = root.hasAttribute("data-edge");
  var zone = root.getAttribute("data-timezone") || "UTC";
  var pageNo = parseInt(root.getAttribute("data-page"), 10) || 1;
  var head = root.querySelector(".blog-head");
  var h1 = root.querySelector("h1.blog-title");
  /* An embed (templates/embed.html) shows at most data-embed posts, with no pinned slot
     and no key-events list; data-only="key" keeps key events only, "post:<id>" one post. */
  var limit = parseInt(root.getAttribute("data-embed"), 10) || 0;
  var only = root.getAttribute("data-only") || "";
  if (h1 && h1.querySelector("a")) h1 = h1.querySelector("a"); /* the embed's title link */
  var stream = root.querySelector(".stream");
  var bar = root.querySelector(".new-updates");
  var announcer = root.querySelector(".live-announcer");
  /* EventKind in liveblog/events.py, then "resync": tests/test_events.py checks it. */
  var KINDS = ["post.published", "post.edited", "post.flagged", "post.restored",
    "post.deleted", "post.pinned", "post.unpinned", "blog.created", "blog.edited",
    "blog.ended", "blog.reopened", "resync"];
  var held = [];      /* new posts kept back while the reader is down the page */
  var elsewhere = {}; /* on pages > 1 new posts are only counted */
  var es = null, errors = 0, polling = false, pollTimer = 0, sseTimer = 0;
  var stopped = false, goingUp = 0;
  var pinned = root.querySelector(".pinned article.post");
  var pinnedId = pinned && pinned.getAttribute("data-post-id");
  var blogTitle = h1 ? textOf(h1) : "";
  var titleRest = document.title.indexOf(blogTitle) === 0 ?
    document.title.slice(blogTitle.length) : "";

  function byId(id) { return document.getElementById(id); }
  function textOf(node) {
    var s = "";
    for (var n = node.firstChild; n; n = n.nextSibling) if (n.nodeType === 3) s += n.data;
    return s.trim();
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }
  function when(iso) { return Date.parse(String(iso || "").replace(/(\.\d{3})\d+/, "$1")) || 0; }
  function timeOf(node) {
    var t = node.querySelector("time");
    return t ? when(t.getAttribute("datetime")) : 0;
  }
  function posts() {
    return [].filter.call(stream.children, function (c) { return c.matches(".post"); });
  }

  /* -- cards */
  function card(html) {
    var t = document.createElement("template");
    t.innerHTML = html || "";
    var a = t.content.querySelector("article.post");
    if (a) {
      a.remove(); /* out of the template: place() looks at parentNode */
      if (a.getAttribute("data-post-id") !== pinnedId) unflag(a);
      ago(a);
      armEmbeds(a);
    }
    return a;
  }
  /* A card's embedded video or post gets its "Load" button (clicktoload.js, absent from
     the partners' embed pages, where cards stay links). */
  function armEmbeds(a) {
    if (window.liveblogArmEmbeds) window.liveblogArmEmbeds(a);
  }
  /* An edited post keeps the videos and posts the reader already loaded: no second click. */
  function keepLoaded(from, to) {
    [].forEach.call(from.querySelectorAll(".embed-card.embed-loaded"), function (had) {
      var src = had.getAttribute("data-embed-frame");
      var fresh = [].filter.call(to.querySelectorAll(".embed-card:not(.embed-loaded)"),
        function (n) { return n.getAttribute("data-embed-frame") === src; })[0];
      if (fresh && window.liveblogLoadEmbed) window.liveblogLoadEmbed(fresh);
    });
  }
  function unflag(a) {
    var f = a && a.querySelector(".post-meta .flag-pinned");
    if (a) a.classList.remove("post-pinned");
    if (f) f.remove();
  }
  /* The pinned slot's copy, renamed as the server renders it there. */
  function pinnedCopy(d) {
    var a = card(d.html);
    if (!a) return null;
    a.id = "pinned-" + d.id;
    a.setAttribute("aria-labelledby", "pinned-h-" + d.id);
    var h = a.querySelector('[id="stream-h-' + d.id + '"]');
    var f = a.querySelector(".post-meta .flag-pinned");
    if (h) h.id = "pinned-h-" + d.id;
    if (f) f.remove();
    return a;
  }
  /* Newest first; false when the card belongs on a later page. */
  function place(a) {
    var old = byId(a.id), list = posts(), t = timeOf(a);
    if (old) { old.replaceWith(a); return true; }
    for (var i = 0; i < list.length && !a.parentNode; i++) {
      if (timeOf(list[i]) <= t) stream.insertBefore(a, list[i]);
    }
    if (!a.parentNode) {
      if (list.length && root.querySelector('.pager a[rel="next"]')) return false;
      stream.appendChild(a);
    }
    var empty = stream.querySelector(".empty");
    if (empty) empty.remove();
    for (list = posts(); limit && list.length > limit;) list.pop().remove();
    return true;
  }
  function fresh(a) {
    a.classList.add("post-new");
    setTimeout(function () { a.classList.remove("post-new"); }, 6000);
  }
  /* What the reader is looking at stays put while the page changes above it. */
  function keepView(fn) {
    var marks = [];
    if (window.scrollY > 0) {
      var c = root.querySelectorAll(".blog-head, .key-events, .pinned, .stream > .post, .pager");
      for (var i = 0; i < c.length && marks.length < 3; i++) {
        var r = c[i].getBoundingClientRect();
        if (r.bottom > 0) marks.push([c[i].id, c[i], r.top]);
      }
    }
    fn();
    for (var j = 0; j < marks.length; j++) {
      var n = (marks[j][0] && byId(marks[j][0])) || (marks[j][1].isConnected && marks[j][1]);
      if (n) {
        var dy = n.getBoundingClientRect().top - marks[j][2];
        if (dy) window.scrollBy(0, dy);
        return;
      }
    }
  }
  function atTop() {
    return window.scrollY < 200 || stream.getBoundingClientRect().top >= 0 || Date.now() < goingUp;
  }

  /* -- "N new updates", the tab title, what screen readers hear */
  function updateBar() {
    var n = pageNo > 1 ? Object.keys(elsewhere).length : held.length;
    document.title = (n ? "(" + n + ") " : "") + blogTitle + titleRest;
    if (!bar) return;
    var c = bar.firstElementChild;
    bar.hidden = !n;
    if (!n) { if (c) c.remove(); return; }
    if (!c) {
      c = el(pageNo > 1 ? "a" : "button", "new-updates-button");
      if (pageNo > 1) c.setAttribute("href", "/live/" + slug);
      else { c.type = "button"; c.addEventListener("click", showHeld); }
      bar.appendChild(c);
    }
    c.textContent = n + (n === 1 ? " new update" : " new updates");
  }
  function flush() {
    var first = null;
    held.forEach(function (d) {
      var a = card(d.html);
      if (a && place(a)) {
        fresh(a);
        if (!first || first.compareDocumentPosition(a) & 2 /* precedes */) first = a;
      }
    });
    held = [];
    updateBar();
    return first;
  }
  function showHeld() {
    var first = flush(), y = stream.getBoundingClientRect().top + window.scrollY - 16;
    var smooth = !window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    goingUp = Date.now() + 1500; /* the reader is on the way to the top */
    window.scrollTo({ top: Math.max(0, y), behavior: smooth ? "smooth" : "auto" });
    if (first) {
      first.setAttribute("tabindex", "-1");
      first.focus({ preventScroll: true });
    }
  }
  function announce(text) {
    if (!announcer) return;
    var p = announcer.appendChild(el("p", null, text));
    setTimeout(function () { p.remove(); }, 15000);
  }

  /* -- times */
  /* "29 May 2024, 13:05 BST", as the server writes it: the zone's name is the server's (from
     a post's clock, or the text already there); Intl's names differ outside Europe. */
  function lastUpdated(at, clock) {
    var t = root.querySelector(".last-updated time"), v = {};
    if (!t) return;
    try {
      new Intl.DateTimeFormat("en-GB", {
        timeZone: zone, day: "numeric", month: "long", year: "numeric", hour: "2-digit",
        minute: "2-digit", hourCycle: "h23"
      }).formatToParts(new Date(when(at))).forEach(function (p) { v[p.type] = p.value; });
    } catch (e) { return; }
    t.setAttribute("datetime", at);
    t.textContent = v.day + " " + v.month + " " + v.year + ", " + v.hour + ":" + v.minute + " " +
      (clock || t.textContent).trim().split(" ").pop();
  }
  function since(ms) {
    var m = Math.floor((Date.now() - ms) / 60000);
    return m < 1 ? "just now" : m < 60 ? m + " min ago" :
      m < 1440 ? Math.floor(m / 60) + " h ago" : Math.floor(m / 1440) + " d ago";
  }
  function ago(scope) {
    var links = scope.querySelectorAll(".post-time");
    for (var i = 0; i < links.length; i++) {
      var s = links[i].nextElementSibling;
      if (!s || !s.classList.contains("time-ago")) links[i].after(s = el("span", "time-ago"));
      s.textContent = since(timeOf(links[i]));
    }
  }

  /* -- key events and the pinned slot */
  function keyEvent(d) {
    if (limit) return;
    var href = "/live/" + slug + "/posts/" + d.id;
    var nav = root.querySelector("nav.key-events");
    var old = nav && nav.querySelector('a[href="' + href + '"]');
    if (old) old.parentNode.remove();
    if (d.key_event) {
      if (!nav) {
        nav = el("nav", "key-events");
        nav.setAttribute("aria-labelledby", "key-events-h");
        nav.appendChild(el("h2", null, "Key events")).id = "key-events-h";
        nav.appendChild(el("ol"));
        head.after(nav);
      }
      var li = el("li", d.summary ? "key-summary" : null);
      var a = li.appendChild(el("a")), time = el("time", null, d.clock);
      a.setAttribute("href", href);
      time.setAttribute("datetime", d.published_at);
      a.append(time, " " + d.label);
      var ol = nav.querySelector("ol"), items = ol.children, t = when(d.published_at);
      for (var i = 0; i < items.length && !li.parentNode; i++) {
        if (timeOf(items[i]) <= t) ol.insertBefore(li, items[i]);
      }
      if (!li.parentNode) ol.appendChild(li);
    }
    if (nav && !nav.querySelector("li")) nav.remove();
  }
  function pin(d) {
    if (limit) return;
    unflag(byId("post-" + pinnedId));
    unflag(byId("post-" + d.replaces));
    pinnedId = d.id;
    var copy = pinnedCopy(d), section = root.querySelector("section.pinned");
    if (!copy) return;
    if (!section) {
      section = el("section", "pinned");
      section.setAttribute("aria-labelledby", "pinned-h");
      section.appendChild(el("h2", "visually-hidden", "Pinned post")).id = "pinned-h";
      var flag = section.appendChild(el("p", "flag flag-pinned", "Pinned"));
      flag.setAttribute("aria-hidden", "true");
      section.appendChild(el("div", "pinned-fold")).appendChild(copy);
      (root.querySelector("nav.key-events") || head).after(section);
      return;
    }
    var box = section.querySelector(".pinned-fold"), old = box.querySelector("article.post");
    if (old) old.replaceWith(copy); else box.appendChild(copy);
    /* reader.js folded the long post before; a short one needs no "Show more". */
    var toggle = box.nextElementSibling;
    if (toggle && toggle.matches(".fold-toggle") && box.scrollHeight <= 30 * 16) {
      toggle.remove();
      box.classList.remove("is-folded");
    }
  }
  function unpin(id) {
    if (pinnedId !== id) return;
    var section = root.querySelector("section.pinned");
    if (section) section.remove();
    unflag(byId("post-" + id));
    pinnedId = null;
  }
  function heldAt(id) {
    for (var i = 0; i < held.length; i++) if (held[i].id === id) return i;
    return -1;
  }

  /* -- applying events */
  function arrived(d) {
    var i = heldAt(d.id), a = byId("post-" + d.id) && card(d.html);
    keyEvent(d);
    if (d.kind === "post.published") announce("New update: " + d.label);
    if (i >= 0) held[i] = d;
    else if (a) place(a);
    else if (pageNo > 1) {
      if (d.kind === "post.published") { elsewhere[d.id] = 1; updateBar(); }
    } else if (atTop()) {
      a = card(d.html);
      if (a && place(a)) fresh(a);
    } else {
      held.push(d);
      updateBar();
    }
  }
  function changed(d) {
    if (d.kind === "post.pinned") pin(d);
    var i = heldAt(d.id), a = byId("post-" + d.id), c = a && card(d.html);
    keyEvent(d);
    if (i >= 0) held[i] = d;
    if (c) { keepLoaded(a, c); a.replaceWith(c); }
    var p = byId("pinned-" + d.id), copy = p && d.kind !== "post.pinned" && pinnedCopy(d);
    if (copy) { keepLoaded(p, copy); p.replaceWith(copy); }
  }
  function gone(id) {
    var a = byId("post-" + id), i = heldAt(id);
    keyEvent({ id: id });
    unpin(id);
    if (a) a.remove();
    if (i >= 0) held.splice(i, 1);
    delete elsewhere[id];
    updateBar();
    if (a && limit && only.indexOf("post:") !== 0) refillSoon();
    if (pageNo === 1 && !posts().length && !stream.querySelector(".empty")) {
      stream.appendChild(el("p", "empty", stream.getAttribute("data-empty") || "No updates yet."));
    }
  }
  /* An embed that lost a card (deleted, or no longer a key event) shows the next one down
     again: it reads its own page once more and takes its cards, if that page is at the
     seq the embed is at (a page ahead waits for the events to catch up; one behind, from
     a cache, is asked again). A few tries at most; a lull of a second or so first, so that
     the embeds open everywhere do not all ask at once. */
  var refillTimer = 0;
  function refillSoon() {
    if (refillTimer) return;
    refillTimer = setTimeout(function () { refill(0); }, 300 + Math.random() * 1200);
  }
  function refill(tries) {
    var again = function () {
      refillTimer = 0;
      if (tries < 4 && !stopped) {
        refillTimer = setTimeout(function () { refill(tries + 1); }, 1500);
      }
    };
    var asked = { cache: "no-cache", headers: { Accept: "text/html" } };
    fetch(location.href, asked).then(function (r) {
      if (!r.ok) throw new Error("embed: HTTP " + r.status);
      return r.text();
    }).then(function (html) {
      var doc = new DOMParser().parseFromString(html, "text/html");
      var other = doc.querySelector("article.liveblog[data-blog] .stream");
      var at = other && parseInt(other.closest("article.liveblog").getAttribute("data-seq"), 10);
      if (stopped || !other) { refillTimer = 0; return; }
      if (at !== seq) { again(); return; }
      refillTimer = 0;
      keepView(function () {
        [].forEach.call(stream.querySelectorAll(":scope > .post, :scope > .empty"), function (c) {
          c.remove();
        });
        [].forEach.call(other.querySelectorAll(":scope > .post, :scope > .empty"), function (c) {
          var a = document.importNode(c, true);
          stream.appendChild(a);
          if (a.matches(".post")) { ago(a); armEmbeds(a); }
        });
      });
    }).catch(again);
  }
  function blogEdited(d) {
    if (d.timezone && d.timezone !== zone) { reload(); return; } /* every clock changes */
    if (d.status && d.status !== root.getAttribute("data-status")) {
      if (d.status === "ended") ended(); else reload();
      return;
    }
    if (d.title && h1 && d.title !== blogTitle) {
      for (var n = h1.firstChild; n; n = n.nextSibling) if (n.nodeType === 3) n.data = "";
      h1.append(" " + d.title);
      blogTitle = d.title;
      updateBar();
    }
    var sf = root.querySelector(".standfirst"), sec = root.querySelector(".section-name a");
    if (d.standfirst && !limit) { /* an embed shows no standfirst */
      if (!sf) h1.after(sf = el("p", "standfirst"));
      sf.textContent = d.standfirst;
    } else if (sf) sf.remove();
    if (sec && d.section) sec.textContent = d.section;
    else if (sec) sec.parentNode.remove();
  }
  function ended() {
    var badge = root.querySelector(".badge-live"), b = el("span", "badge badge-ended", "Ended");
    stop();
    root.setAttribute("data-status", "ended");
    b.appendChild(el("span", "visually-hidden", ":"));
    if (badge) badge.replaceWith(b);
    titleRest = titleRest.replace(" \u2013 live", "");
    updateBar();
    if (!root.querySelector(".ended-notice")) {
      head.appendChild(el("p", "ended-notice", "This live blog has ended."));
    }
    announce("This live blog has ended.");
  }
  function apply(d) {
    seq = d.seq;
    root.setAttribute("data-seq", String(seq));
    keepView(function () {
      var k = d.kind;
      if (d.at) lastUpdated(d.at, k === "post.published" && d.clock);
      if (only && d.html && !wanted(d)) gone(d.id); /* e.g. no longer a key event */
      else if (k === "post.published" || k === "post.restored") arrived(d);
      else if (only && d.html && !byId("post-" + d.id) && heldAt(d.id) < 0) arrived(d);
      else if (k === "post.edited" || k === "post.flagged" || k === "post.pinned") changed(d);
      else if (k === "post.deleted") gone(d.id);
      else if (k === "post.unpinned") unpin(d.id);
      else if (k === "blog.edited") blogEdited(d);
      else if (k === "blog.ended") ended();
      else if (k === "blog.reopened") reload();
    });
  }
  function wanted(d) {
    return only === "key" ? !!d.key_event : only === "post:" + d.id;
  }
  function reload() {
    stop();
    try { /* a page told again and again to reload gives up instead of looping */
      if (Date.now() - (Number(sessionStorage.getItem("liveblog-reload")) || 0) < 10000) return;
      sessionStorage.setItem("liveblog-reload", String(Date.now()));
    } catch (e) { /* no storage: reload anyway */ }
    location.reload();
  }

  /* -- transport: the event stream, or polling */
  function receive(d) {
    if (!d || stopped) return;
    if (d.kind === "resync") reload();
    else if (d.seq === seq + 1) apply(d);
    else if (d.seq > seq) updates().catch(function () {}); /* a gap: the log has it all */
  }
  function updates() {
    return fetch("/live/" + slug + "/updates.json?after=" + seq, {
      cache: "no-cache", headers: { Accept: "application/json" }
    }).then(function (r) {
      if (r.status === 404) stop(); /* the blog went back to draft, or away */
      if (!r.ok) throw new Error("updates.json: HTTP " + r.status);
      return r.json();
    }).then(function (body) {
      if (stopped) return;
      if (body.resync) reload();
      else body.events.forEach(function (d) { if (d.seq > seq && !stopped) apply(d); });
    });
  }
  function poll() {
    if (!polling) return;
    updates().catch(function () {}).then(function () {
      if (polling) pollTimer = setTimeout(poll, 4000 + Math.random() * 2000);
    });
  }
  function startPolling() {
    noReaders();
    if (polling || stopped) return;
    polling = true;
    poll();
  }
  function stopPolling() {
    polling = false;
    clearTimeout(pollTimer);
  }
  /* "N reading now" (event "readers"): a count, not an event of the log. It has no id, is
     never replayed and is not in KINDS; a page that polls shows none. */
  function onReaders(e) {
    var box = root.querySelector(".reading-now"), d;
    try { d = JSON.parse(e.data); } catch (err) { return; }
    if (!box || typeof d.readers !== "number") return;
    box.hidden = !d.readers;
    box.textContent = d.readers.toLocaleString("en") + " reading now";
  }
  function noReaders() {
    var box = root.querySelector(".reading-now");
    if (box) box.hidden = true;
  }
  function onMessage(e) {
    var d;
    try { d = JSON.parse(e.data); } catch (err) { return; }
    receive(d);
  }
  function connect() {
    if (stopped || es) return;
    if (!window.EventSource) { startPolling(); return; }
    var opened = false;
    var src = es = new EventSource("/live/" + slug + "/events?last_event_id=" + seq);
    src.addEventListener("open", function () {
      opened = true;
      errors = 0;
      stopPolling();
      /* At an edge (nginx + nchan) a stream replays nothing: what was missed comes from
         updates.json, cached there, and seq order drops anything that arrives twice. */
      if (edge) updates().catch(function () {});
    });
    src.addEventListener("error", function () {
      /* The browser reconnects by itself (with Last-Event-ID). A stream that never opened,
         three failures in a row or a final close: poll, and try the stream again later. */
      if (src !== es || (opened && ++errors < 3 && src.readyState !== EventSource.CLOSED)) return;
      src.close();
      es = null;
      errors = 0;
      startPolling();
      sseTimer = setTimeout(connect, 30000 + Math.random() * 30000);
    });
    KINDS.forEach(function (k) { src.addEventListener(k, onMessage); });
    src.addEventListener("readers", onReaders);
  }
  function stop() {
    stopped = true;
    noReaders();
    stopPolling();
    clearTimeout(sseTimer);
    if (es) es.close();
    es = null;
  }

  ago(root);
  setInterval(function () { ago(root); }, 30000);
  if (root.getAttribute("data-status") !== "live") return;
  document.documentElement.classList.add("live-on");
  var ticking = false;
  window.addEventListener("scroll", function () {
    if (!held.length || ticking) return;
    ticking = true;
    requestAnimationFrame(function () {
      ticking = false;
      if (held.length && atTop()) flush();
    });
  }, { passive: true });
  connect();
})();
