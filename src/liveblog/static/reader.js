/* liveblog reader page: progressive share and a folded pinned post.
   Without this script the page is complete: share links are plain permalinks and the
   pinned post is shown in full. */
(function () {
  "use strict";

  var FOLD_REM = 24;
  var status = null;
  var statusTimer = 0;

  function say(text) {
    if (!status) {
      status = document.createElement("p");
      status.className = "share-status";
      status.setAttribute("role", "status");
      status.setAttribute("aria-live", "polite");
      document.body.appendChild(status);
    }
    status.textContent = text;
    clearTimeout(statusTimer);
    statusTimer = setTimeout(function () { status.textContent = ""; }, 2500);
  }

  function share(event, link) {
    var url = new URL(link.getAttribute("href"), window.location.href).href;
    var title = link.getAttribute("data-share-title") || document.title;
    if (typeof navigator.share === "function") {
      event.preventDefault();
      navigator.share({ title: title, url: url }).catch(function () {
        /* The reader closed the share sheet: nothing to do. */
      });
      return;
    }
    if (navigator.clipboard && typeof navigator.clipboard.writeText === "function") {
      event.preventDefault();
      navigator.clipboard.writeText(url).then(
        function () { say("Link copied"); },
        function () { window.location.assign(url); }
      );
    }
    /* Otherwise the link is followed: the permalink is the share. */
  }

  function fold(box) {
    var limit = FOLD_REM * parseFloat(getComputedStyle(document.documentElement).fontSize);
    if (box.scrollHeight <= limit * 1.25) return;
    if (!box.id) box.id = "pinned-fold";
    var button = document.createElement("button");
    button.type = "button";
    button.className = "fold-toggle";
    button.setAttribute("aria-controls", box.id);

    function set(folded) {
      box.classList.toggle("is-folded", folded);
      button.setAttribute("aria-expanded", folded ? "false" : "true");
      button.textContent = folded ? "Show more" : "Show less";
    }

    button.addEventListener("click", function () {
      var folding = !box.classList.contains("is-folded");
      set(folding);
      if (folding) box.scrollIntoView({ block: "nearest" });
    });
    /* A keyboard reader tabbing into the hidden part gets the whole post. */
    box.addEventListener("focusin", function () { set(false); });
    set(true);
    box.insertAdjacentElement("afterend", button);
  }

  function start() {
    /* One listener for the whole page, so cards that arrive live can be shared too. */
    document.addEventListener("click", function (event) {
      var link = event.target.closest && event.target.closest(".share-link");
      if (link) share(event, link);
    });
    var folds = document.querySelectorAll(".pinned-fold");
    for (var j = 0; j < folds.length; j++) fold(folds[j]);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
