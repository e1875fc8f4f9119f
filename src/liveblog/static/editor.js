/* The editor's desk, enhanced: the blog's posts follow colleagues' changes in place, and
   "N reading now" stays current (the composer's keys and drafts are composer.js). Without
   it every form still works; nothing here is needed to publish. */
(function () {
  "use strict";

  var desk = document.querySelector("[data-desk-blog]");

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

  /* The composer's keys and its drafts (in this browser and on the server): composer.js. */
  function storage() {
    try { return window.localStorage; } catch (e) { return null; }
  }

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

  /* -- colleagues' changes: the blog's own event stream says when; the posts are read again
     (this page, its tab and page number) and the list is swapped in place. A change to the
     blog itself (its title or status) shows a bar that offers the whole page again. */
  if (desk && window.EventSource) {
    var slug = desk.getAttribute("data-desk-blog");
    var seq = parseInt(desk.getAttribute("data-seq"), 10) || 0;
    var changes = 0, bar = null, loading = false, again = false, waiting = false;
    var said = el("p", "desk-updated muted");
    said.setAttribute("role", "status");
    var src = new EventSource("/live/" + slug + "/events?last_event_id=" + seq);
    var showBar = function () {
      if (!bar) {
        bar = el("div", "alert alert-changed");
        bar.setAttribute("role", "status");
        desk.insertBefore(bar, desk.firstChild);
      }
      bar.textContent = "";
      var p = el("p", null, (changes === 1 ? "1 change" : changes + " changes") +
        " to this blog since this page opened. ");
      var reload = el("button", "link-button", "Show the blog as it is now");
      reload.type = "button";
      reload.addEventListener("click", function () { location.reload(); });
      p.appendChild(reload);
      bar.appendChild(p);
    };
    var home = "/editor/blogs/" + slug;
    var address = function () {
      /* This page without "done=…": the note of what was just done is not news again. A
         desk shown in answer to a form (at …/posts) lists the first page of all posts. */
      if (location.pathname !== home) return home;
      var query = location.search.replace(/^\?/, "").split("&").filter(function (part) {
        return part && part.indexOf("done=") !== 0;
      }).join("&");
      return home + (query ? "?" + query : "");
    };
    /* A page on its way out (a form was sent) reads nothing more. */
    var leaving = false;
    document.addEventListener("submit", function (e) {
      if (!e.defaultPrevented) leaving = true;
    });
    window.addEventListener("pageshow", function () { leaving = false; });
    var refresh = function () {
      var list = document.querySelector(".desk-posts");
      if (leaving) return;
      if (!list || !window.fetch || !window.DOMParser) { showBar(); return; }
      if (loading) { again = true; return; }
      /* Not under someone's hands: a list swapped while a button in it has the focus
         would take the focus away. It is read again when they leave it. */
      if (list.contains(document.activeElement)) {
        if (!waiting) {
          waiting = true;
          list.addEventListener("focusout", function left() {
            list.removeEventListener("focusout", left);
            setTimeout(function () { waiting = false; refresh(); }, 0);
          });
        }
        return;
      }
      loading = true;
      fetch(address(), { credentials: "same-origin", cache: "no-store", headers: { Accept: "text/html" } })
        .then(function (r) {
          if (!r.ok || r.redirected) throw new Error("desk: HTTP " + r.status);
          return r.text();
        }).then(function (html) {
          var fresh = new DOMParser().parseFromString(html, "text/html").querySelector(".desk-posts");
          var current = document.querySelector(".desk-posts");
          if (!fresh || !current) throw new Error("desk: no list of posts");
          var open = [].map.call(current.querySelectorAll("article[id] details[open]"), function (d) {
            return d.closest("article").id;
          });
          current.replaceWith(document.adoptNode(fresh));
          open.forEach(function (id) {
            var d = document.querySelector("#" + id + " details");
            if (d) d.open = true;
          });
          said.textContent = "Posts updated at " + clock(Date.now()) + ".";
          var heading = fresh.querySelector("h2");
          if (heading) heading.parentNode.insertBefore(said, heading.nextSibling);
        }).catch(showBar).then(function () {
          loading = false;
          if (again) { again = false; refresh(); }
        });
    };
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
        if (kind.indexOf("blog.") === 0) showBar();
        refresh();
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
