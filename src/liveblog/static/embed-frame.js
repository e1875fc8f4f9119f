/* Inside a blog's embed: tells the page that frames it how tall the embed is, whenever
   that changes, so that embed.js can size the frame to it (no scroll bar in the frame). */
(function () {
  "use strict";

  if (window.parent === window || !window.ResizeObserver) return;
  var last = 0;
  function tell() {
    var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height === last) return;
    last = height;
    /* Any origin may hear it: a height is no secret, and which page frames us is the
       partner's to know (embed.js checks that the message is from its own frame). */
    window.parent.postMessage({ type: "liveblog:height", height: height }, "*");
  }
  new ResizeObserver(tell).observe(document.documentElement);
  window.addEventListener("load", tell);
})();
