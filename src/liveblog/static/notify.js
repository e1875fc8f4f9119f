// "Notify me of key events on this blog": a reader's browser subscribes through its push
// service (Web Push), and the server tells it of key events and of the blog's end while
// the page is closed; sw.js shows them. A second click turns it off. The button stays
// hidden where the browser cannot do this (and the page without scripts never shows it).
"use strict";

(() => {
  const box = document.querySelector(".notify");
  if (!box) return;
  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
    return;
  }
  const button = box.querySelector("button");
  const status = box.querySelector(".notify-status");
  const slug = box.dataset.blog;
  const remembered = "liveblog-notify:" + slug;
  const say = (text) => {
    status.textContent = text;
  };
  const setOn = (on) => {
    button.setAttribute("aria-pressed", on ? "true" : "false");
    try {
      if (on) localStorage.setItem(remembered, "1");
      else localStorage.removeItem(remembered);
    } catch (error) {
      // Storage refused (private mode): the button still works for this visit.
    }
  };
  const isOn = () => button.getAttribute("aria-pressed") === "true";

  const send = async (path, body) => {
    const answer = await fetch("/live/" + encodeURIComponent(slug) + "/push/" + path, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body),
    });
    if (!answer.ok) {
      let detail = "the site refused (" + answer.status + ")";
      try {
        detail = (await answer.json()).detail || detail;
      } catch (error) {
        // Not JSON: keep the status.
      }
      throw new Error(detail);
    }
  };

  const keyBytes = (text) => {
    const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    const raw = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
    return Uint8Array.from(raw, (c) => c.charCodeAt(0));
  };

  const sameKey = (subscription, key) => {
    const had = subscription.options && subscription.options.applicationServerKey;
    if (!had) return true;
    const a = new Uint8Array(had);
    return a.length === key.length && a.every((b, i) => b === key[i]);
  };

  const turnOn = async () => {
    const permission = await Notification.requestPermission();
    if (permission !== "granted") {
      say("Your browser does not let this site show notifications. You can allow them in its settings for this site.");
      return;
    }
    say("Asking your browser…");
    let registration;
    try {
      await navigator.serviceWorker.register("/sw.js", { scope: "/live/" });
      registration = await navigator.serviceWorker.ready;
    } catch (error) {
      say("Your browser could not set up notifications here (" + error.message + ").");
      return;
    }
    let subscription;
    try {
      const answer = await fetch("/push/key", { headers: { Accept: "application/json" } });
      const key = keyBytes((await answer.json()).public_key);
      subscription = await registration.pushManager.getSubscription();
      if (subscription && !sameKey(subscription, key)) {
        await subscription.unsubscribe();
        subscription = null;
      }
      subscription = subscription || (await registration.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: key,
      }));
    } catch (error) {
      say(
        "Your browser could not reach a push service (private windows and some browsers " +
          "have none), so this page cannot notify you. (" + error.message + ")",
      );
      return;
    }
    try {
      await send("subscribe", subscription.toJSON());
    } catch (error) {
      say("Notifications could not be turned on: " + error.message);
      return;
    }
    setOn(true);
    say("You will be notified of key events on this blog, even with this page closed.");
  };

  const turnOff = async () => {
    const registration = await navigator.serviceWorker.getRegistration("/live/");
    const subscription = registration && (await registration.pushManager.getSubscription());
    try {
      if (subscription) await send("unsubscribe", { endpoint: subscription.endpoint });
    } catch (error) {
      say("Notifications could not be turned off: " + error.message);
      return;
    }
    setOn(false);
    say("Notifications for this blog are off.");
  };

  let busy = false;
  button.addEventListener("click", async () => {
    if (busy) return;
    busy = true;
    button.disabled = true;
    try {
      await (isOn() ? turnOff() : turnOn());
    } finally {
      busy = false;
      button.disabled = false;
    }
  });

  let wasOn = false;
  try {
    wasOn = localStorage.getItem(remembered) === "1";
  } catch (error) {
    wasOn = false;
  }
  button.setAttribute("aria-pressed", wasOn && Notification.permission === "granted" ? "true" : "false");
  box.hidden = false;

  // The blog ending while the page is open (live.js sets data-status): nothing more to
  // subscribe to, as the page the server renders for an ended blog offers nothing.
  const article = box.closest("[data-status]");
  if (article) {
    new MutationObserver(() => {
      if (article.dataset.status !== "live") box.hidden = true;
    }).observe(article, { attributes: true, attributeFilter: ["data-status"] });
  }
})();
