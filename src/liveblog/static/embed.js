/* liveblog's embed, for partners' pages: one line where the live blog should show,
     <script src="https://OURHOST/static/embed.js"
       data-liveblog="https://OURHOST/live/SLUG/embed" async></script>
   puts a sandboxed frame with the embed right after that script tag, and keeps the frame
   as tall as the embed says it is. See docs/embeds.md. */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || script.hasAttribute("data-liveblog-framed")) return;
  script.setAttribute("data-liveblog-framed", "");
  var address;
  try {
    address = new URL(script.getAttribute("data-liveblog") || "", script.src);
  } catch (e) { return; }
  if (address.protocol !== "https:" && address.protocol !== "http:") return;
  var frame = document.createElement("iframe");
  frame.src = address.href;
  frame.title = script.getAttribute("data-title") || "Live blog";
  /* Its own script, as its own origin (to follow the blog's event stream), and links
     opened in a new, ordinary tab. Never navigating this page, forms or dialogs. */
  frame.setAttribute("sandbox",
    "allow-scripts allow-same-origin allow-popups allow-popups-to-escape-sandbox");
  frame.setAttribute("referrerpolicy", "strict-origin-when-cross-origin");
  frame.style.display = "block";
  frame.style.width = "100%";
  frame.style.border = "0";
  frame.style.height = (parseInt(script.getAttribute("data-height"), 10) || 600) + "px";
  script.parentNode.insertBefore(frame, script.nextSibling);

  window.addEventListener("message", function (e) {
    /* Only our frame, from the embed's origin, may size it. */
    if (e.source !== frame.contentWindow || e.origin !== address.origin) return;
    var d = e.data, height = d && d.type === "liveblog:height" && Number(d.height);
    if (height > 0 && height < 100000) frame.style.height = Math.ceil(height) + "px";
  });
})();
