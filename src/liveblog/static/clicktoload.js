/* liveblog reader page: embedded videos and posts load only when the reader asks.
   A card (elements/embed.py) names the provider and links to it; nothing is requested from
   the provider until the reader presses "Load the video from YouTube". Then, and only
   then, a sandboxed frame is put in the card, from the card's data-embed-* attributes and
   only from a host the page's policy names (data-frame-hosts, the same list as its
   Content-Security-Policy frame-src). Without this script the card is a plain link.
   live.js arms the cards that arrive live through window.liveblogArmEmbeds. */
(function () {
  "use strict";

  var SANDBOX = ["allow-scripts", "allow-same-origin", "allow-popups", "allow-presentation"];
  var ALLOW = ["fullscreen", "picture-in-picture", "encrypted-media"];
  var REFERRERS = ["no-referrer", "strict-origin"];
  var CARDS = ".embed-card[data-embed-frame]";
  var root = document.querySelector("article.liveblog[data-frame-hosts]");
  var hosts = root ? (root.getAttribute("data-frame-hosts") || "").split(" ") : [];

  /* The frame's address when the page may load it: https, on a host the page names. */
  function frameUrl(card) {
    var u;
    try { u = new URL(card.getAttribute("data-embed-frame") || ""); } catch (e) { return null; }
    if (u.protocol !== "https:" || u.port || u.username || hosts.indexOf(u.hostname) < 0) {
      return null;
    }
    return u.href;
  }

  function arm(scope) {
    if (!scope || !scope.querySelectorAll) return;
    var cards = [].slice.call(scope.querySelectorAll(CARDS));
    if (scope.matches && scope.matches(CARDS)) cards.push(scope);
    cards.forEach(function (card) {
      /* A card whose host this page's policy does not name (a Mastodon server new since
         the page loaded) stays a link; a reload names it. */
      if (card.querySelector(".embed-consent, iframe") || !frameUrl(card)) return;
      /* A Mastodon post loads from its own server: the button names that server. */
      var name = card.classList.contains("embed-mastodon") ? new URL(frameUrl(card)).hostname
        : card.getAttribute("data-embed-provider") || "the provider";
      var noun = card.getAttribute("data-embed-noun") || "post";
      var box = document.createElement("p");
      var button = document.createElement("button");
      var note = document.createElement("span");
      box.className = "embed-consent";
      button.type = "button";
      button.className = "embed-load";
      button.textContent = "Load the " + noun + " from " + name;
      note.className = "embed-note";
      note.textContent = "Loading it connects you to " + name +
        ", which may set cookies and learn that you are reading this page.";
      box.append(button, " ", note);
      card.appendChild(box);
    });
  }

  function load(card, quietly) {
    var src = frameUrl(card), box = card.querySelector(".embed-consent");
    if (!src || !box) return;
    var frame = document.createElement("iframe");
    var tokens = (card.getAttribute("data-embed-sandbox") || "").split(" ").filter(
      function (t) { return SANDBOX.indexOf(t) >= 0; });
    var referrer = card.getAttribute("data-embed-referrer");
    var ratio = card.getAttribute("data-embed-ratio") || "";
    var title = card.querySelector(".embed-title");
    /* The sandbox and the rest are set before the frame has an address or a place. */
    frame.setAttribute("sandbox", tokens.join(" "));
    var allow = (card.getAttribute("data-embed-allow") || "").split(";").map(
      function (t) { return t.trim(); }).filter(function (t) { return ALLOW.indexOf(t) >= 0; });
    frame.setAttribute("allow", allow.join("; "));
    frame.setAttribute("referrerpolicy", REFERRERS.indexOf(referrer) >= 0 ? referrer : "no-referrer");
    frame.setAttribute("title", (card.getAttribute("data-embed-provider") || "") + ": " +
      (title ? title.textContent : ""));
    frame.className = "embed-frame";
    if (/^\d{1,2} \/ \d{1,2}$/.test(ratio)) frame.style.aspectRatio = ratio;
    frame.src = src;
    box.replaceWith(frame);
    card.classList.add("embed-loaded");
    if (!quietly) frame.focus();
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest(".embed-load");
    if (button) load(button.closest(".embed-card"));
  });
  window.liveblogArmEmbeds = arm;
  /* live.js: a post edited live loads again what the reader had loaded in it. */
  window.liveblogLoadEmbed = function (card) { load(card, true); };
  arm(document);
})();
